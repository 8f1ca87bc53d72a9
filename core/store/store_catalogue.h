/* The public catalogue of loans: what each active site can lend now, and
 * how many members wait, by category. Counts only: no device, no member. */
#ifndef RL_CORE_STORE_CATALOGUE_H
#define RL_CORE_STORE_CATALOGUE_H

#include <jansson.h>

/* {sites: [{slug, name, opening_hours, categories: [{category, name_fr,
 * name_en, available, waiting}]}], waiting_any_site: [{category, name_fr,
 * name_en, waiting}]}: every active site by slug (with no categories when
 * it has nothing to lend and no one waits there), categories by slug,
 * each listed only where something is available or someone waits. */
int store_catalogue(json_t **out);

#endif
