/* Repairs in the database. JSON forms are caller-owned. */
#ifndef RL_CORE_STORE_REPAIR_H
#define RL_CORE_STORE_REPAIR_H

#include <jansson.h>
#include <stdint.h>

#include "core/store/store_device.h"

/* A repair's fields as text (NULL: SQL NULL). */
struct store_repair_fields {
  const char *session_id, *problem, *diagnosis, *actions, *outcome, *barrier, *next_steps,
      *minutes, *repairer;
};

/* The status moves a repair's outcome causes: from[i] → to[i], as
 * PostgreSQL array literals ("{}" for none), and the status after them. */
struct store_moves {
  const char *status, *from, *to;
};

/* Records a repair on the device at dev (which must still be at its
 * version) and applies the moves, in one statement; *version is the
 * repair's. RL_ECONFLICT when the
 * device changed since; RL_EUNPROCESSABLE when the session does not exist. */
int store_repair_insert(json_t **out, int *version, const struct store_device_ref *dev,
                        const struct store_repair_fields *f, const struct store_moves *m,
                        const struct store_actor *actor);

/* The repair, its version and its device's state (status, kind, ref).
 * RL_ENOTFOUND. */
int store_repair_get(json_t **out, int *version, char *dev_status, size_t status_cap,
                     char *dev_kind, size_t kind_cap, struct store_device_ref *dev, int64_t id);

/* Sets every field of repair `id` and applies the moves, if the device is
 * still at its version. */
int store_repair_update(json_t **out, int *version, int64_t id,
                        const struct store_device_ref *dev, const struct store_repair_fields *f,
                        const struct store_moves *m, const struct store_actor *actor);

/* A device's repairs after id `after`, oldest first. RL_ENOTFOUND when there
 * is no such device. */
int store_repair_list(json_t **out, int64_t *next_after, const char *code_body, int64_t after,
                      int limit);

#endif
