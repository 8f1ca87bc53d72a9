/* Background upkeep of the database while the service runs: purging
 * expired Idempotency-Key replies, passing waiting-list holds that ran
 * out to the next member in line, and the day's retention run
 * (core/retention.h). Safe to run in every instance at once: each pass
 * does what is due, whoever gets there first (holds being changed
 * elsewhere are skipped; a day's retention run is claimed once). */
#ifndef RL_CORE_MAINTENANCE_H
#define RL_CORE_MAINTENANCE_H

#include "core/config.h"

/* Starts the maintenance thread: a first pass at once, then one every
 * interval_s seconds, by the settings in cfg (kept: it must outlive the
 * thread): holds last cfg->loans.hold_days, retention by cfg->privacy in
 * cfg->timezone. RL_OK or RL_ENOMEM. */
int rl_maintenance_start(unsigned interval_s, const struct rl_config *cfg);

/* Stops the thread and waits for it (a pass under way finishes first). */
void rl_maintenance_stop(void);

#endif
