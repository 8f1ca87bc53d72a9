/* Open data (docs/open-data.md): what the datasets share. Each CSV is
 * written through a writer callback, so that an HTTP reply streams it and a
 * publication to the city's portal sends it, with the same bytes. */
#ifndef RL_CORE_OPENDATA_H
#define RL_CORE_OPENDATA_H

#include <stddef.h>

/* Receives the next len bytes of a dataset; returns 0, or non-zero to stop
 * the writing (the writer then returns RL_EUNAVAILABLE or the error it
 * was given). */
typedef int (*od_write_fn)(void *ctx, const char *data, size_t len);

/* The public datasets and where they are served (under REPAIRD_PUBLIC_URL). */
#define OD_PATH_IMPACT_JSON "/opendata/impact.json"
#define OD_PATH_IMPACT_CSV "/opendata/impact.csv"
#define OD_PATH_ORDS_CSV "/opendata/ords.csv"
#define OD_PATH_FACTORS "/opendata/factors"
#define OD_PATH_CATALOG "/opendata/catalog"

#endif
