/* A loan's documents: the agreement the member signs and the loan's
 * public page, with their wording of dates and deposits in French and
 * English (docs/loans.md, "Loan agreement"). */
#ifndef RL_CORE_LOAN_DOC_H
#define RL_CORE_LOAN_DOC_H

#include <jansson.h>
#include <stddef.h>

#include "core/tracking.h"

/* The facts of the loan whose id is given as typed (store_loan_doc.h has
 * the shape); the member's name only when with_name. RL_ENOTFOUND when id
 * is not a positive whole number or no loan has it (*errors stays NULL). */
int loan_doc_agreement(json_t **out, json_t **errors, const char *id, int with_name);

/* The loan's public page facts by its token, overdue days counted by the
 * programme's clock in timezone. Any token that opens nothing (malformed,
 * unknown) gives RL_ENOTFOUND, alike. */
int loan_doc_public(json_t **out, const char *token, const char *timezone);

/* "2026-12-01" as people read it: "1er décembre 2026", "1 December 2026".
 * A text that is not such a date is copied as it is. */
void loan_doc_date(char *out, size_t cap, const char *date, enum rl_lang lang);

/* A deposit ({amount, method} or null) with its currency: "50,00 EUR, en
 * espèces", "50.00 EUR, in cash", "Aucune caution", "No deposit". */
void loan_doc_deposit(char *out, size_t cap, const json_t *deposit, const char *currency,
                      enum rl_lang lang);

#endif
