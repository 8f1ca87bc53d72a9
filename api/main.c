/* repaird: serve | migrate | keys create|list|revoke | impact rebuild | version */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/server.h"
#include "core/apikey.h"
#include "core/config.h"
#include "core/error.h"
#include "core/impact_figures.h"
#include "core/keys.h"
#include "core/log.h"
#include "core/spec.h"
#include "core/store/migrate.h"
#include "core/store/pool.h"

#ifndef RL_VERSION
#define RL_VERSION "dev"
#endif

static int usage(void)
{
  fprintf(stderr, "usage: repaird serve\n"
                  "       repaird migrate\n"
                  "       repaird keys create --role admin|volunteer|reader --name NAME\n"
                  "       repaird keys list\n"
                  "       repaird keys revoke ID\n"
                  "       repaird impact rebuild\n"
                  "       repaird version\n"
                  "Settings come from the environment: see README.md.\n");
  return 2;
}

static int cmd_migrate(const struct rl_config *cfg)
{
  char err[1024];
  if (store_migrate_apply(cfg->database_url, err, sizeof err) != RL_OK) {
    fprintf(stderr, "repaird: migrate: %s\n", err);
    return 1;
  }
  return 0;
}

static int cmd_keys_create(int argc, char **argv)
{
  const char *role = NULL, *name = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--role") == 0 && i + 1 < argc)
      role = argv[++i];
    else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
      name = argv[++i];
    else
      return usage();
  }
  enum rl_role r = rl_role_parse(role);
  if (r == RL_ROLE_NONE || name == NULL || *name == '\0' || strlen(name) > 100) {
    fprintf(stderr, "repaird: keys create needs --role admin|volunteer|reader and "
                    "--name of 1 to 100 characters\n");
    return 2;
  }
  json_t *key;
  char secret[RL_APIKEY_LEN + 1];
  int rc = keys_create(&key, secret, name, r);
  if (rc != RL_OK) {
    fprintf(stderr, "repaird: keys create: %s\n", rl_err_name(rc));
    return 1;
  }
  printf("created key %lld (%s, role %s); it is shown only once:\n",
         (long long)json_integer_value(json_object_get(key, "id")), name, rl_role_name(r));
  printf("%s\n", secret);
  json_decref(key);
  return 0;
}

static int cmd_keys_list(void)
{
  char cursor[RL_SPEC_CURSOR_MAX] = "";
  for (;;) {
    json_t *items, *errors = NULL;
    char next[RL_SPEC_CURSOR_MAX];
    int rc = keys_list(&items, next, &errors, cursor[0] ? cursor : NULL, 500);
    if (rc != RL_OK) {
      json_decref(errors);
      fprintf(stderr, "repaird: keys list: %s\n", rl_err_name(rc));
      return 1;
    }
    size_t i;
    json_t *k;
    json_array_foreach(items, i, k) {
      printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)json_integer_value(json_object_get(k, "id")),
             json_string_value(json_object_get(k, "role")),
             json_string_value(json_object_get(k, "name")),
             json_string_value(json_object_get(k, "prefix")),
             json_string_value(json_object_get(k, "created_at")),
             json_is_null(json_object_get(k, "revoked_at")) ? "active" : "revoked");
    }
    json_decref(items);
    if (next[0] == '\0')
      return 0;
    snprintf(cursor, sizeof cursor, "%s", next);
  }
}

static int cmd_keys_revoke(const char *id)
{
  char *end = NULL;
  long long v = id ? strtoll(id, &end, 10) : 0;
  if (id == NULL || *end != '\0' || v <= 0)
    return usage();
  json_t *key;
  int rc = keys_revoke(&key, v);
  if (rc != RL_OK) {
    fprintf(stderr, "repaird: keys revoke: %s\n",
            rc == RL_ENOTFOUND ? "no key has this id" : rl_err_name(rc));
    return 1;
  }
  json_decref(key);
  printf("revoked key %lld\n", v);
  return 0;
}

/* Recounts the open-data figures from the records; exit 0 when what was
 * kept was right, 1 when it had to be corrected (the differences are
 * printed), 2 when it could not run. */
static int cmd_impact_rebuild(const struct rl_config *cfg)
{
  json_t *diffs;
  int rc = impact_rebuild(&diffs, cfg->timezone);
  if (rc != RL_OK) {
    fprintf(stderr, "repaird: impact rebuild: %s\n", rl_err_name(rc));
    return 2;
  }
  size_t i;
  json_t *d;
  json_array_foreach(diffs, i, d) {
    printf("%s\t%s\tkept %s\trebuilt %s\n", json_string_value(json_object_get(d, "what")),
           json_string_value(json_object_get(d, "key")),
           json_string_value(json_object_get(d, "kept")),
           json_string_value(json_object_get(d, "rebuilt")));
  }
  size_t n = json_array_size(diffs);
  json_decref(diffs);
  if (n == 0) {
    printf("impact rebuild: the rollup was right\n");
    return 0;
  }
  printf("impact rebuild: %zu difference%s corrected\n", n, n == 1 ? "" : "s");
  return 1;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    return usage();
  const char *cmd = argv[1];
  if (strcmp(cmd, "version") == 0) {
    printf("repaird %s\n", RL_VERSION);
    return 0;
  }
  struct rl_config cfg;
  char err[256];
  if (rl_config_from_env(&cfg, err, sizeof err) != RL_OK) {
    fprintf(stderr, "repaird: bad setting %s\n", err);
    return 2;
  }
  rl_log_set_level(cfg.log_level);
  /* Before any thread starts (setenv is not thread-safe): localtime_r()
   * then reads this zone. Logs and the database stay in UTC. */
  setenv("TZ", cfg.timezone, 1); /* NOLINT(concurrency-mt-unsafe): no other thread yet */
  tzset();
  int rc;
  if (strcmp(cmd, "serve") == 0 && argc == 2) {
    rc = rl_serve(&cfg);
  } else if (strcmp(cmd, "migrate") == 0 && argc == 2) {
    rc = cmd_migrate(&cfg);
  } else if (strcmp(cmd, "keys") == 0 && argc >= 3) {
    store_pool_init(cfg.database_url);
    if (strcmp(argv[2], "create") == 0)
      rc = cmd_keys_create(argc - 3, argv + 3);
    else if (strcmp(argv[2], "list") == 0 && argc == 3)
      rc = cmd_keys_list();
    else if (strcmp(argv[2], "revoke") == 0 && argc == 4)
      rc = cmd_keys_revoke(argv[3]);
    else
      rc = usage();
    store_pool_close_thread();
  } else if (strcmp(cmd, "impact") == 0 && argc == 3 && strcmp(argv[2], "rebuild") == 0) {
    store_pool_init(cfg.database_url);
    rc = cmd_impact_rebuild(&cfg);
    store_pool_close_thread();
  } else {
    rc = usage();
  }
  return rc;
}
