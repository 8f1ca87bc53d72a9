/* Devices: intake, reading, editing, lifecycle moves, history, search.
 * Intake and edit bodies are checked here, whole: their fields
 * (core/fields.h), then the category and site they name, then the rules
 * of the domain (codes, kinds, years, plausible weights), so that one
 * reply lists every problem. Field-level problems come back as RL_EINVALID
 * with *errors (caller owns); RL_EUNPROCESSABLE with *errors when all that
 * is wrong is a value to confirm (implausible_weight). */
#ifndef RL_CORE_DEVICE_H
#define RL_CORE_DEVICE_H

#include <jansson.h>
#include <stddef.h>

#include "core/auth.h"

/* Reads a code as a person typed it into its 8-symbol body (9 bytes).
 * RL_EINVALID with *errors naming `field` (a mistyped check character is
 * told apart from something that is not a code at all). */
int device_code_body(char *body, const char *code, const char *field, json_t **errors);

/* Registers a device from an intake body (unchecked); *out is the new
 * device. */
int device_create(json_t **out, int *version, json_t **errors, const json_t *body,
                  const struct rl_principal *who, const char *code_prefix);

/* The device with this code, typed by a person (see rl_code_parse). */
int device_get(json_t **out, int *version, json_t **errors, const char *code);

/* Applies a JSON merge patch (RFC 7396, unchecked) of the editable fields.
 * if_match is the version the client read, or -1; RL_EPRECONDITION when it
 * is stale. */
int device_patch(json_t **out, int *version, json_t **errors, const char *code, const json_t *patch,
                 int if_match, const struct rl_principal *who);

/* Moves the device to status `to`; a device put back on the shelf
 * (available) is held for hold_days for the first member waiting for its
 * category. When the lifecycle refuses, returns RL_ECONFLICT with *allowed
 * (caller owns) listing the moves it allows. */
int device_transition(json_t **out, int *version, json_t **errors, json_t **allowed,
                      const char *code, const char *to, const char *note, unsigned hold_days,
                      const struct rl_principal *who);

/* Filters as checked against fields_device_filters. */
struct device_query {
  const char *status, *kind, *category, *site, *received_from, *received_to, *q;
  const char *cursor; /* NULL: first page */
  int limit;
};

/* One page of devices, newest first. next_cursor (32 bytes) is "" when this
 * is the last page. */
int device_list(json_t **out, char *next_cursor, json_t **errors, const struct device_query *q);

/* One page of a device's history, oldest first. */
int device_history(json_t **out, char *next_cursor, json_t **errors, const char *code,
                   const char *cursor, int limit);

/* What the labels of these devices print, in the order of `codes` (as
 * typed). Malformed codes: RL_EINVALID with *errors naming codes[i]. Codes
 * of no device: RL_EUNPROCESSABLE with *unknown listing them. */
int device_label_data(json_t **out, json_t **errors, json_t **unknown, const char *const *codes,
                      size_t n);

/* Removes what only volunteers and admins may see from a device object:
 * the RL_F_PERSONAL fields of fields_device (owner contact, tracking
 * token). */
void device_strip_personal(json_t *device);

#endif
