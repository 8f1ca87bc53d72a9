/* Public HTML pages from the templates in web/ (built into the binary):
 * {{name}} is replaced by the HTML-escaped string member `name` of the
 * values, {{{name}}} by the member as it is. */
#ifndef RL_API_PAGE_H
#define RL_API_PAGE_H

#include <jansson.h>
#include <stddef.h>

#include "api/http.h"
#include "core/tracking.h"

/* Renders web/<name>; returns a malloc'd string (caller frees), or NULL when
 * there is no such template or memory ran out. */
char *rl_page_render(const char *name, const json_t *values, size_t *len);

/* "2026-11-29T23:35:40Z" → "30/11/2026": the date in the process's time
 * zone (REPAIRD_TIMEZONE), as printed in France. */
void rl_date_fr(char *out, size_t cap, const char *rfc3339);

/* The language the reader asked for: ?lang=, else Accept-Language, else French. */
enum rl_lang rl_page_lang(const struct rl_req *req);

/* Renders web/<name> with values (taken) and replies with it as
 * rl_reply_page does; 503 when it cannot be rendered (out of memory). */
void rl_reply_template(struct _u_response *res, unsigned status, const char *name, json_t *values,
                       const char *cache_control);

/* Replies with an HTML page and the headers public pages carry. */
void rl_reply_page(struct _u_response *res, unsigned status, char *html, size_t len,
                   const char *cache_control);

#endif
