/* A store failure that broke one of the constraints the store files declare
 * (an unknown category, a site that is not active…) as a field error. */
#ifndef RL_CORE_VIOLATION_H
#define RL_CORE_VIOLATION_H

#include <jansson.h>

/* When the last store call on this thread failed with rc by breaking a
 * declared constraint, sets *errors (caller owns) to name its field and
 * returns the violation's code; else returns rc and leaves *errors alone. */
int rl_violation_errors(int rc, json_t **errors);

#endif
