/* Repair café sessions: an event at a site, with the figures of the
 * repairs recorded in it. */
#ifndef RL_CORE_SESSION_H
#define RL_CORE_SESSION_H

#include <jansson.h>
#include <stdint.h>

/* Creates a session from a body checked here, whole (fields_session, then
 * ends_at after starts_at, then the site): RL_EINVALID with *errors
 * (caller owns) listing every problem. *out has its (empty) figures. */
int session_create(json_t **out, int *version, json_t **errors, const json_t *body);
/* The session with its figures (devices seen, fixed, repairable, end of
 * life, waste and CO2e avoided by the devices fixed there). */
int session_get(json_t **out, int *version, int64_t id);
/* JSON merge patch of a session, checked like a creation. */
int session_patch(json_t **out, int *version, json_t **errors, int64_t id, const json_t *patch,
                  int if_match);
/* Filters as checked against fields_session_filters. next_cursor: 32
 * bytes, "" when last. */
int session_list(json_t **out, char *next_cursor, json_t **errors, const char *site,
                 const char *from, const char *to, const char *cursor, int limit);

/* One page of the repairs recorded in session `id`, oldest first.
 * next_cursor: 32 bytes, "" when last. RL_ENOTFOUND without such session. */
int session_repairs(json_t **out, char *next_cursor, json_t **errors, int64_t id,
                    const char *cursor, int limit);

/* The figures of a session from its devices' facts: an array of
 * [measured_kg|null, category_kg|null, category_co2e|null, powered, outcome]. */
json_t *session_figures(const json_t *devices);

#endif
