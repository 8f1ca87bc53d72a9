/* Repair café sessions in the database. JSON forms are caller-owned. */
#ifndef RL_CORE_STORE_SESSION_H
#define RL_CORE_STORE_SESSION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* A new session (no repairs yet); the site's violation when it is unknown,
 * the end's when it is not after the start. */
int store_session_insert(json_t **out, int *version, const char *site, const char *starts_at,
                         const char *ends_at, const char *volunteers, const char *notes);

/* The session, its version, and (*facts, malloc'd) per device seen there a
 * JSON array [measured_kg, category_kg, category_co2e, powered,
 * last_outcome]. With lock (inside a transaction) the row stays locked and
 * *facts is "[]". RL_ENOTFOUND. */
int store_session_get(json_t **out, int *version, char **facts, int64_t id, int lock);

/* The session's site slug and whether it starts after now. RL_ENOTFOUND. */
int store_session_brief(char *site, size_t cap, int *in_future, int64_t id);

/* Sets every field of the session (locked by the caller's transaction);
 * returns it with its facts like store_session_get. */
int store_session_update(json_t **out, int *new_version, char **facts, int64_t id, const char *site,
                         const char *starts_at, const char *ends_at, const char *volunteers,
                         const char *notes);

/* Newest first; site/from/to (dates) optional. */
int store_session_list(json_t **out, int64_t *next_before, const char *site, const char *from,
                       const char *to, int64_t before, int limit);

#endif
