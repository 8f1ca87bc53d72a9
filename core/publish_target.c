/* Publication targets: what an admin may configure, checked beyond the
 * field spec (core/fields.c): the URL, what each kind of portal needs, the
 * dataset source, and where the secret is. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/publish.h"
#include "core/publish_sources.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_publish.h"

/* Environment variables a target may name: only these, so that a target
 * cannot send another of the service's settings (DATABASE_URL) away. */
#define SECRET_ENV_PREFIX "REPAIRD_PORTAL_"

static int only(const char *s, const char *extra)
{
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && strchr(extra, *s) == NULL)
      return 0;
  return 1;
}

/* https://host[:port][/path], or http:// only to this machine (a local
 * stand-in, a tunnel): a secret never crosses a network in clear text. */
static void check_url(json_t *errors, const char *url)
{
  const char *host;
  if (strncmp(url, "https://", 8) == 0) {
    host = url + 8;
  } else if (strncmp(url, "http://", 7) == 0) {
    host = url + 7;
    size_t n = strncmp(host, "127.0.0.1", 9) == 0 ? 9 : strncmp(host, "localhost", 9) == 0 ? 9 : 0;
    if (n == 0 || (host[n] != '\0' && host[n] != ':' && host[n] != '/')) {
      rl_spec_error(errors, "base_url", "not_https",
                    "must start with https:// (http:// only for 127.0.0.1 or localhost)");
      return;
    }
  } else {
    rl_spec_error(errors, "base_url", "not_https",
                  "must start with https:// (http:// only for 127.0.0.1 or localhost)");
    return;
  }
  if (*host == '\0' || *host == '/' || *host == ':' || !only(host, ".-:/_~%") ||
      strchr(host, '@') != NULL)
    rl_spec_error(errors, "base_url", "bad_url",
                  "must be a plain URL: a host name, an optional port and path, no query");
}

static void check_id(json_t *errors, const char *field, const char *id)
{
  if (id != NULL && !only(id, "-_."))
    rl_spec_error(errors, field, "bad_id", "may hold only letters, digits, '-', '_' and '.'");
}

static void check_source(json_t *errors, const char *name)
{
  if (publish_source_find(name) != NULL)
    return;
  struct rl_suggest s;
  rl_suggest_init(&s, name);
  for (size_t i = 0; i < publish_sources_count; i++)
    rl_suggest_offer(&s, publish_sources[i].name, publish_sources[i].name);
  rl_spec_error_suggest(errors, "source", "unknown_source",
                        "is not a dataset that can be published: impact-csv or ords-csv",
                        rl_suggest_best(&s));
}

/* The checks beyond the spec, on the whole target (a created body, or a
 * stored target with a patch applied). */
static void check_target(json_t *errors, const json_t *t)
{
  const char *kind = rl_spec_str(t, "kind"), *dataset = rl_spec_str(t, "dataset_id");
  check_url(errors, rl_spec_str(t, "base_url"));
  if (kind && strcmp(kind, "datagouv") == 0 && dataset == NULL)
    rl_spec_error(errors, "dataset_id", "required_for_kind",
                  "is required for a data.gouv.fr target (the dataset holding the resource)");
  if (kind && strcmp(kind, "ckan") == 0 && dataset != NULL)
    rl_spec_error(errors, "dataset_id", "not_for_kind",
                  "is not used by a CKAN target (resource_id names the resource): leave it out");
  check_id(errors, "dataset_id", dataset);
  check_id(errors, "resource_id", rl_spec_str(t, "resource_id"));
  check_source(errors, rl_spec_str(t, "source"));
  const char *env = rl_spec_str(t, "secret_env"), *file = rl_spec_str(t, "secret_file");
  if (env == NULL && file == NULL)
    rl_spec_error(errors, "secret_env", "secret_required",
                  "or secret_file is required: where the portal's secret is read from");
  if (env != NULL && file != NULL)
    rl_spec_error(errors, "secret_file", "secret_both",
                  "cannot be given with secret_env: choose one place for the secret");
  if (env != NULL && (strncmp(env, SECRET_ENV_PREFIX, strlen(SECRET_ENV_PREFIX)) != 0 ||
                      strlen(env) == strlen(SECRET_ENV_PREFIX) || !only(env, "_") ||
                      strpbrk(env, "abcdefghijklmnopqrstuvwxyz") != NULL))
    rl_spec_error(errors, "secret_env", "bad_secret_env",
                  "must name an environment variable REPAIRD_PORTAL_… (capitals, digits, _)");
  if (file != NULL && (file[0] == '.' || !only(file, "-_.")))
    rl_spec_error(errors, "secret_file", "bad_secret_file",
                  "must be a file name in REPAIRD_PORTAL_SECRETS_DIR (letters, digits, - _ .)");
}

static void fields_of(struct store_target_fields *f, const json_t *t, char *base, size_t cap)
{
  snprintf(base, cap, "%s", rl_spec_str(t, "base_url"));
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] == '/') /* the portal's paths are appended */
    base[--n] = '\0';
  const json_t *active = json_object_get(t, "active");
  *f = (struct store_target_fields){
      .name = rl_spec_str(t, "name"),
      .kind = rl_spec_str(t, "kind"),
      .base_url = base,
      .dataset_id = rl_spec_str(t, "dataset_id"),
      .resource_id = rl_spec_str(t, "resource_id"),
      .source = rl_spec_str(t, "source"),
      .secret_env = rl_spec_str(t, "secret_env"),
      .secret_file = rl_spec_str(t, "secret_file"),
      .active = active == NULL || json_is_true(active),
  };
}

static int invalid_if_any(json_t **errors, json_t *found)
{
  if (json_array_size(found) == 0) {
    json_decref(found);
    return RL_OK;
  }
  *errors = found;
  return RL_EINVALID;
}

int publish_target_create(json_t **out, int *version, json_t **errors, const json_t *body,
                          const char *tz)
{
  *errors = NULL;
  json_t *found = json_array();
  check_target(found, body);
  int rc = invalid_if_any(errors, found);
  if (rc != RL_OK)
    return rc;
  char base[512];
  struct store_target_fields f;
  fields_of(&f, body, base, sizeof base);
  return store_target_insert(out, version, &f, tz);
}

int publish_target_get(json_t **out, int *version, long long id)
{
  return store_target_get(out, version, id, 0);
}

int publish_target_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor,
                        int limit)
{
  next_cursor[0] = '\0';
  int64_t after;
  int rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int more;
  rc = store_target_list(out, &more, after, limit);
  size_t n = json_array_size(rc == RL_OK ? *out : NULL);
  if (rc == RL_OK && more && n > 0)
    snprintf(next_cursor, RL_SPEC_CURSOR_MAX, "%lld",
             (long long)json_integer_value(json_object_get(json_array_get(*out, n - 1), "id")));
  return rc;
}

struct target_change {
  long long id;
  const json_t *patch;
  int if_match;
  json_t *out, *errors;
  int version;
};

static int patch_tx(void *ctx)
{
  struct target_change *c = ctx;
  json_decref(c->out);
  json_decref(c->errors);
  c->out = c->errors = NULL;
  json_t *cur;
  int v;
  int rc = store_target_get(&cur, &v, c->id, 1);
  if (rc != RL_OK)
    return rc;
  if (c->if_match >= 0 && c->if_match != v) {
    json_decref(cur);
    return RL_EPRECONDITION;
  }
  /* A merge patch: null removes the (nullable) member. */
  json_object_update(cur, (json_t *)c->patch);
  const char *key;
  json_t *val;
  void *tmp;
  json_object_foreach_safe(cur, tmp, key, val) {
    if (json_is_null(val))
      json_object_del(cur, key);
  }
  json_t *found = json_array();
  check_target(found, cur);
  rc = invalid_if_any(&c->errors, found);
  if (rc == RL_OK) {
    char base[512];
    struct store_target_fields f;
    fields_of(&f, cur, base, sizeof base);
    store_tx_commit_next();
    rc = store_target_update(&c->out, &c->version, c->id, &f);
  }
  json_decref(cur);
  return rc;
}

int publish_target_patch(json_t **out, int *version, json_t **errors, long long id,
                         const json_t *patch, int if_match)
{
  struct target_change c = {id, patch, if_match, NULL, NULL, 0};
  int rc = store_tx_run(STORE_READ_COMMITTED, patch_tx, &c);
  *errors = c.errors;
  if (rc == RL_OK) {
    *out = c.out;
    *version = c.version;
  } else {
    json_decref(c.out);
  }
  return rc;
}
