/* Members: residents who borrow (docs/loans.md). */
#ifndef RL_CORE_MEMBER_H
#define RL_CORE_MEMBER_H

#include <jansson.h>

#include "core/code.h"

/* Reads a member number as typed into body (RL_MEMBER_BODY_LEN + 1 bytes).
 * RL_OK, or RL_EINVALID with *errors (caller owns) naming field:
 * `not_a_member_number`, or `check_character_mismatch` for a typo. */
int member_number_body(char *body, const char *number, const char *field, json_t **errors);

#endif
