/* Erasing one person's contact data (GDPR art. 17, docs/privacy.md,
 * "Erasure"): found by member number, device code, e-mail or phone as an
 * access export finds them (person_records), erased everywhere in one
 * transaction (erase_records), and the erasure recorded: who asked, when,
 * why, which records, how many of each kind, never the values erased. */
#ifndef RL_CORE_ERASURE_H
#define RL_CORE_ERASURE_H

#include <jansson.h>

#include "core/auth.h"
#include "core/config.h"
#include "core/spec.h"

/* The body of POST /api/v1/people/erasures (checked by rl_spec_check
 * first). */
extern const struct rl_field erasure_fields[];

/* body: {"member"|"device"|"email"|"phone": "...", "reason"?: "..."},
 * exactly one of the four. *out: the erasure record. RL_EINVALID with
 * *errors (never echoing a value); RL_EUNPROCESSABLE with *errors when the
 * member number or device code names nothing. */
int erasure_run(json_t **out, json_t **errors, const json_t *body, const struct rl_principal *who,
                const struct rl_privacy_settings *privacy);

/* Erasures newest first; query: limit, cursor, since, until (checked by
 * erasure_filters). */
extern const struct rl_field erasure_filters[];
int erasure_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query);
/* RL_ENOTFOUND. */
int erasure_get(json_t **out, long long id);

#endif
