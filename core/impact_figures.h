/* The published impact figures (docs/open-data.md): slices of the rollup
 * by month, category and site, with CO2e from a factor set; the factor
 * sets themselves; the rebuild that proves the rollup right. The CSV is
 * written here so that the HTTP reply and a publication to the city's
 * portal send the same bytes. */
#ifndef RL_CORE_IMPACT_FIGURES_H
#define RL_CORE_IMPACT_FIGURES_H

#include <jansson.h>
#include <stdint.h>

#include "core/opendata.h"
#include "core/spec.h"

/* A slice asked for, as checked by impact_query_read. */
struct impact_query {
  char from[11], to[11];      /* "YYYY-MM-01" */
  const char *site;           /* borrowed from the query, or NULL */
  const char *category;       /* borrowed, or NULL */
  const char *factor_version; /* borrowed, or NULL: the current set */
  unsigned group;             /* STORE_IMPACT_* bits (core/store/store_impact.h) */
};

/* The query parameters of the figures (from, to, site, category,
 * group_by, factor_version), for rl_spec_query. */
extern const struct rl_field fields_impact_query[];

/* Reads a query checked against fields_impact_query (borrowed: q points
 * into it). RL_OK, or RL_EINVALID with *errors (caller owns): a month that
 * is not YYYY-MM between 2000-01 and 2199-12, from after to, a group_by
 * that is not a list of month, category, site. Defaults: every month,
 * grouped by month. */
int impact_query_read(struct impact_query *q, json_t **errors, const json_t *query);

/* The slice: *out (caller owns) {"factor_version", "last_modified"
 * (seconds since 1970), "rows": [...]}. RL_EINVALID with *errors when
 * factor_version names no set. */
int impact_figures(json_t **out, json_t **errors, const struct impact_query *q);

/* What a slice's bytes depend on, for core/impact_cache.h: kind (the
 * format) and the query, in key (IMPACT_CACHE_KEY_MAX bytes); *version:
 * the rollup's version now. Read the version before the slice: a slice
 * read after it is at least as new. */
int impact_slice_key(char *key, size_t cap, long long *version, const char *kind,
                     const struct impact_query *q);

/* Writes figures (from impact_figures, grouped as q) as CSV (core/csv.h):
 * the group keys, then every figure, then factor_version. */
int impact_csv_write_figures(od_write_fn w, void *ctx, const json_t *figures, unsigned group);

/* The whole path from a query object (as rl_spec_query gives it) to CSV
 * bytes: what GET /opendata/impact.csv sends. RL_EINVALID for a bad
 * query (the errors are dropped: the publisher passes fixed queries). */
int impact_csv_write(od_write_fn w, void *ctx, const json_t *query);

/* Every factor set, oldest first (*out array, caller owns); with_key adds
 * the creating key's id. */
int impact_factor_sets(json_t **out, int with_key);

/* Adds a factor set from a body checked against fields_factor_set.
 * RL_EDUPLICATE when its version exists. */
extern const struct rl_field fields_factor_set[];
int impact_factor_set_create(json_t **out, const json_t *body, int64_t key_id);

/* Recounts the rollup (core/store/store_impact.h); *out: the differences. */
int impact_rebuild(json_t **out, const char *timezone);

#endif
