/* The datasets a publication target can send: the one table of them, by
 * the name a target's `source` holds. */
#ifndef RL_CORE_PUBLISH_SOURCES_H
#define RL_CORE_PUBLISH_SOURCES_H

#include <stddef.h>

#include "core/config.h"
#include "core/opendata.h"

struct publish_source {
  const char *name;         /* "impact-csv", "ords-csv" */
  const char *content_type; /* of the uploaded file */
  const char *file_name;    /* the file name the portal is given */
  /* Streams the whole dataset, as its public file without filters. */
  int (*write)(od_write_fn w, void *ctx, const struct rl_config *cfg);
};

extern const struct publish_source publish_sources[];
extern const size_t publish_sources_count;

/* The source of this name, or NULL. */
const struct publish_source *publish_source_find(const char *name);

#endif
