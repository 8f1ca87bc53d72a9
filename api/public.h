/* Error answers for people rather than programs: a browser that opens a
 * public page, or a path that does not exist, gets a page in its language;
 * an API client gets problem+json as everywhere else. */
#ifndef RL_API_PUBLIC_H
#define RL_API_PUBLIC_H

#include "api/http.h"
#include "core/tracking.h"

/* Whether the request is for a person: its Accept lists text/html (with
 * a weight above 0) and its path is outside /api/. */
int rl_public_wants_page(const struct rl_req *req);

/* 404 for a path no route has: an HTML page when rl_public_wants_page,
 * else the problem "no such path". Either way Vary names Accept. */
void rl_public_no_route(struct rl_req *req, struct _u_response *res);

/* 429 with Retry-After (seconds): an HTML page when rl_public_wants_page,
 * else the rate-limited problem. Either way Vary names Accept. */
void rl_public_rate_limited(struct rl_req *req, struct _u_response *res, unsigned retry_after);

/* The values every public page's template reads: lang, other_lang,
 * t_other (the link to the other language) and t_brand. */
void rl_public_page_values(json_t *v, enum rl_lang l);

/* The 404 page "link not recognised" for a capability or label link that
 * opens nothing (rc RL_ENOTFOUND or RL_OK); any other rc is its problem. */
void rl_public_not_found(struct rl_req *req, struct _u_response *res, int rc);

#endif
