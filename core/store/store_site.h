/* Sites in the database. JSON forms are caller-owned. */
#ifndef RL_CORE_STORE_SITE_H
#define RL_CORE_STORE_SITE_H

#include <jansson.h>

/* RL_EDUPLICATE when the slug is taken. */
int store_site_insert(json_t **out, int *version, const char *slug, const char *name,
                      const char *address, const char *opening_hours, const char *conditions_fr,
                      const char *conditions_en, int active);
/* *version is the row version (for ETag / If-Match). RL_ENOTFOUND if none. */
/* With lock (inside a transaction), the row stays locked until it ends. */
int store_site_get(json_t **out, int *version, const char *slug, int lock);
/* active: -1 any, 0 inactive only, 1 active only. */
int store_site_list(json_t **out, int *more, const char *after, int active, int limit);
/* Sets the editable fields of the site (locked by the caller's transaction). */
int store_site_update(json_t **out, int *new_version, const char *slug, const char *name,
                      const char *address, const char *opening_hours, const char *conditions_fr,
                      const char *conditions_en, int active);

#endif
