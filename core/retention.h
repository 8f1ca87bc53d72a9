/* The retention run (docs/privacy.md, "Retention"): contact data past its
 * purpose erased as an erasure erases it (erase_records), ended delivery
 * and e-mail records, the record of reads and expired stored replies
 * deleted, by the settings' days (REPAIRD_RETAIN_*) and the programme's
 * clock. Daily from the maintenance thread, once a calendar day (in
 * REPAIRD_TIMEZONE) across every instance; on demand by an admin. Runs go
 * one at a time across instances. */
#ifndef RL_CORE_RETENTION_H
#define RL_CORE_RETENTION_H

#include <jansson.h>

#include "core/auth.h"
#include "core/config.h"

/* The day's run, unless the day had it already (in any instance): *ran
 * 1 and *counts (caller owns) what it purged, or *ran 0 and *counts NULL. */
int retention_daily(int *ran, json_t **counts, const struct rl_config *cfg);

/* A run now, by this admin (not limited to one a day). *out: the run. */
int retention_run_now(json_t **out, const struct rl_principal *who, const struct rl_config *cfg);

/* {"settings": {days by kind}, "last_run": run | null, "next_run":
 * {counts by kind}}: what a run would purge now, by the same conditions. */
int retention_preview(json_t **out, const struct rl_config *cfg);

/* Runs newest first; query: limit, cursor. */
int retention_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query);

#endif
