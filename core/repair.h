/* Repairs (ORDS terms). A
 * repair's outcome moves its device through the lifecycle: fixed → repaired,
 * end_of_life → unrepairable, any other outcome on a device just received →
 * diagnosing; when the device must pass through diagnosing (or in_repair)
 * first, both moves are made and recorded. */
#ifndef RL_CORE_REPAIR_H
#define RL_CORE_REPAIR_H

#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"

/* Records a repair on a device. The code, the body (fields_repair) and the
 * barrier rule are checked here, all at once: RL_EINVALID with *errors
 * (caller owns). RL_ECONFLICT with *allowed (caller owns) when the
 * outcome's move is refused. */
int repair_create(json_t **out, int *version, json_t **errors, json_t **allowed,
                  const char *code, const json_t *body, const struct rl_principal *who);

int repair_get(json_t **out, int *version, int64_t id);

/* JSON merge patch of a repair (checked here, like a creation); a new
 * outcome moves the device. if_match:
 * the version the client read, or -1; RL_EPRECONDITION when stale. */
int repair_patch(json_t **out, int *version, json_t **errors, json_t **allowed, int64_t id,
                 const json_t *patch, int if_match, const struct rl_principal *who);

/* A device's repairs, oldest first. next_cursor: 32 bytes, "" when last. */
int repair_list(json_t **out, char *next_cursor, json_t **errors, const char *code,
                const char *cursor, int limit);

#endif
