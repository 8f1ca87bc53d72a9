/* Prepared statements and row mapping for categories. */
#include "core/store/store_category.h"

#include <stdio.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

#define CAT_COLS "slug, name_en, name_fr, ords_id, ords_name, powered, weight_kg, co2e_kg"

const struct store_stmt store_category_stmts[] = {
    {"category_list",
     "SELECT " CAT_COLS " FROM categories WHERE slug > $1"
     " ORDER BY slug LIMIT $2::int",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

static const char *const col_names[] = {"slug",      "name_en", "name_fr",   "ords_id",
                                        "ords_name", "powered", "weight_kg", "co2e_kg"};

static json_t *category_json(const PGresult *r, int row, const int *c)
{
  return json_pack("{s:o s:o s:o s:o s:o s:o s:o s:o}", "slug", store_json_str(r, row, c[0]),
                   "name_en", store_json_str(r, row, c[1]), "name_fr", store_json_str(r, row, c[2]),
                   "ords_product_category_id", store_json_int(r, row, c[3]),
                   "ords_product_category", store_json_str(r, row, c[4]), "powered",
                   store_json_bool(r, row, c[5]), "weight_kg", store_json_num(r, row, c[6]),
                   "co2e_kg", store_json_num(r, row, c[7]));
}

int store_category_list(json_t **out, int *more, const char *after, int limit)
{
  char l[16];
  snprintf(l, sizeof l, "%d", limit + 1);
  const char *p[] = {after, l};
  PGresult *r;
  int rc = store_exec(&r, "category_list", 2, p);
  if (rc != RL_OK)
    return rc;
  int n = PQntuples(r);
  *more = n > limit;
  int c[8];
  store_cols(r, col_names, c, 8);
  json_t *arr = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(arr, category_json(r, i, c));
  PQclear(r);
  *out = arr;
  return RL_OK;
}
