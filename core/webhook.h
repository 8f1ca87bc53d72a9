/* Webhook subscriptions as admins manage them (docs/webhooks.md): the rules
 * a subscription's URL and event types follow, its secret (made here, shown
 * once), rotation, test events, and the deliveries an admin looks at and
 * sends again. Sending is core/webhook_send.c's. */
#ifndef RL_CORE_WEBHOOK_H
#define RL_CORE_WEBHOOK_H

#include <jansson.h>

#include "core/config.h"

/* The event types a subscription may name (NULL-terminated), as the SQL
 * triggers write them; "*" names them all. */
extern const char *const webhook_event_types[];
/* The same and webhook.test, which goes only to the subscription it tests. */
extern const char *const webhook_all_event_types[];

/* How long a rotated secret keeps signing beside the new one. */
#define WEBHOOK_ROTATION_OVERLAP_S (24U * 3600U)
/* "whsec_" + base64 of 32 bytes, and a NUL. */
#define WEBHOOK_SECRET_LEN 51

/* Every function returning a subscription sets *version (its row version)
 * and *digest (of what else its reply shows: the ETag is both). */

/* Creates a subscription from a body checked against fields_webhook; *out
 * holds its new "secret", for this reply only. RL_EINVALID with *errors
 * (caller owns) naming every bad field. */
int webhook_create(json_t **out, int *version, unsigned long long *digest, json_t **errors,
                   const json_t *body, const struct rl_outbox_settings *o);
int webhook_get(json_t **out, int *version, unsigned long long *digest, long long id);
/* One page by id after cursor; next_cursor (RL_SPEC_CURSOR_MAX bytes) is
 * "" on the last page. */
int webhook_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int limit);
/* A JSON merge patch; if_match: the version the client read, or -1. */
int webhook_patch(json_t **out, int *version, unsigned long long *digest, json_t **errors,
                  long long id, const json_t *patch, int if_match,
                  const struct rl_outbox_settings *o);
int webhook_delete(long long id);
/* A new secret (in *out as "secret", for this reply only); the old one
 * signs too for WEBHOOK_ROTATION_OVERLAP_S. */
int webhook_rotate(json_t **out, int *version, unsigned long long *digest, long long id);
/* Writes a webhook.test event for this subscription; *out: the event. */
int webhook_test(json_t **out, long long id);

/* The subscription's deliveries, newest first; status NULL for all.
 * RL_ENOTFOUND when there is no such subscription. */
int webhook_deliveries(json_t **out, char *next_cursor, json_t **errors, long long subscription,
                       const char *status, const char *cursor, int limit);
/* One delivery with every attempt. */
int webhook_delivery_get(json_t **out, long long subscription, long long id);
/* Makes the delivery due now again; *out: the delivery. RL_ECONFLICT with
 * *why (static). */
int webhook_redeliver(json_t **out, const char **why, long long subscription, long long id);

#endif
