/* Background upkeep of the database while the service runs: purging
 * expired Idempotency-Key replies, and passing waiting-list holds that ran
 * out to the next member in line. Safe to run in every instance at once:
 * each pass does what is due, whoever gets there first (holds being
 * changed elsewhere are skipped). */
#ifndef RL_CORE_MAINTENANCE_H
#define RL_CORE_MAINTENANCE_H

/* Starts the maintenance thread: a first pass at once, then one every
 * interval_s seconds; holds it places last hold_days. RL_OK or RL_ENOMEM. */
int rl_maintenance_start(unsigned interval_s, unsigned hold_days);

/* Stops the thread and waits for it (a pass under way finishes first). */
void rl_maintenance_stop(void);

#endif
