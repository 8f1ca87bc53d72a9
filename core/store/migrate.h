/* Schema migrations: sql/NNNN_name.sql files built into the binary, applied
 * in order, each once, each in its own transaction, recorded in
 * schema_migrations. */
#ifndef RL_CORE_STORE_MIGRATE_H
#define RL_CORE_STORE_MIGRATE_H

#include <stddef.h>

/* Applies every pending migration on the database at url, printing one line
 * per applied migration on stdout. Concurrent runs wait for each other.
 * RL_OK, RL_EUNAVAILABLE or RL_EDB (message in err). */
int store_migrate_apply(const char *url, char *err, size_t errlen);

/* Writes the names of pending migrations (space-separated) into out and
 * their count into *count. RL_OK or RL_EUNAVAILABLE/RL_EDB (message in out). */
int store_migrate_pending(const char *url, int *count, char *out, size_t cap);

#endif
