/* Site rules on top of store_site. */
#include "core/site.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_site.h"

static const char *text_or_empty(const json_t *obj, const char *name)
{
  const char *s = json_string_value(json_object_get(obj, name));
  return s ? s : "";
}

int site_create(json_t **out, int *version, const json_t *body)
{
  const json_t *active = json_object_get(body, "active");
  return store_site_insert(
      out, version, json_string_value(json_object_get(body, "slug")),
      json_string_value(json_object_get(body, "name")), text_or_empty(body, "address"),
      text_or_empty(body, "opening_hours"), text_or_empty(body, "loan_conditions_fr"),
      text_or_empty(body, "loan_conditions_en"), active == NULL || json_is_true(active));
}

struct site_change {
  const char *slug;
  const json_t *patch;
  int if_match;
  json_t *out;
  int version;
};

static int patch_tx(void *ctx)
{
  struct site_change *c = ctx;
  json_decref(c->out);
  c->out = NULL;
  json_t *cur;
  int v;
  int rc = store_site_get(&cur, &v, c->slug, 1);
  if (rc != RL_OK)
    return rc;
  if (c->if_match >= 0 && c->if_match != v) {
    json_decref(cur);
    return RL_EPRECONDITION;
  }
  /* null clears the free-text fields; name and active are not nullable. */
  json_object_update(cur, (json_t *)c->patch);
  const json_t *active = json_object_get(cur, "active");
  store_tx_commit_next();
  rc = store_site_update(&c->out, &c->version, c->slug,
                         json_string_value(json_object_get(cur, "name")),
                         text_or_empty(cur, "address"), text_or_empty(cur, "opening_hours"),
                         text_or_empty(cur, "loan_conditions_fr"),
                         text_or_empty(cur, "loan_conditions_en"), json_is_true(active));
  json_decref(cur);
  return rc;
}

int site_patch(json_t **out, int *version, const char *slug, const json_t *patch, int if_match)
{
  struct site_change c = {slug, patch, if_match, NULL, 0};
  int rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
  if (rc == RL_OK) {
    *out = c.out;
    *version = c.version;
  } else {
    json_decref(c.out);
  }
  return rc;
}

int site_get(json_t **out, int *version, const char *slug)
{
  return store_site_get(out, version, slug, 0);
}

int site_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int active,
              int limit)
{
  next_cursor[0] = '\0';
  *errors = NULL;
  if (cursor != NULL) {
    /* A cursor is the slug that ended a page: one that names no site was
     * not issued here. */
    json_t *at;
    int version;
    int found = store_site_get(&at, &version, cursor, 0);
    if (found == RL_ENOTFOUND)
      return rl_spec_invalid(errors, "cursor", "not_a_cursor",
                             "is not a cursor this service issued");
    if (found != RL_OK)
      return found;
    json_decref(at);
  }
  int more;
  int rc = store_site_list(out, &more, cursor ? cursor : "", active, limit);
  size_t n = json_array_size(rc == RL_OK ? *out : NULL);
  if (rc == RL_OK && more && n > 0)
    snprintf(next_cursor, RL_SPEC_CURSOR_MAX, "%s",
             rl_spec_str(json_array_get(*out, n - 1), "slug"));
  return rc;
}

/* The slug of the site, among those that may be chosen, closest to what
 * was typed (slug or name); NULL when none is close. Copied into best. */
static int suggest(char *best, size_t cap, const char *typed, int need_active)
{
  struct rl_suggest s;
  rl_suggest_init(&s, typed);
  char after[RL_SPEC_CURSOR_MAX] = "", next[RL_SPEC_CURSOR_MAX];
  best[0] = '\0';
  for (;;) {
    json_t *page;
    json_t *errors;
    int rc = site_list(&page, next, &errors, after[0] ? after : NULL, need_active ? 1 : -1, 500);
    json_decref(errors);
    if (rc != RL_OK)
      return rc;
    size_t i;
    json_t *site;
    json_array_foreach(page, i, site) {
      const char *slug = rl_spec_str(site, "slug");
      rl_suggest_offer(&s, slug, slug);
      rl_suggest_offer(&s, rl_spec_str(site, "name"), slug);
    }
    /* The answer points into this page: keep a copy before it goes. */
    if (rl_suggest_best(&s)) {
      snprintf(best, cap, "%s", rl_suggest_best(&s));
      s.best = best;
    }
    json_decref(page);
    if (next[0] == '\0')
      return RL_OK;
    memcpy(after, next, sizeof after);
  }
}

int site_check(json_t *errors, const char *field, const char *slug, int need_active,
               const char *current)
{
  json_t *site;
  int rc = store_site_get(&site, NULL, slug, 0);
  if (rc == RL_OK) {
    int usable = !need_active || json_is_true(json_object_get(site, "active")) ||
                 (current && strcmp(current, slug) == 0);
    json_decref(site);
    if (!usable)
      rl_spec_error(errors, field, "inactive_site",
                    "is a site that is no longer active; choose an active one");
    return RL_OK;
  }
  if (rc != RL_ENOTFOUND)
    return rc;
  char best[RL_SPEC_CURSOR_MAX], msg[160];
  rc = suggest(best, sizeof best, slug, need_active);
  if (rc != RL_OK)
    return rc;
  if (best[0])
    snprintf(msg, sizeof msg, "is not a known site slug; did you mean %s?", best);
  rl_spec_error_suggest(errors, field, "unknown_site",
                        best[0] ? msg : "is not a known site slug (see GET /api/v1/sites)",
                        best[0] ? best : NULL);
  return RL_OK;
}
