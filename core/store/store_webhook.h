/* Webhook subscriptions and their deliveries in the database
 * (sql/0010_events.sql, docs/webhooks.md): what the admin API reads and
 * changes. The workers' side (claiming and recording attempts) is
 * core/store/store_outbox.c. JSON forms are caller-owned; a subscription's
 * JSON never holds a secret, except the reply of store_webhook_insert and
 * store_webhook_rotate, which add the new one as "secret". */
#ifndef RL_CORE_STORE_STORE_WEBHOOK_H
#define RL_CORE_STORE_STORE_WEBHOOK_H

#include <jansson.h>

/* The editable fields of a subscription, as checked by core/webhook.c.
 * event_types: a JSON array text of the types (or ["*"]). */
struct store_webhook_fields {
  const char *url, *event_types, *description;
  int enabled;
};

int store_webhook_insert(json_t **out, int *version, const struct store_webhook_fields *f,
                         const char *secret);
/* With lock (inside a transaction) the row stays locked until it ends.
 * RL_ENOTFOUND. */
int store_webhook_get(json_t **out, int *version, long long id, int lock);
/* Subscriptions by id after `after` (0: from the start). */
int store_webhook_list(json_t **out, int *more, long long after, int limit);
/* Enabling a disabled subscription clears why and since when it failed;
 * disabling an enabled one records 'admin' as the reason. */
int store_webhook_update(json_t **out, int *version, long long id,
                         const struct store_webhook_fields *f);
/* RL_ENOTFOUND. Its deliveries and test events go with it. */
int store_webhook_delete(long long id);
/* The current secret becomes the previous one, signing too for overlap_s
 * seconds; secret is the new one. RL_ENOTFOUND. */
int store_webhook_rotate(json_t **out, int *version, long long id, const char *secret,
                         unsigned overlap_s);
/* Writes a webhook.test event for this subscription only; *uid (caller
 * frees): the event's uid. RL_ENOTFOUND. */
int store_webhook_test_event(char **uid, long long id);

/* A subscription's deliveries, newest first, by id before `before` (0:
 * from the newest); status NULL for all. */
int store_delivery_list(json_t **out, int *more, long long subscription, const char *status,
                        long long before, int limit);
/* One delivery of the subscription with "attempt_history" (every attempt,
 * first first). RL_ENOTFOUND. */
int store_delivery_get(json_t **out, long long subscription, long long id);
/* Makes an ended or waiting delivery due now (same event, so the same
 * webhook-id). RL_ENOTFOUND; RL_ECONFLICT with *why (static) when an
 * attempt is under way or the subscription is disabled. */
int store_delivery_redeliver(const char **why, long long subscription, long long id);

#endif
