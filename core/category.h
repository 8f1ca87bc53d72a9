/* Device categories: reference data loaded by migration and never changed
 * by the service, so each process reads them once and serves them from
 * memory (a migration that changes them comes with a new release, and so a
 * restart). */
#ifndef RL_CORE_CATEGORY_H
#define RL_CORE_CATEGORY_H

#include <jansson.h>
#include <stddef.h>

/* The category with this slug as JSON text and its strong ETag, both
 * borrowed for the life of the process. RL_ENOTFOUND, or RL_EUNAVAILABLE
 * when the first load cannot reach the database. */
int category_get(const char **json, size_t *len, const char **etag, const char *slug);

/* One page of categories after the slug `cursor` (NULL: from the start),
 * by slug. *out (caller owns) is an array; next_cursor (RL_SPEC_CURSOR_MAX
 * bytes) is "" on the last page. */
int category_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int limit);

/* The category with this slug (borrowed for the life of the process), or
 * RL_ENOTFOUND. */
int category_find(const json_t **out, const char *slug);

/* Appends an `unknown_category` error about field to errors when slug is
 * no category, suggesting the closest slug, English or French name. RL_OK
 * (whether or not it was known), or RL_EUNAVAILABLE. */
int category_check(json_t *errors, const char *field, const char *slug);

#endif
