/* The catalogue in one statement: available donated devices that no
 * waiting member holds, and open waiting-list entries (waiting or
 * holding), counted per site and category; entries for any site counted
 * apart. */
#include "core/store/store_catalogue.h"

#include <string.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

const struct store_stmt store_catalogue_stmts[] = {
    {"catalogue",
     "WITH free AS ("
     " SELECT d.site_id, d.category, count(*) AS n FROM devices d"
     " WHERE d.status = 'available' AND d.kind = 'donation' AND NOT EXISTS ("
     " SELECT 1 FROM waitlist w WHERE w.held_device_id = d.id AND w.status = 'held')"
     " GROUP BY d.site_id, d.category),"
     " line AS (SELECT w.site_id, w.category, count(*) AS n FROM waitlist w"
     " WHERE w.status IN ('waiting', 'held') GROUP BY w.site_id, w.category),"
     " cell AS (SELECT coalesce(f.site_id, l.site_id) AS site_id,"
     " coalesce(f.category, l.category) AS category, coalesce(f.n, 0) AS available,"
     " coalesce(l.n, 0) AS waiting"
     " FROM free f FULL JOIN line l ON l.site_id = f.site_id AND l.category = f.category)"
     " SELECT s.slug, s.name, s.opening_hours, c.slug AS category, c.name_fr, c.name_en,"
     " x.available, x.waiting"
     " FROM sites s LEFT JOIN cell x ON x.site_id = s.id LEFT JOIN categories c"
     " ON c.slug = x.category WHERE s.active"
     " UNION ALL"
     " SELECT NULL, NULL, NULL, c.slug, c.name_fr, c.name_en, 0, l.n"
     " FROM line l JOIN categories c ON c.slug = l.category WHERE l.site_id IS NULL"
     " ORDER BY 1 NULLS LAST, 4 NULLS FIRST",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

enum { C_SLUG, C_NAME, C_HOURS, C_CATEGORY, C_NAME_FR, C_NAME_EN, C_AVAILABLE, C_WAITING, C_COUNT };
static const char *const col_names[C_COUNT] = {"slug",    "name",    "opening_hours", "category",
                                               "name_fr", "name_en", "available",     "waiting"};

int store_catalogue(json_t **out)
{
  PGresult *r;
  int rc = store_exec(&r, "catalogue", 0, NULL);
  if (rc != RL_OK)
    return rc;
  int c[C_COUNT];
  store_cols(r, col_names, c, C_COUNT);
  json_t *sites = json_array(), *any = json_array(), *site = NULL;
  const char *slug = NULL;
  for (int i = 0; i < PQntuples(r); i++) {
    const char *s = store_value(r, i, c[C_SLUG]);
    int has_category = store_value(r, i, c[C_CATEGORY]) != NULL;
    if (s == NULL) {
      json_array_append_new(any, json_pack("{s:o s:o s:o s:o}", "category",
                                           store_json_str(r, i, c[C_CATEGORY]), "name_fr",
                                           store_json_str(r, i, c[C_NAME_FR]), "name_en",
                                           store_json_str(r, i, c[C_NAME_EN]), "waiting",
                                           store_json_int(r, i, c[C_WAITING])));
      continue;
    }
    if (slug == NULL || strcmp(slug, s) != 0) {
      slug = s;
      site = json_pack("{s:o s:o s:o s:[]}", "slug", store_json_str(r, i, c[C_SLUG]), "name",
                       store_json_str(r, i, c[C_NAME]), "opening_hours",
                       store_json_str(r, i, c[C_HOURS]), "categories");
      json_array_append_new(sites, site);
    }
    if (has_category)
      json_array_append_new(json_object_get(site, "categories"),
                            json_pack("{s:o s:o s:o s:o s:o}", "category",
                                      store_json_str(r, i, c[C_CATEGORY]), "name_fr",
                                      store_json_str(r, i, c[C_NAME_FR]), "name_en",
                                      store_json_str(r, i, c[C_NAME_EN]), "available",
                                      store_json_int(r, i, c[C_AVAILABLE]), "waiting",
                                      store_json_int(r, i, c[C_WAITING])));
  }
  PQclear(r);
  *out = json_pack("{s:o s:o}", "sites", sites, "waiting_any_site", any);
  return *out ? RL_OK : RL_ENOMEM;
}
