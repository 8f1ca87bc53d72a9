/* Sites: the places where intake, repair or lending happens. */
#ifndef RL_CORE_SITE_H
#define RL_CORE_SITE_H

#include <jansson.h>

/* Creates a site from a checked body; RL_EDUPLICATE when the slug is taken. */
int site_create(json_t **out, int *version, const json_t *body);

/* Applies a JSON merge patch of name, address, opening_hours, active.
 * if_match: the version the client read, or -1. */
int site_patch(json_t **out, int *version, const char *slug, const json_t *patch, int if_match);

#endif
