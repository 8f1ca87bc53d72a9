/* /api/v1/sites: places of intake, repair and lending. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/site.h"

void h_sites_create(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_site, 0) != 0)
    return;
  json_t *site;
  int version;
  int rc = site_create(&site, &version, req->body);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_EDUPLICATE ? "a site with this slug exists" : NULL);
    return;
  }
  char loc[128];
  snprintf(loc, sizeof loc, "/api/v1/sites/%s", rl_spec_str(site, "slug"));
  rl_reply_versioned(req, res, 201, site, version, 0);
  u_map_put(res->map_header, "Location", loc);
}

void h_sites_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_site_filters, &query) != 0)
    return;
  const json_t *active = json_object_get(query, "active");
  json_t *items;
  char next[RL_SPEC_CURSOR_MAX];
  json_t *errors;
  int rc = site_list(&items, next, &errors, rl_spec_str(query, "cursor"),
                     active ? json_is_true(active) : -1, rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_sites_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *site;
  int version;
  int rc = site_get(&site, &version, rl_path(req, "slug"));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "no site has this slug" : NULL);
    return;
  }
  rl_reply_versioned(req, res, 200, site, version, 0);
}

void h_sites_patch(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_site, 1) != 0)
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
