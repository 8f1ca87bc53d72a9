/* Loans of donated devices to members (docs/loans.md): checkout, renewal,
 * return, lists and history, each step in one transaction with the
 * device's move and the waiting lists' holds. */
#ifndef RL_CORE_LOAN_H
#define RL_CORE_LOAN_H

#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/config.h"

/* What every loan call works with (borrowed). */
struct loan_env {
  const struct rl_loan_settings *rules;
  const char *timezone;   /* dates are dates there */
  const char *public_url; /* base of the loan's public page */
  const struct rl_principal *who;
};

/* Lends body's device to body's member (a checked fields_loan body). *out
 * (caller owns) is the loan. RL_EINVALID / RL_EUNPROCESSABLE with *errors
 * (caller owns) on bad or unknown references and dates; RL_EREFUSED with
 * *errors when a rule refuses it. */
int loan_create(json_t **out, int *version, json_t **errors, const json_t *body,
                const struct loan_env *env);

/* The loan with this id. RL_ENOTFOUND. */
int loan_get(json_t **out, int *version, int64_t id, const struct loan_env *env);

/* Renews the loan (a checked fields_loan_renewal body). RL_EINVALID or
 * RL_EREFUSED with *errors; RL_ENOTFOUND. */
int loan_renew(json_t **out, int *version, json_t **errors, int64_t id, const json_t *body,
               const struct loan_env *env);

/* Returns the loan (a checked fields_loan_return body): the device moves
 * by the condition. RL_EINVALID or RL_EREFUSED with *errors; RL_ENOTFOUND. */
int loan_return(json_t **out, int *version, json_t **errors, int64_t id, const json_t *body,
                const struct loan_env *env);

/* One page of loans for a checked fields_loan_filters query; next_cursor
 * (RL_SPEC_CURSOR_MAX bytes) "" on the last page. RL_EINVALID with
 * *errors for a bad member, device or cursor. */
int loan_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query,
              const struct loan_env *env);

/* The loan's events, oldest first, after the cursor. RL_ENOTFOUND. */
int loan_history(json_t **out, char *next_cursor, json_t **errors, int64_t id, const char *cursor,
                 int limit);

/* Removes what a key below volunteer may not see. */
void loan_strip_personal(json_t *loan);

#endif
