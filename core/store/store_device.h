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
};

/* The editable fields as text (NULL: SQL NULL). */
struct store_device_fields {
  const char *category, *site, *brand, *model, *serial, *year, *weight, *problem, *notes;
};

struct store_owner {
  const char *name, *email, *phone;
};

struct store_actor {
  const char *name;
  int64_t key_id;
};

/* Inserts a device with status received, its owner (if owner is not NULL)
 * and its intake event. RL_EDUPLICATE when the code is taken; RL_EINVALID or
 * RL_EUNPROCESSABLE (see store_last_*) when the site or category is unknown. */
int store_device_insert(json_t **out, struct store_device_ref *ref, const char *code,
                        const char *code_body, const char *kind,
                        const struct store_device_fields *f, const char *token,
                        const struct store_owner *owner, const struct store_actor *actor);

/* By code body. RL_ENOTFOUND if none. */
int store_device_get(json_t **out, struct store_device_ref *ref, const char *code_body);

enum store_owner_action { STORE_OWNER_KEEP, STORE_OWNER_SET, STORE_OWNER_ERASE };

/* Sets every editable field, if the row is still at ref->version; records an
 * edit event naming `fields` (a PostgreSQL array literal). RL_ECONFLICT when
 * the row changed since. */
int store_device_update(json_t **out, struct store_device_ref *ref,
                        const struct store_device_fields *f, enum store_owner_action owner_action,
                        const struct store_owner *owner, const char *fields,
                        const struct store_actor *actor);

/* Moves the device from → to if the row is still at ref->version, with a
 * transition event. RL_ECONFLICT when the row changed since. */
int store_device_move(json_t **out, struct store_device_ref *ref, const char *from,
                      const char *to, const char *note, const struct store_actor *actor);

struct store_device_filter {
  const char *status, *kind, *category, *site, *received_from, *received_to;
  const char *q_like;    /* an ILIKE pattern, or NULL */
  const char *q_code;    /* a code body the query may be, or NULL */
};

/* One page, newest first, of devices with id below `before` (0: from the
 * newest). *next_before is the cursor for the next page, 0 when none. */
int store_device_list(json_t **out, int64_t *next_before, const struct store_device_filter *f,
                      int64_t before, int limit);

/* The device's events after event id `after`, oldest first. RL_ENOTFOUND
 * when there is no such device. */
int store_device_history(json_t **out, int64_t *next_after, const char *code_body,
                         int64_t after, int limit);

/* What labels and receipts print, for the devices whose code bodies are
 * listed: an array of {code_body, code, kind, category_fr, brand, model,
 * received_at, site_name, opening_hours, tracking_token}, in no order. */
int store_device_label_data(json_t **out, const char *const *bodies, size_t n);

#endif
