/* Background upkeep of the database while the service runs: today, purging
 * expired Idempotency-Key replies. Safe to run in every instance at once:
 * each pass deletes what has expired, whoever gets there first. */
#ifndef RL_CORE_MAINTENANCE_H
#define RL_CORE_MAINTENANCE_H

/* Starts the maintenance thread: a first pass at once, then one every
 * interval_s seconds. RL_OK or RL_ENOMEM. */
int rl_maintenance_start(unsigned interval_s);

/* Stops the thread and waits for it (a pass under way finishes first). */
void rl_maintenance_stop(void);

#endif
