/* The public catalogue of the loan programme (docs/loans.md, "Public
 * catalogue"): per active site and category, how many devices can be
 * borrowed now and how many members wait. Counts only. */
#ifndef RL_CORE_CATALOGUE_H
#define RL_CORE_CATALOGUE_H

#include <jansson.h>

/* *out (caller owns) has the shape of store_catalogue.h. */
int catalogue_get(json_t **out);

#endif
