/* Waiting lists by category (docs/loans.md): members join and leave the
 * line; a device that becomes available is held for the first member
 * waiting, for a few days, then passes to the next. */
#ifndef RL_CORE_WAITLIST_H
#define RL_CORE_WAITLIST_H

#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"

/* Puts body's member in the line for body's category (and site), from a
 * checked fields_waitlist_join body; a free device is held for them at
 * once when they are first. *out (caller owns) is the entry. RL_EINVALID
 * or RL_EUNPROCESSABLE with *errors on bad or unknown references;
 * RL_EREFUSED with *errors (already waiting, suspended). */
int waitlist_join(json_t **out, json_t **errors, const json_t *body, unsigned hold_days,
                  const struct rl_principal *who);

/* The entry with this id. RL_ENOTFOUND. */
int waitlist_get(json_t **out, int64_t id);

/* One page of entries in line order for a checked fields_waitlist_filters
 * query (active entries unless status=all); next_cursor
 * (RL_SPEC_CURSOR_MAX bytes) "" on the last page. */
int waitlist_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query);

/* The member leaves the line; a device they held passes to the next.
 * RL_EREFUSED with *errors when the entry had ended; RL_ENOTFOUND. */
int waitlist_leave(json_t **out, json_t **errors, int64_t id, unsigned hold_days);

/* Holds that ran out pass to the next in line, and free devices go to
 * members waiting for them (after a failed checkout, a reactivation, a
 * member leaving). *changed counts the holds ended and placed. */
int waitlist_sweep(long *changed, unsigned hold_days);

#endif
