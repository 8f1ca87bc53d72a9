/* What core/stock.c and core/stock_movement.c share, for core only. */
#ifndef RL_CORE_STOCK_INTERNAL_H
#define RL_CORE_STOCK_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"

/* Reads a quantity in the part's unit into thousandths. Appends an error
 * naming field and returns -1 when it is not one (zero_ok: 0 is one). */
int stock_quantity(int64_t *milli, json_t *errors, const char *field, const json_t *v,
                   const char *unit, int zero_ok);

/* Appends an insufficient_stock error for field, with what is available. */
void stock_short_error(json_t *errors, const char *field, const char *sku, int64_t wanted,
                       int64_t available);

/* Counts the low-stock alerts of applied movements in the metrics. */
void stock_count_alerts(const json_t *movements);

/* stock_harvest's work inside a transaction already running: code_body is
 * the device's code body (checked). *out and *errors as stock_harvest's. */
int stock_harvest_in_tx(json_t **out, json_t **errors, const char *code_body, const json_t *body,
                        const struct rl_principal *who);

#endif
