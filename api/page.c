/* A small template engine for the public pages: just substitution, so the
 * pages stay plain HTML that a designer can edit. */
#include "api/page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "core/embedded.h"
#include "core/error.h"

char *rl_page_render(const char *name, const json_t *values, size_t *len)
{
  char path[64];
  snprintf(path, sizeof path, "web/%s", name);
  const struct rl_embedded_file *tpl = rl_embedded_find(path);
  const struct rl_embedded_file *css = rl_embedded_find("web/style.css");
  *len = 0;
  if (tpl == NULL)
    return NULL;
  struct rl_buf out = {0};
  const char *p = (const char *)tpl->data;
  while (*p) {
    const char *open = strstr(p, "{{");
    if (open == NULL) {
      rl_buf_add(&out, p);
      break;
    }
    rl_buf_add_len(&out, p, (size_t)(open - p));
    int raw = open[2] == '{';
    const char *start = open + (raw ? 3 : 2);
    const char *close = strstr(start, raw ? "}}}" : "}}");
    if (close == NULL) {
      rl_buf_add(&out, open);
      break;
    }
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)(close - start), start);
    const char *v = strcmp(key, "css") == 0 && css
                        ? (const char *)css->data
                        : json_string_value(json_object_get(values, key));
    if (raw)
      rl_buf_add(&out, v);
    else
      rl_buf_add_html(&out, v);
    p = close + (raw ? 3 : 2);
  }
  return rl_buf_take(&out, len);
}

void rl_date_fr(char *out, size_t cap, const char *rfc3339)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *rest = rfc3339 ? strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
  if (rest == NULL) {
    snprintf(out, cap, "%s", rfc3339 ? rfc3339 : "");
    return;
  }
  time_t t = timegm(&tm); /* the service's times are UTC */
  struct tm local;
  /* When strftime fails (cap too small) out is undefined: print the time
   * as given, as for one that does not parse. */
  if (localtime_r(&t, &local) == NULL || strftime(out, cap, "%d/%m/%Y", &local) == 0)
    snprintf(out, cap, "%s", rfc3339);
}

enum rl_lang rl_page_lang(const struct rl_req *req)
{
  const char *q = rl_param(req, "lang");
  if (q && strcasecmp(q, "en") == 0)
    return RL_LANG_EN;
  if (q && strcasecmp(q, "fr") == 0)
    return RL_LANG_FR;
  const char *al = rl_header(req, "Accept-Language");
  double best_fr = -1, best_en = -1;
  for (const char *p = al; p && *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, ",");
    double weight = 1.0;
    const char *semi = memchr(p, ';', n);
    if (semi && strncmp(semi, ";q=", 3) == 0)
      weight = strtod(semi + 3, NULL);
    if (weight <= 0) /* q=0: "not this one" */
      ;
    else if (strncasecmp(p, "fr", 2) == 0 && weight > best_fr)
      best_fr = weight;
    else if (strncasecmp(p, "en", 2) == 0 && weight > best_en)
      best_en = weight;
    p += n;
  }
  return best_en > best_fr ? RL_LANG_EN : RL_LANG_FR;
}

void rl_reply_page(struct _u_response *res, unsigned status, char *html, size_t len,
                   const char *cache_control)
{
  rl_reply_bytes(res, status, "text/html; charset=utf-8", html, len);
  u_map_put(res->map_header, "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'");
  u_map_put(res->map_header, "Referrer-Policy", "no-referrer");
  u_map_put(res->map_header, "X-Content-Type-Options", "nosniff");
  u_map_put(res->map_header, "Cache-Control", cache_control);
  u_map_put(res->map_header, "Vary", "Accept-Language");
}

void rl_reply_template(struct _u_response *res, unsigned status, const char *name, json_t *values,
                       const char *cache_control)
{
  size_t len;
  char *html = rl_page_render(name, values, &len);
  json_decref(values);
  if (html == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  rl_reply_page(res, status, html, len, cache_control);
  free(html);
}
