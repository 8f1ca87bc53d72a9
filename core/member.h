/* Members: residents who borrow (docs/loans.md). Bodies are checked here,
 * whole, against fields_member (core/fields.h): field-level problems come
 * back as RL_EINVALID with *errors (caller owns). Numbers are read as a
 * person typed them; a malformed one is RL_EINVALID naming `number`, a
 * well-formed one that names nobody RL_ENOTFOUND. */
#ifndef RL_CORE_MEMBER_H
#define RL_CORE_MEMBER_H

#include <jansson.h>

#include "core/auth.h"
#include "core/code.h"

/* Reads a member number as typed into body (RL_MEMBER_BODY_LEN + 1 bytes).
 * RL_OK, or RL_EINVALID with *errors (caller owns) naming field:
 * `not_a_member_number`, or `check_character_mismatch` for a typo. */
int member_number_body(char *body, const char *number, const char *field, json_t **errors);

/* What a new member gets unless the body says otherwise: the settings
 * REPAIRD_MEMBER_PREFIX and REPAIRD_LOAN_LIMIT (borrowed). */
struct member_defaults {
  const char *prefix;
  unsigned loan_limit;
};

/* Registers a member from a body (unchecked): language (default fr),
 * loan_limit, notes, contact. *out is the new member (caller owns). */
int member_create(json_t **out, int *version, json_t **errors, const json_t *body,
                  const struct rl_principal *who, const struct member_defaults *defaults);

/* The member with this number. */
int member_get(json_t **out, int *version, json_t **errors, const char *number);

/* Applies a JSON merge patch (RFC 7396, unchecked) of the editable fields;
 * `"contact": null` erases the contact. if_match is the version the client
 * read, or -1; RL_EPRECONDITION when it is stale. */
int member_patch(json_t **out, int *version, json_t **errors, const char *number,
                 const json_t *patch, int if_match, const struct rl_principal *who);

/* Moves the member to status `to` (active, suspended) with an optional
 * note. A member already in `to`: RL_ECONFLICT with *allowed (caller owns)
 * listing the status it may move to. */
int member_transition(json_t **out, int *version, json_t **errors, json_t **allowed,
                      const char *number, const char *to, const char *note,
                      const struct rl_principal *who);

/* Filters as checked against fields_member_filters. */
struct member_query {
  const char *status, *q;
  const char *cursor; /* NULL: first page */
  int limit;
  /* Whether q may search the contact (volunteer and admin keys): else only
   * a member number finds anything. */
  int personal;
  /* The programme's calling code (REPAIRD_PHONE_COUNTRY): a q that reads
   * as a phone number also finds the same number written another way. */
  const char *phone_country;
};

/* One page of members, newest first. next_cursor (32 bytes) is "" when
 * this is the last page. */
int member_list(json_t **out, char *next_cursor, json_t **errors, const struct member_query *q);

/* One page of a member's history, oldest first. */
int member_history(json_t **out, char *next_cursor, json_t **errors, const char *number,
                   const char *cursor, int limit);

/* Removes what only volunteers and admins may see: the RL_F_PERSONAL
 * fields of fields_member (contact, notes), or of fields_member_event (an
 * event's note). */
void member_strip_personal(json_t *member);
void member_event_strip_personal(json_t *event);

#endif
