/* Publication targets and attempts in the database (docs/open-data.md,
 * "Publishing"). JSON forms are caller-owned. A target's JSON never holds a
 * secret: only where to find it (secret_env or secret_file). */
#ifndef RL_CORE_STORE_PUBLISH_H
#define RL_CORE_STORE_PUBLISH_H

#include <jansson.h>

/* The editable fields of a target, as checked by core/publish.c (NULL for
 * an absent optional text). */
struct store_target_fields {
  const char *name, *kind, *base_url, *dataset_id, *resource_id, *source;
  const char *secret_env, *secret_file;
  int active;
};

/* The current month in tz (the programme's zone) is recorded as done, so
 * that the first monthly publication is the next month's.
 * RL_EDUPLICATE when the name is taken. */
int store_target_insert(json_t **out, int *version, const struct store_target_fields *f,
                        const char *tz);
/* With lock (inside a transaction) the row stays locked until it ends.
 * RL_ENOTFOUND. */
int store_target_get(json_t **out, int *version, long long id, int lock);
/* Targets by id after `after` (0: from the start). */
int store_target_list(json_t **out, int *more, long long after, int limit);
int store_target_update(json_t **out, int *new_version, long long id,
                        const struct store_target_fields *f);

/* Claims target_id for an upload: records a running attempt (trigger,
 * attempt number) and clears any retry due; month, when not NULL, is the
 * month whose monthly publication this is. RL_ECONFLICT when an upload of
 * this target is already running, RL_ENOTFOUND. *out: the attempt. */
int store_attempt_claim(json_t **out, long long target_id, const char *trigger, int attempt,
                        const char *month);

/* Publish now: queues a manual attempt 1 for target_id (status queued)
 * and drops any retry due, or, when one is already waiting, gives that
 * one (*created 0). RL_ENOTFOUND. *out: the attempt. */
int store_attempt_enqueue(json_t **out, int *created, long long target_id);
/* Moves the oldest queued attempt whose target has no upload running to
 * running (started now), skipping rows another instance is taking.
 * RL_ENOTFOUND when none is waiting; RL_ECONFLICT when an upload of its
 * target started meanwhile (it stays queued). */
int store_attempt_take_queued(json_t **out);

/* What an upload came to. http_status 0, bytes -1, sha256/error NULL: none.
 * retry_delay_s < 0: no retry; else the target's next attempt is due that
 * many seconds from now. */
struct store_outcome {
  const char *status; /* success, failed, timeout */
  long http_status;
  long long bytes;
  const char *sha256;
  const char *error;
  long retry_delay_s;
};
int store_attempt_finish(json_t **out, long long attempt_id, const struct store_outcome *o);

/* Inside a transaction: whether this is the one instance deciding now
 * (a transaction-level advisory lock; no waiting). */
int store_publish_lock(int *got);
/* Inside a transaction: marks uploads still running after stale_s seconds
 * as failed (their instance stopped), scheduling their retries after
 * delays (a PostgreSQL int[] literal of seconds by attempt number).
 * *n: how many. */
int store_attempt_abandon(long *n, long stale_s, const char *delays);
/* Inside a transaction: the active targets due now (locked; others'
 * skipped), up to limit, as [{id, trigger, attempt, month}]: monthly when
 * tz's current month is not done yet, else retry when its time came. */
int store_publish_due(json_t **out, const char *tz, int limit);

int store_attempt_get(json_t **out, long long id);
/* Newest first, ids below `before` (0: from the newest); target 0: all. */
int store_attempt_list(json_t **out, int *more, long long target, long long before, int limit);

#endif
