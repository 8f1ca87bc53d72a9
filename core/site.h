/* Sites: the places where intake, repair or lending happens. */
#ifndef RL_CORE_SITE_H
#define RL_CORE_SITE_H

#include <jansson.h>

/* Creates a site from a checked body; RL_EDUPLICATE when the slug is taken. */
int site_create(json_t **out, int *version, const json_t *body);

/* The site with this slug; *out (caller owns). RL_ENOTFOUND. */
int site_get(json_t **out, int *version, const char *slug);

/* One page of sites after the slug `cursor` (NULL: from the start), by
 * slug; active: -1 any, 0 inactive only, 1 active only. *out (caller owns)
 * is an array; next_cursor (RL_SPEC_CURSOR_MAX bytes) is "" on the last
 * page. */
int site_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int active,
              int limit);

/* Applies a JSON merge patch of name, address, opening_hours,
 * loan_conditions_fr, loan_conditions_en, active.
 * if_match: the version the client read, or -1. */
int site_patch(json_t **out, int *version, const char *slug, const json_t *patch, int if_match);

/* Appends an error about field to errors when slug names no site
 * (`unknown_site`, suggesting the closest slug or name), or, when
 * need_active, an inactive site other than `current` (`inactive_site`;
 * current may be NULL). RL_OK whether or not it did, or the store's error. */
int site_check(json_t *errors, const char *field, const char *slug, int need_active,
               const char *current);

#endif
