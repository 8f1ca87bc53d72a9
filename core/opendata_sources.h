/* The open-data CSVs as a publication writes them: each streams its whole
 * dataset (the public file of OD_PATH_IMPACT_CSV or OD_PATH_ORDS_CSV, with
 * no filter) through w. RL_OK, RL_EUNAVAILABLE when w stopped it, or the
 * store's error. */
#ifndef RL_CORE_OPENDATA_SOURCES_H
#define RL_CORE_OPENDATA_SOURCES_H

#include "core/opendata.h"

extern int impact_csv_source(od_write_fn w, void *ctx);
extern int ords_csv_source(od_write_fn w, void *ctx);

#endif
