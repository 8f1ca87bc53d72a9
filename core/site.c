/* Site rules on top of store_site. */
#include "core/site.h"

#include "core/error.h"
#include "core/store/store_site.h"

#define UPDATE_ATTEMPTS 5

static const char *text_or_empty(const json_t *obj, const char *name)
{
  const char *s = json_string_value(json_object_get(obj, name));
  return s ? s : "";
}

int site_create(json_t **out, int *version, const json_t *body)
{
  const json_t *active = json_object_get(body, "active");
  return store_site_insert(out, version, json_string_value(json_object_get(body, "slug")),
                             json_string_value(json_object_get(body, "name")),
                             text_or_empty(body, "address"), text_or_empty(body, "opening_hours"),
                           active == NULL || json_is_true(active));
}

int site_patch(json_t **out, int *version, const char *slug, const json_t *patch, int if_match)
{
  for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    json_t *cur;
    int v;
    int rc = store_site_get(&cur, &v, slug);
    if (rc != RL_OK)
      return rc;
    if (if_match >= 0 && if_match != v) {
      json_decref(cur);
      return RL_EPRECONDITION;
    }
    /* null clears the free-text fields; name and active are not nullable. */
    json_object_update(cur, (json_t *)patch);
    const json_t *active = json_object_get(cur, "active");
    rc = store_site_update(out, version, slug, v, json_string_value(json_object_get(cur, "name")),
                           text_or_empty(cur, "address"), text_or_empty(cur, "opening_hours"),
                           json_is_true(active));
    json_decref(cur);
    if (rc != RL_ECONFLICT)
      return rc;
    if (if_match >= 0)
      return RL_EPRECONDITION;
  }
  return RL_ECONFLICT;
}
