/* A server-side cursor read in batches, for exports too large to hold in
 * memory (docs/architecture.md, "Streamed replies").
 *
 * A cursor lives on a connection of its own, not on the calling thread's
 * pooled one: a streamed reply is read by later calls, between which the
 * thread serves other requests on its pooled connection, and a cursor
 * needs its transaction kept open all that time. The cursor belongs to
 * whoever holds it; it must not be used by two threads at once, but may
 * move from one thread to another between calls. How many are open at once
 * is bounded, so that exports cannot take every connection the database
 * allows. */
#ifndef RL_CORE_STORE_CURSOR_H
#define RL_CORE_STORE_CURSOR_H

#include <libpq-fe.h>

/* Cursors open at once, process-wide. */
#define STORE_CURSORS_MAX 8

struct store_cursor;

/* Opens a connection, begins a read-only REPEATABLE READ transaction (one
 * snapshot for everything read through it), runs first_sql (if not NULL;
 * its result in *first, caller PQclear()s it) and declares the cursor for
 * sql. Parameters are text (NULL = SQL NULL). RL_OK; RL_EUNAVAILABLE when
 * the database cannot be reached or STORE_CURSORS_MAX are open; RL_EDB. */
int store_cursor_open(struct store_cursor **out, PGresult **first, const char *first_sql,
                      int nfirst, const char *const *first_params, const char *sql, int nparams,
                      const char *const *params);

/* The next rows, at most n; *out (caller PQclear()s it) holds none at the
 * end. RL_OK, RL_EUNAVAILABLE (connection lost) or RL_EDB. */
int store_cursor_fetch(struct store_cursor *c, int n, PGresult **out);

/* Ends the transaction and closes the connection; NULL is fine. */
void store_cursor_close(struct store_cursor *c);

/* How many cursors are open now (for tests and metrics). */
int store_cursors_open(void);

#endif
