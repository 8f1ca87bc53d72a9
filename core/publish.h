/* Publishing the open-data CSVs to the city's portal (docs/open-data.md,
 * "Publishing"): the targets an admin configures, the upload of a target's
 * dataset (manual, monthly, or a retry after a failure) and the attempts
 * that record each one. A target's secret is read from the environment or
 * a file at upload time, and never stored, returned or logged. */
#ifndef RL_CORE_PUBLISH_H
#define RL_CORE_PUBLISH_H

#include <jansson.h>
#include <stdatomic.h>

#include "core/config.h"

/* Retries after a failure: after attempt n (1..4) the next is due after
 * 1 min, 5 min, 30 min, 2 h; attempt PUBLISH_MAX_ATTEMPTS is the last. */
#define PUBLISH_MAX_ATTEMPTS 5

/* Creates a target from a body checked against fields_publish_target; tz:
 * the programme's zone (the current month counts as published). RL_EINVALID
 * with *errors (caller owns) naming every bad field, RL_EDUPLICATE (name). */
int publish_target_create(json_t **out, int *version, json_t **errors, const json_t *body,
                          const char *tz);
int publish_target_get(json_t **out, int *version, long long id);
/* One page by id after cursor (NULL: from the start); next_cursor
 * (RL_SPEC_CURSOR_MAX bytes) is "" on the last page. */
int publish_target_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor,
                        int limit);
/* A JSON merge patch; if_match: the version the client read, or -1. */
int publish_target_patch(json_t **out, int *version, json_t **errors, long long id,
                         const json_t *patch, int if_match);

/* Publish now: queues a manual upload of the target's dataset for the
 * publisher thread (core/publisher.h) and wakes it; *out: the queued
 * attempt, or the one already waiting for this target, which is not
 * queued twice. RL_ENOTFOUND. */
int publish_now(json_t **out, long long target_id);

/* Uploads the queued attempts, oldest first, one at a time, each claimed
 * by one instance only; an attempt whose target has an upload running
 * waits for the next pass. *n: how many uploads it made. */
int publish_queued(long *n, const struct rl_config *cfg, const atomic_int *cancel);

/* One scheduled pass, in whichever instance takes the lock first: marks
 * uploads abandoned by a stopped instance, then uploads each active target
 * whose monthly publication (in cfg->timezone) or retry is due. *n: how
 * many uploads it made. cancel stops an upload under way (the service is
 * stopping). */
int publish_due(long *n, const struct rl_config *cfg, const atomic_int *cancel);

int publish_attempt_get(json_t **out, long long id);
/* Newest first; target 0: every target's. */
int publish_attempt_list(json_t **out, char *next_cursor, json_t **errors, long long target,
                         const char *cursor, int limit);

#endif
