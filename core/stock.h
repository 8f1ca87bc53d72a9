/* Spare-part stock: movements into and out of each site's stock, harvests
 * from donated devices, parts taken by repairs. Every change is a movement
 * in the append-only ledger, written with the stock row in one statement;
 * stock never goes below zero, however many take the last one at once (the
 * rows are locked while the quantities are checked). Quantities are exact:
 * thousandths of the part's unit, whole for pieces. */
#ifndef RL_CORE_STOCK_H
#define RL_CORE_STOCK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/store/store_stock.h"

/* Records a movement of part sku from a checked body (type, site, to_site,
 * quantity, counted, source, device, repair_id, note). *out: {"movements":
 * [...]}, each with the stock after it. RL_ENOTFOUND (no such part),
 * RL_EINVALID / RL_EUNPROCESSABLE with *errors, RL_ESHORT with *errors
 * naming each part short and what is available, RL_ECONFLICT with *errors
 * when the device cannot be harvested, RL_EFORBIDDEN for a count (adjusted)
 * by a key that is not an admin's. */
int stock_movement_create(json_t **out, json_t **errors, const char *sku, const json_t *body,
                          const struct rl_principal *who);

/* Harvests parts from a donated device (body: parts [{sku, quantity}],
 * note): the device moves to harvested (if it was received or unrepairable;
 * one already harvested just adds parts) and each part is received into its
 * site's stock, in one transaction. *out: {code, status, movements}.
 * RL_ECONFLICT with *errors saying why for a resident's own device or one
 * in another status. */
int stock_harvest(json_t **out, json_t **errors, const char *code, const json_t *body,
                  const struct rl_principal *who);

/* The parts a repair takes from its device's site, once checked and locked
 * (inside the repair's transaction). */
struct stock_take {
  size_t n;
  struct stock_move *moves; /* malloc'd, n of them */
};

/* Inside a transaction: checks `parts` ([{sku, quantity}]) against the
 * stock at site_id and locks it. RL_EINVALID / RL_EUNPROCESSABLE with
 * *errors naming parts[i]; RL_ESHORT with *errors. *take is filled (free
 * with stock_take_free) on RL_OK. */
int stock_take_plan(struct stock_take *take, json_t **errors, const json_t *parts, int64_t site_id);

/* Inside the same transaction: records the take as movements `used` by the
 * repair on the device. *out: the parts [{sku, quantity}] as a repair shows
 * them. */
int stock_take_apply(json_t **out, const struct stock_take *take, int64_t repair_id,
                     int64_t device_id, const struct rl_principal *who);

void stock_take_free(struct stock_take *take);

/* The stock of part sku at one site, or (site NULL) at every site it has
 * stock or a threshold at; with as_of (a date, YYYY-MM-DD) as the ledger had
 * it at the end of that day in the programme's time zone. */
int stock_get(json_t **out, json_t **errors, const char *sku, const char *site, const char *as_of,
              const char *timezone);

/* Movements of part sku, newest first, filtered (site, type, from, to:
 * dates, all checked by fields_movement_filters). next_cursor: 32 bytes,
 * "" when last. */
int stock_movements(json_t **out, char *next_cursor, json_t **errors, const char *sku,
                    const char *site, const char *type, const char *from, const char *to,
                    const char *timezone, const char *cursor, int limit);

int stock_movement_get(json_t **out, const char *sku, int64_t id);

/* What is at or below its threshold at site. next_cursor: 64 bytes. */
int stock_low(json_t **out, char *next_cursor, const char *site, const char *cursor, int limit);

/* Whether every stock row equals its ledger's sum: *out {ok, checked,
 * mismatches}. */
int stock_check(json_t **out);

/* Low-stock alerts raised by this process since it started. */
unsigned long stock_alerts_total(void);

#endif
