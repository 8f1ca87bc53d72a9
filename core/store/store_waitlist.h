/* Waiting lists by category and the holds they place on devices. A hold
 * is placed or ended in the same statement on the entry and on the device
 * row, which that statement locks (or skips when another transaction has
 * it), so that a device is never held twice nor held while it goes on
 * loan. JSON forms are caller-owned. */
#ifndef RL_CORE_STORE_WAITLIST_H
#define RL_CORE_STORE_WAITLIST_H

#include <jansson.h>
#include <stdint.h>

#include "core/store/store_device.h"

/* Locks the member with this number body (inside a transaction): its id
 * and status ("active" or "suspended", cap 16). RL_ENOTFOUND. */
int store_waitlist_member(int64_t *id, char *status, const char *member_body);

/* A place in the line for the category at the site with this slug (NULL:
 * any site). The unique place per member and category is a declared
 * violation. */
int store_waitlist_join(json_t **out, int64_t *entry_id, int64_t member_id, const char *category,
                        const char *site, const struct store_actor *actor);

/* The entry by id; with lock, the row stays locked (inside a transaction).
 * *device_id: the device it holds, 0 if none; *active: waiting or held.
 * RL_ENOTFOUND. */
int store_waitlist_get(json_t **out, int64_t *device_id, int *active, int64_t id, int lock);

/* Locks the device row (inside a transaction): before an entry holding
 * it is changed, so that desks lock devices before entries. */
int store_waitlist_lock_device(int64_t device_id);

/* Ends an active entry as `left` (and its hold on a device). */
int store_waitlist_leave(json_t **out, int64_t id);

/* Holds the device (if it is available, donated and not held) for the
 * first active member waiting for its category at its site or any site,
 * for hold_days. Without out, sent with the transaction's next statement. */
int store_waitlist_offer(int64_t device_id, unsigned hold_days, int deferred);

/* Holds a free device for the first entry that can have one, in the
 * category (NULL: any); *held is 1 when it did (call again for the next). */
int store_waitlist_match(int *held, const char *category, unsigned hold_days);

/* Ends the hold on the device as `expired` (its time ran out); *ended 1 if
 * there was one. */
int store_waitlist_expire_device(int *ended, int64_t device_id);

/* Ends up to `limit` holds whose time ran out, skipping devices another
 * transaction has locked; the devices they held, into devices (cap limit),
 * *n of them. */
int store_waitlist_expire(int64_t *devices, size_t *n, size_t limit);

struct store_waitlist_filter {
  const char *category, *site, *member_body;
  int active_only;
};

/* One page of entries in line order (oldest first), after entry id
 * `after`; *next_after 0 on the last page. */
int store_waitlist_list(json_t **out, int64_t *next_after, const struct store_waitlist_filter *f,
                        int64_t after, int limit);

#endif
