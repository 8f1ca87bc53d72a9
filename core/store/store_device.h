/* Devices, their owners' contact and their history in the database. Every
 * write also records its event, in the same statement. JSON forms are
 * caller-owned and include the owner's contact; api/ strips it for keys
 * that may not see personal data. */
#ifndef RL_CORE_STORE_DEVICE_H
#define RL_CORE_STORE_DEVICE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Where a row is and at which version (for ETag and optimistic updates). */
struct store_device_ref {
  int64_t id;
  int version;
  int64_t site_id;
};

/* The editable fields as text (NULL: SQL NULL). */
struct store_device_fields {
  const char *category, *site, *brand, *model, *serial, *year, *weight, *problem, *notes;
};

/* A contact: a device's owner, or a member's (language unused there).
 * notify: "true" or "false", their consent to e-mail; language: "fr" or
 * "en" (NULL: fr). */
struct store_owner {
  const char *name, *email, *phone;
  const char *notify, *language;
};

struct store_actor {
  const char *name;
  int64_t key_id;
};

/* Inserts a device with status received, its owner (if owner is not NULL)
 * and its intake event, in one statement. RL_EDUPLICATE when the code is
 * taken (nothing is written: try another code); the site's or category's
 * violation (store_last_violation) when either is unknown. */
int store_device_insert(json_t **out, struct store_device_ref *ref, const char *code,
                        const char *code_body, const char *kind,
                        const struct store_device_fields *f, const char *token,
                        const struct store_owner *owner, const struct store_actor *actor);

/* By code body. With lock (inside a transaction), the row stays locked
 * against other writers until the transaction ends. RL_ENOTFOUND if none. */
int store_device_get(json_t **out, struct store_device_ref *ref, const char *code_body, int lock);

enum store_owner_action { STORE_OWNER_KEEP, STORE_OWNER_SET, STORE_OWNER_ERASE };

/* Sets every editable field of the device at ref (locked by the caller's
 * transaction); records an edit event naming `fields` (a PostgreSQL array
 * literal). ref->version becomes the new version. */
int store_device_update(json_t **out, struct store_device_ref *ref,
                        const struct store_device_fields *f, enum store_owner_action owner_action,
                        const struct store_owner *owner, const char *fields,
                        const struct store_actor *actor);

/* The one place devices move: from[0] → to[0] → … → to[n-1], each step
 * recorded as a transition event with the note, if the device at ref is
 * still in from[0]. With out, returns the moved device (RL_ECONFLICT when it
 * was no longer in from[0]) and ref->version becomes the new version;
 * without out (inside a transaction, on a locked row) the move is sent with
 * the transaction's next statement. */
int store_device_move(json_t **out, struct store_device_ref *ref, const char *const *from,
                      const char *const *to, size_t n, const char *note,
                      const struct store_actor *actor);

struct store_device_filter {
  const char *status, *kind, *category, *site, *received_from, *received_to;
  const char *q_like; /* an ILIKE pattern, or NULL */
  const char *q_code; /* a code body the query may be, or NULL */
};

/* One page, newest first, of devices with id below `before` (0: from the
 * newest). *next_before is the cursor for the next page, 0 when none. */
int store_device_list(json_t **out, int64_t *next_before, const struct store_device_filter *f,
                      int64_t before, int limit);

/* The device's events after event id `after`, oldest first. RL_ENOTFOUND
 * when there is no such device. */
int store_device_history(json_t **out, int64_t *next_after, const char *code_body, int64_t after,
                         int limit);

/* What labels and receipts print, for the devices whose code bodies are
 * listed: an array of {code_body, code, kind, category_fr, brand, model,
 * received_at, site_name, opening_hours, tracking_token}, in no order. */
int store_device_label_data(json_t **out, const char *const *bodies, size_t n);

#endif
