/* The publisher thread: the publications queued by "publish now", the
 * monthly publications and the retries of failed ones (core/publish.h),
 * with its own database connection, a pass every REPAIRD_PUBLISH_INTERVAL
 * and one whenever a publication is queued here. Its own thread rather
 * than the maintenance one: an upload may take up to
 * REPAIRD_PUBLISH_TIMEOUT, and waiting-list holds and stored replies
 * should not wait for a portal. Every instance runs one; an advisory lock
 * makes one of them decide each pass, and a queued attempt is taken by
 * one of them only. */
#ifndef RL_CORE_PUBLISHER_H
#define RL_CORE_PUBLISHER_H

#include "core/config.h"

/* Starts it: a first pass at once. cfg is borrowed for the thread's life.
 * RL_OK or RL_ENOMEM. */
int rl_publisher_start(const struct rl_config *cfg);

/* Asks for a pass now (a publication was queued): the thread runs one at
 * once, or right after the pass under way. Any thread may call it; a
 * process without the thread (repaird migrate) ignores it. */
void rl_publisher_wake(void);

/* Stops the thread and waits for it: an upload under way is cut short
 * (recorded as failed, and retried). */
void rl_publisher_stop(void);

#endif
