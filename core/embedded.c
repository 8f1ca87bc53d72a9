/* Lookup of embedded files by path. */
#include "core/embedded.h"

#include <string.h>

const struct rl_embedded_file *rl_embedded_find(const char *path)
{
  for (const struct rl_embedded_file *f = rl_embedded_files; f->path != NULL; f++)
    if (strcmp(f->path, path) == 0)
      return f;
  return NULL;
}
