/* Device categories (reference data) in the database. */
#ifndef RL_CORE_STORE_CATEGORY_H
#define RL_CORE_STORE_CATEGORY_H

#include <jansson.h>

/* One page of categories after slug `after` ("" from the start), by slug.
 * *out (caller owns) is an array; *more tells whether more follow. */
int store_category_list(json_t **out, int *more, const char *after, int limit);

#endif
