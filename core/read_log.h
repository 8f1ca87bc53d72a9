/* The record of who read personal data (docs/privacy.md, "Who read what"):
 * what one reply carried (read_records), and the queue that a writer
 * thread empties into the database in batches, off the request path.
 *
 * Reads are never served unrecorded: a request that will carry personal
 * data first reserves a place in the queue (read_log_reserve), and is
 * refused when the queue is full (the database away for long); the place
 * is then used (read_log_push) or given back (read_log_release). What the
 * queue holds is lost only if the process dies (at most one flush
 * interval's worth, ~100 ms, more while the database is away); a graceful
 * stop writes it first. */
#ifndef RL_CORE_READ_LOG_H
#define RL_CORE_READ_LOG_H

#include <jansson.h>
#include <stddef.h>

#include "core/privacy.h"
#include "core/spec.h"

/* Default bound of the queue: ~10 MB of entries, minutes of a busy desk. */
#define READ_LOG_QUEUE_MAX 50000

/* The records one reply carried, each once. Zero-initialise; the strings
 * are owned by it. */
struct read_records {
  char **ids;
  unsigned char *kinds; /* enum privacy_record */
  size_t n, cap;
  int failed; /* a record could not be added (memory): the reply must not go out */
};

/* Adds a record unless it is there. RL_OK, or RL_ENOMEM (and failed set). */
int read_records_add(struct read_records *r, enum privacy_record kind, const char *id);
/* Forgets the records, and a failure to add one (the reply that carried
 * them was replaced). */
void read_records_clear(struct read_records *r);
void read_records_free(struct read_records *r);

/* Starts the writer thread (its own database connection, the store's
 * per-thread one) with a queue of at most max entries (0: the default).
 * RL_OK or RL_ENOMEM. */
int read_log_start(size_t max);
/* Writes what is queued, waiting at most timeout_s for the database, then
 * stops the writer. Returns how many entries could not be written (they
 * are logged as a count, never their content). */
size_t read_log_stop(unsigned timeout_s);

/* Takes a place in the queue for one reply: RL_OK, or RL_EUNAVAILABLE when
 * the queue is full (or the writer is not running). */
int read_log_reserve(void);
/* Gives a place taken by read_log_reserve back unused. */
void read_log_release(void);
/* Queues one entry in the place the caller reserved, taking the records
 * (left empty). method and request_id are copied; route must outlive the
 * process (a pattern of the route table). RL_OK, or RL_ENOMEM (the place is
 * given back, the records kept). */
int read_log_push(struct read_records *r, long long key_id, const char *method, const char *route,
                  const char *request_id);
/* Waits until every entry queued before the call is written: RL_OK, or
 * RL_EUNAVAILABLE after timeout_ms (the database is away). */
int read_log_flush(unsigned timeout_ms);
/* Entries waiting now. */
size_t read_log_queued(void);

/* A page of entries for admins. query: parameters checked against
 * fields_read_log_filters (key, device, member, since, until, limit,
 * cursor); device and member in any spelling the API accepts. Flushes this
 * instance's queue first. next_cursor (RL_SPEC_CURSOR_MAX bytes) is "" on
 * the last page. RL_EINVALID with *errors. */
int read_log_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query);

extern const struct rl_field fields_read_log_filters[];

#endif
