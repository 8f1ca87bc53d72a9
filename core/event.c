/* Listing events (core/event.h). */
#include "core/event.h"

#include <string.h>

#include "core/error.h"
#include "core/spec.h"
#include "core/store/store_event.h"

int event_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query)
{
  next_cursor[0] = '\0';
  *errors = NULL;
  int64_t before;
  int rc = rl_spec_cursor(&before, rl_spec_str(query, "cursor"), errors);
  if (rc != RL_OK)
    return rc;
  rc = rl_spec_since_until(query, errors);
  if (rc != RL_OK)
    return rc;
  const char *since = rl_spec_str(query, "since"), *until = rl_spec_str(query, "until");
  int more;
  long long last;
  rc = store_event_list(out, &more, &last, rl_spec_str(query, "type"), since, until, before,
                        rl_spec_limit(query));
  if (rc == RL_OK && more)
    rl_spec_next_cursor(next_cursor, last);
  return rc;
}

int event_get(json_t **out, const char *uid)
{
  /* Not one of ours: no round trip. */
  if (strncmp(uid, "evt_", 4) != 0 || strlen(uid) > 64)
    return RL_ENOTFOUND;
  return store_event_get(out, uid);
}
