/* The catalogue is a read of counts: no rule beyond what the store's
 * statement counts (available and not held; waiting or holding). */
#include "core/catalogue.h"

#include "core/store/store_catalogue.h"

int catalogue_get(json_t **out) { return store_catalogue(out); }
