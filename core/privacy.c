/* What counts as personal data in a reply. */
#include "core/privacy.h"

static const char *const personal_members[] = {"owner", NULL};

void privacy_strip(json_t *reply)
{
  if (!json_is_object(reply))
    return;
  for (const char *const *m = personal_members; *m; m++) {
    const json_t *v = json_object_get(reply, *m);
    if (v != NULL && !json_is_null(v)) /* a null holds nothing personal */
      json_object_del(reply, *m);
  }
}
