/* /api/v1/sites: places of intake, repair and lending. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/site.h"
#include "core/spec.h"
#include "core/store/store_site.h"

static const struct rl_field site_spec[] = {
    {.name = "slug", .type = RL_T_STRING, .flags = RL_F_REQUIRED | RL_F_IMMUTABLE, .min = 1, .max = 64},
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 200},
    {.name = "address", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 0, .max = 500},
    {.name = "opening_hours", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 0, .max = 1000},
    {.name = "active", .type = RL_T_BOOL},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

static int slug_ok(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > 64 || s[0] == '-')
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
      return 0;
  return 1;
}

void h_sites_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, site_spec, 0) != 0)
    return;
  const char *slug = json_string_value(json_object_get(req->body, "slug"));
  if (!slug_ok(slug)) {
    rl_reply_bad_field(res, "slug", "must be lower-case letters, digits and dashes, not starting with a dash");
    return;
  }
  json_t *site;
  int version;
  int rc = site_create(&site, &version, req->body);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_EDUPLICATE ? "a site with this slug exists" : NULL);
    return;
  }
  char loc[128];
  snprintf(loc, sizeof loc, "/api/v1/sites/%s", slug);
  rl_reply_versioned(req, res, 201, site, version, 0);
  u_map_put(res->map_header, "Location", loc);
}

void h_sites_list(struct rl_req *req, struct _u_response *res)
{
  int limit;
  const char *cursor;
  if (rl_page_params(req, res, &limit, &cursor) != 0)
    return;
  const char *a = rl_param(req, "active");
  int active = -1;
  if (a != NULL) {
    if (strcmp(a, "true") == 0)
      active = 1;
    else if (strcmp(a, "false") == 0)
      active = 0;
    else {
      rl_reply_bad_field(res, "active", "must be true or false");
      return;
    }
  }
  json_t *items;
  int more;
  int rc = store_site_list(&items, &more, cursor ? cursor : "", active, limit);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  size_t n = json_array_size(items);
  char next[80] = "";
  if (more && n > 0)
    snprintf(next, sizeof next, "%s",
             json_string_value(json_object_get(json_array_get(items, n - 1), "slug")));
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_sites_get(struct rl_req *req, struct _u_response *res)
{
  json_t *site;
  int version;
  int rc = store_site_get(&site, &version, rl_path(req, "slug"));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no site has this slug" : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, site, version, 0);
}

void h_sites_patch(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, site_spec, 1) != 0)
    return;
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  json_t *site;
  int version;
  int rc = site_patch(&site, &version, rl_path(req, "slug"), req->body, if_match);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no site has this slug" : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, site, version, 0);
}
