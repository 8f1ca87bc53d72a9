/* Files built into the binary (migrations, reference data, the OpenAPI
 * document, public page assets): see scripts/embed. */
#ifndef RL_CORE_EMBEDDED_H
#define RL_CORE_EMBEDDED_H

#include <stddef.h>

struct rl_embedded_file {
  const char *path;          /* relative to the repository root, e.g. "sql/0001_core.sql" */
  const unsigned char *data; /* NUL-terminated */
  size_t len;                /* without the NUL */
};

/* Terminated by an entry whose path is NULL. */
extern const struct rl_embedded_file rl_embedded_files[];

/* The embedded file at path, or NULL. */
const struct rl_embedded_file *rl_embedded_find(const char *path);

#endif
