/* Repair café sessions in the database. JSON forms are caller-owned. */
#ifndef RL_CORE_STORE_SESSION_H
#define RL_CORE_STORE_SESSION_H

#include <jansson.h>
#include <stdint.h>

int store_session_insert(json_t **out, const char *site, const char *starts_at,
                         const char *ends_at, const char *volunteers, const char *notes);
/* The session, its version, and per device seen there a JSON array
 * [measured_kg, category_kg, category_co2e, powered, last_outcome] (text). */
int store_session_get(json_t **out, int *version, char **devices_json, int64_t id);
int store_session_update(json_t **out, int *new_version, int64_t id, int version,
                         const char *site, const char *starts_at, const char *ends_at,
                         const char *volunteers, const char *notes);
/* Newest first; site/from/to (dates) optional. */
int store_session_list(json_t **out, int64_t *next_before, const char *site, const char *from,
                       const char *to, int64_t before, int limit);

#endif
