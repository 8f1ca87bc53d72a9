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

/* One page of categories after slug `after` ("" from the start), by slug.
 * *out (caller owns) is an array; *more tells whether more follow. */
int category_list(json_t **out, int *more, const char *after, int limit);

#endif
