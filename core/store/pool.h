/* The database side of a worker thread: each thread owns one libpq
 * connection, opened lazily, with every store statement prepared on open,
 * and reopened after a failure. No connection is ever shared.
 *
 * Statements run on their own (autocommit) or inside a transaction started
 * by store_tx_run, which core uses to compose several store calls. Inside a
 * transaction nothing reconnects: a lost connection ends the transaction. */
#ifndef RL_CORE_STORE_POOL_H
#define RL_CORE_STORE_POOL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

enum {
  /* Running it twice does no harm (a read, or a write that sets what it
   * sets): after a connection breaks mid-statement it may be sent again on
   * a fresh connection. Any other statement is never re-sent: its outcome is
   * unknown, and the caller gets RL_EINDOUBT. */
  STORE_RETRY_SAFE = 1 << 0,
};

/* One prepared statement; each store file declares an array ending in
 * {NULL}. */
struct store_stmt {
  const char *name;
  const char *sql;
  unsigned flags;
};

/* What a failed statement broke, in the domain's words: the store files
 * declare these for their constraints, so core never reads a SQLSTATE or a
 * constraint name. */
struct store_violation {
  const char *constraint; /* constraint name, or "table.column" of a NOT NULL */
  int err;                /* the code the store returns: RL_EINVALID, RL_EDUPLICATE… */
  const char *field;      /* the request field it is about */
  const char *code;       /* stable machine code, e.g. "unknown_category" */
  const char *message;    /* English, completes the field: "is not a known category" */
};

/* Sets the connection string for every thread (copied); call once before
 * any thread uses the store. */
void store_pool_init(const char *database_url);

/* A new connection of the caller's own, outside the pool: no statement
 * prepared, planned for reading whole results (cursor_tuple_fraction 1),
 * and ended by the server if left idle inside a transaction for a minute.
 * For work that outlives one call on one thread, such as a cursor read by
 * a streamed reply (core/store/cursor.h). NULL when the database cannot be
 * reached; the caller PQfinish()es it. */
PGconn *store_pool_connect_own(void);

/* Closes this thread's connection, if any. */
void store_pool_close_thread(void);

/* How many connections were opened after a connection was lost or could
 * not be opened, process-wide. */
unsigned long store_pool_reconnects(void);

/* Whether the database answers a trivial query now, on this thread's
 * connection (used by /readyz). RL_OK or RL_EUNAVAILABLE. */
int store_ping(void);

/* Runs prepared statement `stmt` with text parameters (NULL = SQL NULL).
 * On success returns RL_OK and *out holds the result (caller PQclear()s it).
 * Errors (*out NULL): RL_EUNAVAILABLE (no connection, or lost before the
 * statement was sent), RL_EINDOUBT (lost after a write was sent: it may have
 * been applied), RL_ERETRY (serialization failure or deadlock: run the
 * transaction again), a violation's own code when the statement broke a
 * declared constraint (see store_last_violation), RL_EDUPLICATE (other
 * unique violation), RL_EUNPROCESSABLE (other foreign key), RL_EINVALID
 * (other check or data error), RL_EDB (anything else). Inside a transaction
 * a failed statement aborts it: every later store call fails the same way
 * until store_tx_run ends it. */
int store_exec(PGresult **out, const char *stmt, int nparams, const char *const *params);

/* Like store_exec, for a statement built at run time: prepared on this
 * thread's connection under `name` the first time it is used there, so that
 * each shape of a query gets its own cached plan. The same name must always
 * come with the same sql. Only for reads (retried like STORE_RETRY_SAFE). */
int store_exec_shaped(PGresult **out, const char *name, const char *sql, int nparams,
                      const char *const *params);

/* Like store_exec, for a statement that returns no rows the caller needs. */
int store_exec_cmd(const char *stmt, int nparams, const char *const *params);

/* Inside a transaction: queues `stmt` (parameters copied) to be sent in one
 * pipeline with the next store_exec, whose result it does not need. Its
 * failure is that next call's failure. RL_OK or RL_ENOMEM. */
int store_exec_deferred(const char *stmt, int nparams, const char *const *params);

enum store_isolation {
  STORE_READ_COMMITTED,
  STORE_REPEATABLE_READ,
  STORE_SERIALIZABLE,
};

/* Runs fn(ctx) inside one transaction at the given isolation: BEGIN is sent
 * with fn's first statement, COMMIT after fn returns RL_OK (ROLLBACK after
 * any other code). On a serialization failure or deadlock, anywhere in fn or
 * at COMMIT, fn runs again (a bounded number of times, then RL_ERETRY), so fn
 * must be safe to re-run: it may only keep state it resets. Inside another
 * transaction fn simply joins it (the outer one owns COMMIT and retries).
 * Returns fn's code, or the code of a failed COMMIT (RL_EINDOUBT when the
 * connection was lost during it). */
int store_tx_run(enum store_isolation isolation, int (*fn)(void *ctx), void *ctx);

/* Inside a transaction: COMMIT is sent in one pipeline right after the next
 * statement, so the work's last write costs no extra round trip. fn must
 * then return RL_OK exactly when that statement succeeds. Ignored in a
 * function that joined an outer transaction (the outer one commits). */
void store_tx_commit_next(void);

/* Inside a transaction: marks a point that store_tx_rollback_to_mark undoes
 * back to (sent lazily, with the next statement). One mark at a time. */
void store_tx_mark(void);
/* Undoes everything since store_tx_mark, including a failed statement, so
 * the transaction can go on. RL_OK, or the code of the failure. */
int store_tx_rollback_to_mark(void);

/* Whether this thread is inside store_tx_run. */
int store_tx_active(void);

/* The declared violation the last failed store call on this thread broke,
 * or NULL. */
const struct store_violation *store_last_violation(void);

/* Declares constraint violations (array ending in {NULL}); each store file
 * registers its own in store_violation_groups (statements.c). */

/* Column indexes of a result by name: idx[i] is the index of names[i]
 * (-1 if absent). Read a result's columns through these, never by
 * position. */
void store_cols(const PGresult *res, const char *const *names, int *idx, int n);

/* The value at (row, col), or NULL for SQL NULL or col -1. Borrowed. */
const char *store_value(const PGresult *res, int row, int col);

/* The value at (row, col) as a new JSON value: null for SQL NULL, else a
 * string, or for store_json_time an RFC 3339 UTC time, for store_json_int an
 * integer, for store_json_num a real, for store_json_bool true/false. */
json_t *store_json_str(const PGresult *res, int row, int col);
json_t *store_json_time(const PGresult *res, int row, int col);
json_t *store_json_int(const PGresult *res, int row, int col);
json_t *store_json_num(const PGresult *res, int row, int col);
json_t *store_json_bool(const PGresult *res, int row, int col);
/* A decimal quantity: an integer when it is whole ("2", "2.000"), else a
 * real. */
json_t *store_json_decimal(const PGresult *res, int row, int col);

#endif
