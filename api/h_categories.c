/* /api/v1/categories: the device categories (ORDS reference data). */
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/category.h"

void h_categories_list(struct rl_req *req, struct _u_response *res)
{
  int limit;
  const char *cursor;
  if (rl_page_params(req, res, &limit, &cursor) != 0)
    return;
  json_t *items;
  int more;
  int rc = category_list(&items, &more, cursor ? cursor : "", limit);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  size_t n = json_array_size(items);
  const char *next = more && n > 0
                         ? json_string_value(json_object_get(json_array_get(items, n - 1), "slug"))
                         : NULL;
  char buf[80] = "";
  if (next)
    strncat(buf, next, sizeof buf - 1);
  rl_reply_list(res, items, next ? buf : NULL);
}

void h_categories_get(struct rl_req *req, struct _u_response *res)
{
  const char *json, *etag;
  size_t len;
  int rc = category_get(&json, &len, &etag, rl_path(req, "slug"));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no category has this slug" : NULL);
    return;
  }
  rl_reply_json_text(req, res, json, len, etag);
}
