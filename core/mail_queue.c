/* E-mail to residents, as the API sees it (core/mail_queue.h). */
#include "core/mail_queue.h"

#include <string.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/spec.h"
#include "core/store/store_mail.h"

int mail_queue_device(json_t **out, char *next_cursor, json_t **errors, const char *code,
                      const char *cursor, int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  char body[RL_CODE_BODY_LEN + 1];
  int rc = device_code_body(body, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  int64_t after, next = 0;
  rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  rc = store_mail_list_device(out, &next, body, after, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

int mail_queue_loan(json_t **out, char *next_cursor, json_t **errors, int64_t id,
                    const char *cursor, int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t after, next = 0;
  int rc = rl_spec_cursor(&after, cursor, errors);
  if (rc != RL_OK)
    return rc;
  rc = store_mail_list_loan(out, &next, id, after, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

/* 32 lower-case hex digits (sql/0010_events.sql): anything else opens
 * nothing, without asking the database. */
static int token_shaped(const char *t)
{
  return t != NULL && strlen(t) == 32 && strspn(t, "0123456789abcdef") == 32;
}

int mail_queue_unsubscribe_get(const char **language, int *notify, const char *token)
{
  if (!token_shaped(token))
    return RL_ENOTFOUND;
  return store_mail_unsubscribe_get(language, notify, token);
}

int mail_queue_unsubscribe(const char **language, const char *token)
{
  if (!token_shaped(token))
    return RL_ENOTFOUND;
  return store_mail_unsubscribe(language, token);
}
