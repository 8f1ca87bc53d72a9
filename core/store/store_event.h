/* The events outbox as admins read it (sql/0010_events.sql): every event
 * written, newest first. An event's JSON is {id (its uid), type, subject,
 * at, data}; caller-owned. */
#ifndef RL_CORE_STORE_STORE_EVENT_H
#define RL_CORE_STORE_STORE_EVENT_H

#include <jansson.h>

/* Events by internal id before `before` (0: from the newest); type, since
 * (at or after) and until (before) are NULL when not filtered on (times in
 * RFC 3339). *last_id: the internal id of the page's last event (the next
 * page's cursor). */
int store_event_list(json_t **out, int *more, long long *last_id, const char *type,
                     const char *since, const char *until, long long before, int limit);
/* RL_ENOTFOUND. */
int store_event_get(json_t **out, const char *uid);

#endif
