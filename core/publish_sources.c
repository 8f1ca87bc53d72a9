/* The dataset sources of publications (core/publish_sources.h). */
#include "core/publish_sources.h"

#include <string.h>

#include "core/error.h"
#include "core/impact_figures.h"
#include "core/ords.h"

/* /opendata/impact.csv with no query: every month, site and category. */
static int impact_csv_source(od_write_fn w, void *ctx, const struct rl_config *cfg)
{
  (void)cfg;
  json_t *query = json_object();
  int rc = query ? impact_csv_write(w, ctx, query) : RL_ENOMEM;
  json_decref(query);
  return rc;
}

/* /opendata/ords.csv with no filter. */
static int ords_csv_source(od_write_fn w, void *ctx, const struct rl_config *cfg)
{
  struct ords_query q = {.data_provider = cfg->opendata.ords_data_provider,
                         .timezone = cfg->timezone};
  return ords_csv_write(w, ctx, &q);
}

/* text/csv with its charset, as OpenDataFrance asks of CSV files. */
const struct publish_source publish_sources[] = {
    {"impact-csv", "text/csv; charset=utf-8", "impact.csv", impact_csv_source},
    {"ords-csv", "text/csv; charset=utf-8", "ords.csv", ords_csv_source},
};
const size_t publish_sources_count = sizeof publish_sources / sizeof publish_sources[0];

const struct publish_source *publish_source_find(const char *name)
{
  for (size_t i = 0; name != NULL && i < publish_sources_count; i++)
    if (strcmp(publish_sources[i].name, name) == 0)
      return &publish_sources[i];
  return NULL;
}
