/* What a loan's documents read: the agreement a member signs (the loan,
 * its device, category, site and member number; the member's name only
 * when the desk asks to print it) and the loan's public page (no code, no
 * member, nothing personal). One statement each. JSON forms are
 * caller-owned. */
#ifndef RL_CORE_STORE_LOAN_DOC_H
#define RL_CORE_STORE_LOAN_DOC_H

#include <jansson.h>

/* {id, token, device: {code, brand, model}, category: {slug, name_fr,
 * name_en}, member: {number, language, name}, start_date, due_date,
 * checkout_condition, deposit: {amount, method} or null, returned, site:
 * {name, address, opening_hours, loan_conditions_fr, loan_conditions_en}}.
 * member.name is read from the contact only when with_name (else null).
 * Amounts are decimal text ("50.00"), dates YYYY-MM-DD. RL_ENOTFOUND. */
int store_loan_doc_agreement(json_t **out, long long id, int with_name);

/* {category: {slug, name_fr, name_en}, due_date, returned_on (YYYY-MM-DD
 * in timezone, or null), days_overdue (0 when returned or not yet due),
 * site: {name, address, opening_hours}} of the loan with this token;
 * today is rl_now() in timezone. RL_ENOTFOUND. */
int store_loan_doc_public(json_t **out, const char *token, const char *timezone);

#endif
