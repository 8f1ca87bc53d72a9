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

/* Deeper than any reply the service builds: a bound, not a rule. */
#define WALK_DEPTH_MAX 64

static void strip_at(json_t *v, int depth)
{
  if (depth > WALK_DEPTH_MAX)
    return;
  size_t i;
  json_t *item;
  if (json_is_array(v)) {
    json_array_foreach(v, i, item)
      strip_at(item, depth + 1);
    return;
  }
  if (!json_is_object(v))
    return;
  strip(v, personal_members);
  if (json_is_string(json_object_get(v, "number")) && json_object_get(v, "loan_limit"))
    strip(v, member_personal_members);
  const char *name;
  json_object_foreach(v, name, item)
    strip_at(item, depth + 1);
}

void privacy_strip(json_t *reply) { strip_at(reply, 0); }

static int holds(const json_t *obj, const char *name)
{
  const json_t *v = json_object_get(obj, name);
  return v != NULL && !json_is_null(v);
}

static void walk(const json_t *v, privacy_found_fn found, void *ctx, int depth)
{
  if (depth > WALK_DEPTH_MAX)
    return;
  if (json_is_array(v)) {
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
      walk(e, found, ctx, depth + 1);
    return;
  }
  if (!json_is_object(v))
    return;
  const char *code = json_string_value(json_object_get(v, "code"));
  if (code != NULL && holds(v, "owner"))
    found(ctx, PRIVACY_DEVICE, code);
  const char *number = json_string_value(json_object_get(v, "number"));
  if (number != NULL && (holds(v, "contact") || holds(v, "notes")))
    found(ctx, PRIVACY_MEMBER, number);
  const char *name;
  const json_t *m;
  json_object_foreach((json_t *)v, name, m)
    if (json_is_object(m) || json_is_array(m))
      walk(m, found, ctx, depth + 1);
}

void privacy_walk(const json_t *reply, privacy_found_fn found, void *ctx)
{
  walk(reply, found, ctx, 0);
}
