/* The publisher thread: the monthly publications and the retries of failed
 * ones (core/publish.h), with its own database connection, a pass every
 * REPAIRD_PUBLISH_INTERVAL. Its own thread rather than the maintenance
 * one: an upload may take up to REPAIRD_PUBLISH_TIMEOUT, and waiting-list
 * holds and stored replies should not wait for a portal. Every instance
 * runs one; an advisory lock makes one of them decide each pass. */
#ifndef RL_CORE_PUBLISHER_H
#define RL_CORE_PUBLISHER_H

#include "core/config.h"

/* Starts it: a first pass at once. cfg is borrowed for the thread's life.
 * RL_OK or RL_ENOMEM. */
int rl_publisher_start(const struct rl_config *cfg);

/* Stops the thread and waits for it: an upload under way is cut short
 * (recorded as failed, and retried). */
void rl_publisher_stop(void);

#endif
