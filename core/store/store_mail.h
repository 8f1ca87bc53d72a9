/* E-mail to residents in the database (sql/0010_events.sql,
 * email_messages): claiming due messages with what they need read fresh
 * from the contact (address, name, consent: never copied into the
 * queue), recording each attempt, and the lists volunteers read. */
#ifndef RL_CORE_STORE_STORE_MAIL_H
#define RL_CORE_STORE_STORE_MAIL_H

#include <jansson.h>
#include <stdint.h>

/* A message claimed by a worker, with what it says. Strings are owned by
 * the job (mail_job_free); any may be NULL but to, kind, language and
 * unsubscribe_token. */
struct mail_job {
  long long id;
  int attempt; /* this attempt's number, from 1 */
  char *kind;  /* repair_finished, loan_due_soon, loan_overdue */
  char *language;
  char *to, *name; /* the contact's address and name, read now */
  char *unsubscribe_token;
  char *message_id; /* the Message-ID an earlier attempt used, or NULL */
  char *code, *brand, *model, *category_fr, *category_en;
  int repaired;   /* repair_finished: the device is repaired (else unrepairable) */
  char *token;    /* the tracking token, or the loan's page token */
  char *due_date; /* loans: YYYY-MM-DD */
  int days;       /* loans: days left (due soon) or days late (overdue), today in tz */
  char *site_name, *site_address, *site_hours;
};
void mail_job_free(struct mail_job *job);

/* Claims up to max due messages for lease_s seconds. A due message whose
 * contact has no address any more, took back their consent, or that is no
 * longer true (the device was collected, the loan returned or renewed) is
 * cancelled instead, and not returned. Days are counted in tz. *jobs: a
 * malloc'd array of *n jobs (caller frees each with mail_job_free, then
 * the array). */
int store_mail_claim(struct mail_job **jobs, int *n, int max, unsigned lease_s, const char *tz);

enum mail_outcome {
  MAIL_SENT,    /* the server took it */
  MAIL_RETRY,   /* failed; tried again retry_s from now */
  MAIL_FAILED,  /* failed for good, or the schedule is spent */
  MAIL_RELEASE, /* cut short by the stop: not counted, due again now */
};

/* Renews the lease of a claimed message for lease_s seconds before its
 * attempt; *held 0 when it is no longer this worker's: then it must not be
 * sent. */
int store_mail_renew(int *held, const struct mail_job *job, unsigned lease_s);

/* Records an attempt: message_id is the header sent (kept for the next
 * attempt too), error an SMTP reply code ("smtp_451") or a libcurl error
 * name, never the server's text. Nothing is recorded when the lease was
 * lost (another worker took the message again). */
int store_mail_record(const struct mail_job *job, enum mail_outcome outcome, double retry_s,
                      const char *message_id, const char *error);

/* The messages about a device (by code body) or a loan (by id), oldest
 * first, after the message id `after`, at most limit: {id, kind, language,
 * status, attempts, created_at, sent_at, finished_at, last_error} (never
 * the address). *next: the id to continue after, 0 at the end.
 * RL_ENOTFOUND when there is no such device or loan. */
int store_mail_list_device(json_t **items, int64_t *next, const char *code_body, int64_t after,
                           int limit);
int store_mail_list_loan(json_t **items, int64_t *next, int64_t loan_id, int64_t after, int limit);

/* Unsubscribing (docs/notifications.md): the contact behind token, a
 * device owner's or a member's. *language: "fr" or "en" (static), *notify
 * whether they still want e-mail. RL_ENOTFOUND when no contact has it. */
int store_mail_unsubscribe_get(const char **language, int *notify, const char *token);
/* Sets notify to false for that contact; RL_ENOTFOUND as above. */
int store_mail_unsubscribe(const char **language, const char *token);

#endif
