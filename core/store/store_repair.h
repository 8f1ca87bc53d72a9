/* Repairs in the database. JSON forms are caller-owned. */
#ifndef RL_CORE_STORE_REPAIR_H
#define RL_CORE_STORE_REPAIR_H

#include <jansson.h>
#include <stdint.h>

#include "core/store/store_device.h"

/* A repair's fields as text (NULL: SQL NULL). */
struct store_repair_fields {
  const char *session_id, *problem, *diagnosis, *actions, *outcome, *barrier, *next_steps, *minutes,
      *repairer;
};

/* Records a repair on the device at dev; *version is the repair's. The
 * session's violation (store_last_violation) when it does not exist. */
int store_repair_insert(json_t **out, int *version, const struct store_device_ref *dev,
                        const struct store_repair_fields *f);

/* What a repair's rules need to know of its device. */
struct store_repair_device {
  struct store_device_ref ref;
  char status[32], kind[16], site[80];
};

/* The repair, its version and its device's state. With lock (inside a
 * transaction) the repair and its device stay locked until it ends.
 * RL_ENOTFOUND. */
int store_repair_get(json_t **out, int *version, struct store_repair_device *dev, int64_t id,
                     int lock);

/* Sets every field of repair `id` (locked by the caller's transaction). */
int store_repair_update(json_t **out, int *version, int64_t id,
                        const struct store_repair_fields *f);

/* A device's repairs after id `after`, oldest first. RL_ENOTFOUND when there
 * is no such device. */
int store_repair_list(json_t **out, int64_t *next_after, const char *code_body, int64_t after,
                      int limit);

/* A session's repairs after id `after`, oldest first. RL_ENOTFOUND when there
 * is no such session. */
int store_repair_list_by_session(json_t **out, int64_t *next_after, int64_t session_id,
                                 int64_t after, int limit);

#endif
