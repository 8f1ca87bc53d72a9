/* Stock of spare parts per site and the ledger of movements it comes from.
 * The stock row is kept beside the ledger (one row to read) and changed
 * only by store_stock_apply, in the same statement as the movements, so it
 * always equals the ledger's sum. Quantities are in thousandths of the
 * part's unit (int64), exact. JSON forms are caller-owned. */
#ifndef RL_CORE_STORE_STOCK_H
#define RL_CORE_STORE_STOCK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store/store_device.h"

/* A part as the ledger needs it. */
struct stock_part {
  int64_t id; /* 0: no part has this sku */
  char sku[48], unit[8];
  int active;
};

/* Looks each of skus[0..n) up, case-insensitively, into out[i]. */
int store_stock_parts(struct stock_part *out, const char *const *skus, size_t n);

/* A site by slug: its id and whether it is active. RL_ENOTFOUND. */
int store_stock_site(int64_t *id, int *active, const char *slug);

/* Inside a transaction: the stock of each (parts[i], sites[i]) into
 * milli[i], with the rows locked (and created, empty, if missing) until the
 * transaction ends. Pairs must be distinct; they are locked in a fixed
 * order whatever theirs. */
int store_stock_lock(int64_t *milli, const int64_t *parts, const int64_t *sites, size_t n);

/* Inside a transaction: makes sure the stock rows exist, sent with the
 * next statement (for movements that only add). */
int store_stock_ensure(const int64_t *parts, const int64_t *sites, size_t n);

/* One movement to record. */
struct stock_move {
  int64_t part_id, site_id;
  int64_t delta; /* thousandths, signed */
  const char *type;
  const char *source;           /* received: donated or bought; else NULL */
  int64_t device_id, repair_id; /* 0: none */
  int transfer;                 /* one of a transfer's two legs */
};

/* Records the movements and changes the stock rows (which exist), with a
 * low-stock alert for each that takes a site's stock to or below its
 * threshold, in one statement. (part, site) pairs must be distinct. *out:
 * the movements as JSON, each with the site's stock after it and
 * low_stock_alert. */
int store_stock_apply(json_t **out, const struct stock_move *m, size_t n, const char *note,
                      const struct store_actor *actor);

/* The stock of part sku at site: quantity and threshold (thousandths) and
 * when it last changed (NULL if never). RL_ENOTFOUND when either is unknown. */
int store_stock_get(json_t **out, const char *sku, const char *site);

/* The stock of part sku at every site that has a stock row or a threshold.
 * RL_ENOTFOUND without such part. */
int store_stock_list(json_t **out, const char *sku);

/* The stock of part sku per site as the ledger had it just before `before`
 * (an RFC 3339 time), for one site or (site NULL) all. RL_ENOTFOUND. */
int store_stock_as_of(json_t **out, const char *sku, const char *site, const char *before);

struct stock_filter {
  const char *sku, *site, *type, *from, *to; /* NULL: any; from/to are RFC 3339 times */
};

/* Movements, newest first, with id below `before` (0: from the newest).
 * RL_ENOTFOUND when the part (or site) is unknown. */
int store_stock_movements(json_t **out, int64_t *next_before, const struct stock_filter *f,
                          int64_t before, int limit);

/* One movement of part sku. RL_ENOTFOUND. */
int store_stock_movement(json_t **out, const char *sku, int64_t id);

/* What is at or below its threshold at site, by sku after `after` ("").
 * RL_ENOTFOUND without such site. */
int store_stock_low(json_t **out, int *more, const char *site, const char *after, int limit);

/* Every (part, site) whose stock row differs from its ledger's sum. */
int store_stock_check(json_t **out, long *rows_checked);

#endif
