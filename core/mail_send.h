/* Sending e-mail to residents through an SMTP server with libcurl
 * (docs/notifications.md): claim due messages, build each one
 * (core/mail.c) with the address read from the contact at that moment,
 * send it, record the outcome. smtp:// upgrades with STARTTLS when the
 * server offers it; smtps:// is TLS from the start. */
#ifndef RL_CORE_MAIL_SEND_H
#define RL_CORE_MAIL_SEND_H

#include <stdatomic.h>

#include "core/config.h"

/* A worker's sender: one libcurl handle, so that the connection to the
 * server is kept between messages. */
struct mail_sender;

/* cfg must outlive the sender. NULL when out of memory. */
struct mail_sender *mail_sender_new(const struct rl_config *cfg);
void mail_sender_free(struct mail_sender *s);

/* Claims due messages, sends them one after the other and records each
 * attempt, until none is due or cancel is set (an attempt under way is cut
 * short and released: due again at once, not counted). A 5xx reply ends a
 * message as failed; a 4xx reply or a failed connection is retried after
 * the delays of REPAIRD_DELIVERY_SCHEDULE, then failed. *done: messages
 * attempted. */
int mail_work(long *done, struct mail_sender *s, const atomic_int *cancel);

#endif
