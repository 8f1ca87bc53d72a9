/* Sending webhook deliveries as the Standard Webhooks specification says
 * (docs/webhooks.md): the webhook-id, webhook-timestamp and
 * webhook-signature headers, "v1,<base64 HMAC-SHA256 of id.timestamp.body>"
 * with each secret that signs. Only to addresses the settings allow, checked
 * on the address actually connected to. */
#ifndef RL_CORE_WEBHOOK_SEND_H
#define RL_CORE_WEBHOOK_SEND_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/config.h"
#include "core/netaddr.h"

/* A worker's sender: one libcurl handle, so that connections to a receiver
 * are kept between deliveries. */
struct webhook_sender;

/* NULL when out of memory. */
struct webhook_sender *webhook_sender_new(const struct rl_outbox_settings *settings);
void webhook_sender_free(struct webhook_sender *s);

/* Claims due deliveries, sends them one after the other and records each
 * attempt, until none is due or cancel is set (an attempt under way is cut
 * short and released: due again at once, not counted). *done: deliveries
 * attempted. */
int webhook_work(long *done, struct webhook_sender *s, const atomic_int *cancel);

/* Writes "v1,<base64>" for secret ("whsec_" + base64 key) over
 * id.timestamp.body into out (cap bytes, 64 is enough). RL_OK, or
 * RL_EINVALID for a secret that is not of that form. */
int webhook_sign(char *out, size_t cap, const char *secret, const char *id, long long timestamp,
                 const char *body, size_t body_len);

/* Whether a webhook may connect to addr: a public address, or one in the
 * allowed blocks. Loopback, private, link-local (the cloud metadata
 * address), shared, multicast, reserved and documentation ranges are not
 * public. */
int webhook_address_allowed(const struct rl_netaddr *addr, const struct rl_cidrs *allowed);

#endif
