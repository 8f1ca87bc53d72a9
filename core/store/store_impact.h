/* The open-data figures' store: factor sets, the rollup read by slice, and
 * the rebuild (sql/0008_impact.sql keeps the rollup; nothing here writes
 * it). */
#ifndef RL_CORE_STORE_STORE_IMPACT_H
#define RL_CORE_STORE_STORE_IMPACT_H

#include <jansson.h>
#include <stdint.h>

/* Group keys of a slice. */
enum { STORE_IMPACT_MONTH = 1, STORE_IMPACT_CATEGORY = 2, STORE_IMPACT_SITE = 4 };

struct store_impact_slice {
  const char *from, *to;      /* first days of months, "YYYY-MM-01", inclusive */
  const char *site;           /* slug, or NULL for all */
  const char *category;       /* slug, or NULL for all */
  const char *factor_version; /* NULL: the current set */
  unsigned group;             /* STORE_IMPACT_* bits; 0: one total row */
};

/* The slice, read from the rollup alone. *out (caller owns):
 * {"factor_version", "last_modified": seconds since 1970 (the newest of
 * the slice's rows and the factor set), "rows": [{keys…, figures…}]},
 * rows ordered by their keys, rows whose figures are all zero left out.
 * RL_ENOTFOUND when factor_version names no set. */
int store_impact_slice(json_t **out, const struct store_impact_slice *s);

/* The rollup's version (sql/0011_publish_queue.sql): it changes in the
 * transaction of every change to the rollup, the factor sets or the site
 * slugs, so two equal reads saw the same slices. */
int store_impact_version(long long *out);

/* Every factor set, oldest first, as an array (caller owns); with_key adds
 * who created each (admin listing). */
int store_impact_factor_sets(json_t **out, int with_key);

/* Adds a factor set (numbers as decimal text). RL_EDUPLICATE when the
 * version exists. *out: the new set (caller owns). */
int store_impact_factor_set_insert(json_t **out, const char *version, const char *displacement,
                                   const char *misc_powered, const char *misc_unpowered,
                                   const char *source, const char *credit, int64_t key_id);

/* Recounts saves and rollup in one transaction, keeps the recount, and
 * returns what differed: an array (caller owns) of {what, key, kept,
 * rebuilt}, empty when what was kept was right. */
int store_impact_rebuild(json_t **out, const char *timezone);

#endif
