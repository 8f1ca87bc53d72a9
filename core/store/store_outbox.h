/* The outbox's work queue in the database (sql/0010_events.sql): turning
 * events into deliveries and messages, the time-based events, and claiming
 * and recording webhook deliveries. Claims use FOR UPDATE SKIP LOCKED and a
 * lease, so that workers of several instances share the work and none sends
 * an attempt another holds. */
#ifndef RL_CORE_STORE_STORE_OUTBOX_H
#define RL_CORE_STORE_STORE_OUTBOX_H

/* Turns up to limit undispatched events into webhook deliveries and, when
 * mail, e-mail messages (events_fanout). *n: events turned. */
int store_outbox_fanout(long *n, int limit, int mail);

/* Writes the time-based loan events due today in tz (events_schedule),
 * puts back leases that ran out (a worker that died: its attempt is made
 * again), and deletes events older than retention_s seconds that nothing
 * waits on. *n: events written. */
int store_outbox_schedule(long *n, const char *tz, unsigned due_days, unsigned retention_s);

/* A webhook delivery claimed by a worker. Strings are owned by the job
 * (webhook_job_free). previous_secret is NULL unless a rotation's old
 * secret still signs. */
struct webhook_job {
  long long id;
  int attempt; /* this attempt's number, from 1 */
  char *url, *secret, *previous_secret;
  char *msg_id; /* the event's uid: the webhook-id header */
  char *type;
  char *body; /* {"type":…,"timestamp":…,"data":…} */
};
void webhook_job_free(struct webhook_job *job);

/* Claims up to max due deliveries (pending and due, of enabled
 * subscriptions, or test events) for lease_s seconds. *jobs: a malloc'd
 * array of *n jobs (caller frees each with webhook_job_free, then the
 * array). */
int store_outbox_claim_webhooks(struct webhook_job **jobs, int *n, int max, unsigned lease_s);

/* Renews the lease of a claimed delivery for lease_s seconds before its
 * attempt; *held 0 when it is no longer this worker's (its lease ran out
 * and another took it back): then it must not be sent. */
int store_outbox_renew_webhook(int *held, const struct webhook_job *job, unsigned lease_s);
/* The lease renewal both queues share: statement takes (id, attempt,
 * lease seconds) and returns a row while the job is still this attempt's. */
int store_outbox_renew(int *held, const char *statement, long long job_id, int attempt,
                       unsigned lease_s);

/* What one attempt came to. */
enum webhook_outcome {
  WEBHOOK_SUCCEEDED, /* 2xx */
  WEBHOOK_RETRY,     /* failed; tried again retry_s from now */
  WEBHOOK_FAILED,    /* failed, and the schedule is spent */
  WEBHOOK_GONE,      /* 410: failed, and the subscription is disabled */
  WEBHOOK_RELEASE,   /* cut short by the stop: not counted, due again now */
};

struct webhook_attempt {
  double started_at; /* seconds since the epoch */
  long duration_ms;
  int http_status;           /* 0: none */
  const char *error;         /* NULL, or a code of webhook_attempts.error */
  const char *response_head; /* printable ASCII, at most 256 bytes; NULL none */
};

/* Records the attempt and the delivery's new state; a failure that ends a
 * subscription's disable_after_s seconds of failing disables it
 * ('failing'), a success clears its failing time. Nothing is recorded when
 * the lease was lost (another worker took the delivery again). */
int store_outbox_record_webhook(const struct webhook_job *job, const struct webhook_attempt *a,
                                enum webhook_outcome outcome, double retry_s,
                                unsigned disable_after_s);

#endif
