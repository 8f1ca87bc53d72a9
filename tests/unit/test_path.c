/* Path parameters: each ":name" of a route has its own value, read from the
 * path itself and percent-decoded, whatever ulfius put in its map. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/http.h"
#include "api/routes.h"

struct fixture {
  struct _u_request u;
  struct rl_route route;
  struct rl_req req;
};

/* A request for url on a route with this pattern, its path parsed. */
static struct rl_req *request(struct fixture *f, const char *pattern, const char *url)
{
  memset(f, 0, sizeof *f);
  f->route.method = "GET";
  f->route.path = pattern;
  f->u.url_path = (char *)url;
  f->req.u = &f->u;
  f->req.route = &f->route;
  rl_path_parse(&f->req);
  return &f->req;
}

Test(path, two_parameters_keep_their_own_values)
{
  struct fixture f;
  struct rl_req *req =
      request(&f, "/api/v1/parts/:sku/stock/:site", "/api/v1/parts/FUSE-5A/stock/la-fabrique");
  const char *sku = rl_path(req, "sku");
  const char *site = rl_path(req, "site");
  cr_assert_str_eq(sku, "FUSE-5A", "the second call must not overwrite the first");
  cr_assert_str_eq(site, "la-fabrique");
  cr_assert_str_eq(rl_path(req, "sku"), "FUSE-5A");
}

Test(path, values_are_percent_decoded)
{
  struct fixture f;
  struct rl_req *req =
      request(&f, "/api/v1/parts/:sku/stock/:site", "/api/v1/parts/A%2fB%20C/stock/caf%C3%A9");
  cr_assert_str_eq(rl_path(req, "sku"), "A/B C");
  cr_assert_str_eq(rl_path(req, "site"), "café");
  /* What is not a %XX escape stays as it is. */
  req = request(&f, "/t/:token", "/t/a%zz%4");
  cr_assert_str_eq(rl_path(req, "token"), "a%zz%4");
}

Test(path, a_nul_byte_names_nothing)
{
  struct fixture f;
  struct rl_req *req =
      request(&f, "/api/v1/parts/:sku/stock/:site", "/api/v1/parts/ABC%00DEF/stock/main");
  cr_assert_str_eq(rl_path(req, "sku"), "");
  cr_assert_str_eq(rl_path(req, "site"), "main", "only the segment with %%00 names nothing");
}

Test(path, a_value_too_long_names_nothing_rather_than_a_shorter_one)
{
  char url[1024] = "/t/";
  memset(url + 3, 'a', RL_PATH_VALUE_MAX);
  struct fixture f;
  struct rl_req *req = request(&f, "/t/:token", url);
  cr_assert_eq(strlen(rl_path(req, "token")), RL_PATH_VALUE_MAX);
  url[3 + RL_PATH_VALUE_MAX] = 'a';
  req = request(&f, "/t/:token", url);
  cr_assert_str_eq(rl_path(req, "token"), "");
  /* The bound is on the decoded value: 300 bytes of %41 are 100 letters. */
  strcpy(url, "/t/");
  for (int i = 0; i < 100; i++)
    strcat(url, "%41");
  req = request(&f, "/t/:token", url);
  cr_assert_eq(strlen(rl_path(req, "token")), 100);
}

Test(path, unknown_names_and_prefixes_name_nothing)
{
  struct fixture f;
  struct rl_req *req = request(&f, "/api/v1/devices/:code/history", "/api/v1/devices/AB12/history");
  cr_assert_str_eq(rl_path(req, "code"), "AB12");
  cr_assert_str_eq(rl_path(req, "cod"), "");
  cr_assert_str_eq(rl_path(req, "codes"), "");
  cr_assert_str_eq(rl_path(req, "history"), "", "a literal segment is no parameter");
  req = request(&f, "//api/v1//devices/:code", "//api//v1/devices//CD34/");
  cr_assert_str_eq(rl_path(req, "code"), "CD34", "repeated slashes do not shift segments");
}

/* ulfius puts path parameters in map_url beside the query string's, and
 * joins the values of a name found in both; the path's own value wins. */
Test(path, a_query_parameter_of_the_same_name_does_not_leak_in)
{
  struct fixture f;
  struct _u_map query;
  cr_assert_eq(u_map_init(&query), U_OK);
  u_map_put(&query, "slug", "laptop,kettle");
  memset(&f, 0, sizeof f);
  f.route.path = "/api/v1/categories/:slug";
  f.u.url_path = "/api/v1/categories/laptop";
  f.u.map_url = &query;
  f.req.u = &f.u;
  f.req.route = &f.route;
  rl_path_parse(&f.req);
  cr_assert_str_eq(rl_path(&f.req, "slug"), "laptop");
  cr_assert_str_eq(rl_param(&f.req, "slug"), "laptop,kettle");
  u_map_clean(&query);
}

/* rl_path_parse keeps RL_PATH_PARAMS values: no route may need more, and no
 * route may name two segments alike. */
Test(path, every_route_fits_the_parameter_slots)
{
  for (size_t i = 0; i < rl_routes_count; i++) {
    const char *names[RL_PATH_PARAMS + 1];
    size_t lens[RL_PATH_PARAMS + 1], n = 0;
    for (const char *p = strchr(rl_routes[i].path, ':'); p; p = strchr(p + 1, ':')) {
      cr_assert_lt(n, (size_t)RL_PATH_PARAMS, "%s has too many parameters", rl_routes[i].path);
      names[n] = p + 1;
      lens[n] = strcspn(p + 1, "/");
      for (size_t j = 0; j < n; j++)
        cr_assert(lens[j] != lens[n] || strncmp(names[j], names[n], lens[n]) != 0,
                  "%s names a parameter twice", rl_routes[i].path);
      n++;
    }
  }
}
