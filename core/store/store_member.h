/* Members, their contact (kept apart: personal data) and their history in
 * the database. Every write also records its event, in the same statement.
 * JSON forms are caller-owned and include the contact and notes; api/
 * strips them for keys that may not see personal data. */
#ifndef RL_CORE_STORE_MEMBER_H
#define RL_CORE_STORE_MEMBER_H

#include <jansson.h>
#include <stdint.h>

#include "core/store/store_device.h" /* store_actor, store_owner (a contact's shape) */

/* Where a row is and at which version (for ETag and optimistic updates). */
struct store_member_ref {
  int64_t id;
  int version;
};

/* The editable fields of a member as text (notes NULL: SQL NULL). */
struct store_member_fields {
  const char *language, *loan_limit, *notes;
};

/* Inserts an active member, their contact (if contact is not NULL) and the
 * `created` event, in one statement. RL_EDUPLICATE when the number is
 * taken (nothing is written: try another number). */
int store_member_insert(json_t **out, struct store_member_ref *ref, const char *number,
                        const char *number_body, const struct store_member_fields *f,
                        const struct store_owner *contact, const struct store_actor *actor);

/* By number body. With lock (inside a transaction), the row stays locked
 * against other writers until the transaction ends. RL_ENOTFOUND if none. */
int store_member_get(json_t **out, struct store_member_ref *ref, const char *number_body, int lock);

/* Sets every editable field of the member at ref (locked by the caller's
 * transaction) and sets, erases or keeps the contact; records an `edit`
 * event naming `fields` (a PostgreSQL array literal of field names: never
 * the values). ref->version becomes the new version. */
int store_member_update(json_t **out, struct store_member_ref *ref,
                        const struct store_member_fields *f, enum store_owner_action contact_action,
                        const struct store_owner *contact, const char *fields,
                        const struct store_actor *actor);

/* Moves the member at ref from status `from` to `to`, recording an event of
 * type `event` (suspended, reactivated) with the note. RL_ECONFLICT when it
 * was no longer in `from`. ref->version becomes the new version. */
int store_member_move(json_t **out, struct store_member_ref *ref, const char *from, const char *to,
                      const char *event, const char *note, const struct store_actor *actor);

struct store_member_filter {
  const char *status;
  const char *q_number; /* a number body to match exactly, or NULL */
  const char *q_like;   /* an ILIKE pattern over the contact, or NULL */
  /* A phone number as typed, matched by its national number
   * (rl_phone_key(q_phone, country), sql/0012_people.sql), or NULL. */
  const char *q_phone, *country;
};

/* One page, newest first, of members with id below `before` (0: from the
 * newest). With several of q_number, q_like and q_phone, a member matching
 * any is listed. *next_before is the cursor for the next page, 0 when none. */
int store_member_list(json_t **out, int64_t *next_before, const struct store_member_filter *f,
                      int64_t before, int limit);

/* The member's events after event id `after`, oldest first. RL_ENOTFOUND
 * when there is no such member. */
int store_member_history(json_t **out, int64_t *next_after, const char *number_body, int64_t after,
                         int limit);

#endif
