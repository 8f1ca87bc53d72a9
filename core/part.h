/* Spare parts: the catalogue's rules (the sku pattern, known categories and
 * sites, whole quantities for parts counted in pieces), what bin labels
 * print and what the public part page shows. Bodies are checked here,
 * against fields_part (core/fields.c) and the rules, every problem at
 * once; site_low_stock, keyed by site slugs, which a field list cannot
 * name, is checked here whole. Field-level problems come back as
 * RL_EINVALID with *errors (caller owns). */
#ifndef RL_CORE_PART_H
#define RL_CORE_PART_H

#include <jansson.h>
#include <stddef.h>

#include "core/spec.h"

enum { PART_SKU_MAX = 40 };

/* Whether sku has the sku pattern: 1 to 40 letters, digits, '-', '_' or
 * '.', starting with a letter or digit. */
int part_sku_ok(const char *sku);
/* The same as a field format ("not_a_sku"). */
extern const struct rl_format part_format_sku;

/* Creates a part from a body; *out is the part, *version its row version.
 * RL_EDUPLICATE (no *errors) when another part has this sku in any case. */
int part_create(json_t **out, int *version, json_t **errors, const json_t *body);

/* The part with this sku, in any case. A malformed sku is RL_EINVALID
 * naming "sku". */
int part_get(json_t **out, int *version, json_t **errors, const char *sku);

/* Applies a JSON merge patch (RFC 7396) of name, description, categories,
 * low_stock, site_low_stock (a slug set to a number sets that site's
 * threshold, set to null removes it) and active, in one transaction on the
 * locked row. if_match is the version the client read, or -1;
 * RL_EPRECONDITION when it is stale. */
int part_patch(json_t **out, int *version, json_t **errors, const char *sku, const json_t *patch,
               int if_match);

struct part_query {
  const char *q;           /* substring of sku or name, any case */
  const char *category;    /* compatible with this category slug */
  const char *in_stock_at; /* site slug: stock above 0 there */
  const char *active;      /* "true" or "false", or NULL */
  const char *cursor;      /* NULL: first page */
  int limit;
};

/* One page of parts by sku (case-insensitive order). next_cursor (41
 * bytes) is "" when this is the last page. */
int part_list(json_t **out, char *next_cursor, json_t **errors, const struct part_query *q);

/* What the bin labels of these parts print, in the order of skus: an array
 * of {sku, name, categories_fr}. Malformed skus: RL_EINVALID with *errors
 * naming skus[i]. Skus of no part: RL_EUNPROCESSABLE with *unknown listing
 * them as sent. */
int part_label_data(json_t **out, json_t **errors, json_t **unknown, const char *const *skus,
                    size_t n);

/* An active part's public facts (see store_part_public). Any sku that
 * names no active part, malformed or not, gives RL_ENOTFOUND alike. */
int part_public(json_t **out, const char *sku);

#endif
