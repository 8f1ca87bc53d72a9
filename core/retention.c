/* The retention run (core/retention.h). */
#include "core/retention.h"

#include <stdint.h>

#include "core/error.h"
#include "core/spec.h"
#include "core/store/store_privacy.h"

static struct store_retention_days days_of(const struct rl_privacy_settings *p)
{
  struct store_retention_days d = {
      .owner = p->owner_days,
      .member = p->member_days,
      .delivery = p->delivery_days,
      .read_log = p->read_log_days,
  };
  return d;
}

int retention_daily(int *ran, json_t **counts, const struct rl_config *cfg)
{
  *ran = 0;
  *counts = NULL;
  struct store_retention_days d = days_of(&cfg->privacy);
  json_t *run;
  int rc = store_retention_run(&run, cfg->timezone, 0, NULL, &d);
  if (rc != RL_OK || run == NULL)
    return rc;
  *ran = 1;
  *counts = json_incref(json_object_get(run, "counts"));
  json_decref(run);
  return RL_OK;
}

int retention_run_now(json_t **out, const struct rl_principal *who, const struct rl_config *cfg)
{
  struct store_retention_days d = days_of(&cfg->privacy);
  int rc = store_retention_run(out, cfg->timezone, who->key_id, who->name, &d);
  if (rc == RL_OK && *out == NULL)
    rc = RL_EDB; /* a manual run always records one */
  return rc;
}

int retention_preview(json_t **out, const struct rl_config *cfg)
{
  struct store_retention_days d = days_of(&cfg->privacy);
  json_t *next, *last;
  int rc = store_retention_preview(&next, &d);
  if (rc != RL_OK)
    return rc;
  rc = store_retention_last(&last);
  if (rc != RL_OK) {
    json_decref(next);
    return rc;
  }
  *out = json_pack("{s:{s:I s:I s:I s:I} s:o s:o}", "settings", "owner_days", (json_int_t)d.owner,
                   "member_days", (json_int_t)d.member, "delivery_days", (json_int_t)d.delivery,
                   "read_log_days", (json_int_t)d.read_log, "last_run", last, "next_run", next);
  return *out ? RL_OK : RL_ENOMEM;
}

int retention_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query)
{
  next_cursor[0] = '\0';
  *errors = NULL;
  int64_t before;
  int rc = rl_spec_cursor(&before, rl_spec_str(query, "cursor"), errors);
  if (rc != RL_OK)
    return rc;
  int more;
  long long last;
  rc = store_retention_list(out, &more, &last, before, rl_spec_limit(query));
  if (rc == RL_OK && more)
    rl_spec_next_cursor(next_cursor, last);
  return rc;
}
