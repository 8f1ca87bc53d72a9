/* What counts as personal data in a reply. */
#include "core/privacy.h"

#include <stddef.h>

/* owner: a device owner's contact; contact: a member's. */
static const char *const personal_members[] = {"owner", "contact", NULL};
/* Only in a member (told by its member number): a device's notes are
 * about the device, a member's about the person. */
static const char *const member_personal_members[] = {"notes", NULL};

static void strip(json_t *reply, const char *const *names)
{
  for (const char *const *m = names; *m; m++) {
    const json_t *v = json_object_get(reply, *m);
    if (v != NULL && !json_is_null(v)) /* a null holds nothing personal */
      json_object_del(reply, *m);
  }
}

void privacy_strip(json_t *reply)
{
  if (!json_is_object(reply))
    return;
  strip(reply, personal_members);
  if (json_is_string(json_object_get(reply, "number")) && json_object_get(reply, "loan_limit"))
    strip(reply, member_personal_members);
}
