/* Loans and their history in the database. Dates are computed by
 * PostgreSQL on the programme's clock (rl_now()) in the time zone passed
 * as `tz`, so that "today" is the same for every rule and list. JSON forms
 * are caller-owned; a loan's includes its internal "token" (core turns it
 * into the public URL). */
#ifndef RL_CORE_STORE_LOAN_H
#define RL_CORE_STORE_LOAN_H

#include <jansson.h>
#include <stdint.h>

#include "core/store/store_device.h"

/* What a checkout decides on: the device and the member, both locked. */
struct store_checkout {
  int64_t loan_id; /* drawn for the loan to be written */
  int64_t device_id, member_id, site_id;
  int device_version;
  char code[32], kind[16], status[24], category[72];
  char member_status[16];
  int open_loans, loan_limit;
  int64_t hold_member_id; /* who holds the device; 0: no hold */
  char hold_member[32], hold_until[40];
  int hold_live;           /* the hold has not run out */
  int64_t entry_device_id; /* a device the member's own entry for the category holds, or 0 */
  char today[16], max_due[16], default_due[16];
};

/* Locks the device and the member (inside a transaction) and reads what a
 * checkout needs; max_days and default_days are added to today. RL_OK,
 * RL_ENOTFOUND when either is unknown. */
int store_loan_checkout_read(struct store_checkout *out, const char *tz, const char *device_body,
                             const char *member_body, unsigned max_days, unsigned default_days);

/* Today and today + max_days in tz (16 bytes each). */
int store_loan_dates(char *today, char *max_due, const char *tz, unsigned max_days);

/* Whether a device with this code body and a member with this number body
 * exist. */
int store_loan_refs_exist(int *device, int *member, const char *device_body,
                          const char *member_body);

struct store_loan_new {
  const char *due_date, *checkout_condition, *deposit_amount, *deposit_method, *note, *token;
};

/* Writes the loan (id c->loan_id), its checkout event, counts it against
 * the member and ends the member's place in the category's line; the
 * device's move is the caller's (store_device_move, before). */
int store_loan_insert(json_t **out, const char *tz, const struct store_checkout *c,
                      const struct store_loan_new *l, const struct store_actor *actor);

/* What a renewal or a return decides on. */
struct store_loan_state {
  int64_t id, device_id, member_id;
  int version, renewals;
  int returned, has_deposit;
  char device_status[24], member_status[16];
  int days_overdue;
  int others_waiting; /* another active member waits, and no device is free for them */
  char due_date[16], today[16], max_due[16], default_due[16];
};

/* The loan by id as JSON, and its state; with lock (inside a transaction)
 * the loan row stays locked. max_days and renew_days give max_due and
 * default_due (from the later of today and the due date). RL_ENOTFOUND. */
int store_loan_get(json_t **out, struct store_loan_state *st, const char *tz, int64_t id, int lock,
                   unsigned max_days, unsigned renew_days);

/* A renewal to due_date: counted, and recorded in the loan's and the
 * device's history. RL_ECONFLICT when the loan was returned meanwhile. */
int store_loan_renew(json_t **out, const char *tz, int64_t id, const char *due_date,
                     const char *note, const struct store_actor *actor);

/* The return: time, condition, deposit outcome (NULL: none), the member's
 * count; the device's move is the caller's. RL_ECONFLICT when the loan was
 * returned meanwhile. */
int store_loan_return(json_t **out, const char *tz, int64_t id, const char *condition,
                      const char *note, const char *deposit, const struct store_actor *actor);

enum store_loan_order { STORE_LOAN_NEWEST, STORE_LOAN_BY_DUE };

struct store_loan_filter {
  const char *status;     /* open, overdue, returned, or NULL for all */
  const char *due_within; /* days, or NULL */
  const char *member_body, *device_body, *site;
  enum store_loan_order order;
  /* Keyset: (after_due, after_id) by due date, before_id newest first. */
  const char *after_due;
  int64_t after_id, before_id;
};

/* One page of loans; *next_cursor ("" on the last page, else an id, or a
 * due date and an id as "YYYY-MM-DD.id") fits RL_SPEC_CURSOR_MAX. */
int store_loan_list(json_t **out, char *next_cursor, const char *tz,
                    const struct store_loan_filter *f, int limit);

/* The loan's events after event id `after`, oldest first. RL_ENOTFOUND when
 * there is no such loan. */
int store_loan_history(json_t **out, int64_t *next_after, int64_t id, int64_t after, int limit);

#endif
