/* E-mail to residents as the API sees it (docs/notifications.md): the
 * messages a volunteer lists on a device or a loan (what was sent, when,
 * how it went: never the address), and the one-click way out. */
#ifndef RL_CORE_MAIL_QUEUE_H
#define RL_CORE_MAIL_QUEUE_H

#include <jansson.h>
#include <stdint.h>

/* One page of the messages about the device with this code, or the loan
 * with this id, oldest first, from cursor (NULL: the start); next_cursor
 * (RL_SPEC_CURSOR_MAX bytes) gets "" on the last page. RL_ENOTFOUND, or
 * RL_EINVALID with *errors naming a bad code or cursor. */
int mail_queue_device(json_t **out, char *next_cursor, json_t **errors, const char *code,
                      const char *cursor, int limit);
int mail_queue_loan(json_t **out, char *next_cursor, json_t **errors, int64_t id,
                    const char *cursor, int limit);

/* The contact behind an unsubscribe token: its language ("fr" or "en")
 * and whether it still wants e-mail. Any token that opens nothing
 * (malformed, unknown) gives RL_ENOTFOUND, alike. */
int mail_queue_unsubscribe_get(const char **language, int *notify, const char *token);

/* Takes that contact's consent back (notify false); the messages still
 * queued for it are cancelled when their turn comes. RL_ENOTFOUND as
 * above. */
int mail_queue_unsubscribe(const char **language, const char *token);

#endif
