/* The events every change records (sql/0010_events.sql), as admins list
 * them: what the webhooks carry, newest first (docs/webhooks.md). */
#ifndef RL_CORE_EVENT_H
#define RL_CORE_EVENT_H

#include <jansson.h>

/* One page of events; query holds the parameters checked against
 * fields_event_filters (type, since, until, limit, cursor). next_cursor
 * (RL_SPEC_CURSOR_MAX bytes) is "" on the last page. RL_EINVALID with
 * *errors (a bad cursor, since not before until). */
int event_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query);
/* By its uid ("evt_…"). RL_ENOTFOUND. */
int event_get(json_t **out, const char *uid);

#endif
