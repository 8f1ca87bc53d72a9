/* The outbox workers (docs/webhooks.md, docs/notifications.md): threads of
 * repaird, off the request threads, each with its own database connection,
 * that turn the events every change wrote into webhook deliveries and
 * e-mail, send what is due and record each attempt. One of them also
 * writes the time-based loan events (due soon, overdue) and puts back the
 * work of workers that died. Several instances share the work through the
 * database. */
#ifndef RL_CORE_OUTBOX_H
#define RL_CORE_OUTBOX_H

#include "core/config.h"

/* Starts cfg->outbox.workers threads (none when 0). cfg must outlive
 * rl_outbox_stop. RL_OK or RL_ENOMEM (then no thread runs). */
int rl_outbox_start(const struct rl_config *cfg);

/* The delay before the retry that follows attempt number `attempt` of a
 * webhook delivery or an e-mail: REPAIRD_DELIVERY_SCHEDULE's, ±20 % so that
 * deliveries failed together do not come back together; 0 when the schedule
 * is spent. */
double outbox_retry_delay(const struct rl_outbox_settings *o, int attempt);

/* Stops the workers and waits for them: an attempt under way is cut short
 * and released (due again at once, for this or another instance). */
void rl_outbox_stop(void);

#endif
