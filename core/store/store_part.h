/* Spare parts in the database: the catalogue (parts and their per-site
 * thresholds), what bin labels print and what the public part page shows.
 * SKUs are matched without regard to case (upper(sku) is indexed). JSON
 * forms are caller-owned. */
#ifndef RL_CORE_STORE_PART_H
#define RL_CORE_STORE_PART_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Where a part's row is, at which version (ETag, If-Match) and in which
 * unit its stock is counted ("piece", "g", "m", "ml"). */
struct store_part_ref {
  int64_t id;
  int version;
  char unit[8];
};

/* A part's editable fields as text; every one is set on write. */
struct store_part_fields {
  const char *name;
  const char *description; /* NULL: none */
  const char *categories;  /* JSON array text of category slugs */
  const char *low_stock;   /* decimal text */
  /* Per-site thresholds, a JSON object text of site slug → decimal. On
   * insert, the complete set. On update, the changes to the set the part
   * has when the statement runs: a decimal sets a site's, null removes it
   * (NULL: no change), after removing every one if clear_thresholds. */
  const char *thresholds;
  int clear_thresholds;
  int active;
};

/* Inserts a part and its thresholds in one statement. RL_EDUPLICATE when
 * another part has this sku in any case (the parts_sku_key violation). */
int store_part_insert(json_t **out, struct store_part_ref *ref, const char *sku, const char *unit,
                      const struct store_part_fields *f);

/* The part with this sku (any case). out may be NULL when only ref is
 * wanted. With lock (inside a transaction) the row stays locked FOR UPDATE
 * until the transaction ends. RL_ENOTFOUND if none. */
int store_part_get(json_t **out, struct store_part_ref *ref, const char *sku, int lock);

/* Sets every editable field of the part at ref (locked by the caller's
 * transaction) and applies f's threshold changes; ref->version becomes
 * the new version. */
int store_part_update(json_t **out, struct store_part_ref *ref, const struct store_part_fields *f);

struct store_part_filter {
  const char *q_like;      /* an ILIKE pattern on sku or name, or NULL */
  const char *category;    /* a category slug the part is compatible with, or NULL */
  const char *in_stock_at; /* a site slug where the part's stock is above 0, or NULL */
  const char *active;      /* "true", "false" or NULL */
};

/* One page of parts by upper(sku), after upper(sku) `after` (NULL: from
 * the first). next_after (41 bytes) is the cursor of the next page, ""
 * when none. */
int store_part_list(json_t **out, char *next_after, const struct store_part_filter *f,
                    const char *after, int limit);

/* The slugs among slugs[0..n) that name no site, as a new array (empty
 * when all are known). */
int store_part_unknown_sites(json_t **out, const char *const *slugs, size_t n);

/* What bin labels print for the parts whose skus are listed (any case): an
 * array of {sku, name, categories_fr: [..]}, in no order. */
int store_part_label_data(json_t **out, const char *const *skus, size_t n);

/* An active part's public facts: {sku, name, categories: [{slug, name_fr,
 * name_en}], sites: [{name, in_stock}]} with every active site by name.
 * RL_ENOTFOUND when there is no such active part. */
int store_part_public(json_t **out, const char *sku);

#endif
