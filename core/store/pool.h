/* The database side of a worker thread: each thread owns one libpq
 * connection, opened lazily, with every store statement prepared on open,
 * and reopened after a failure. No connection is ever shared. */
#ifndef RL_CORE_STORE_POOL_H
#define RL_CORE_STORE_POOL_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

/* One prepared statement; each store file declares a NULL-terminated array. */
struct store_stmt {
  const char *name;
  const char *sql;
};

/* Sets the connection string for every thread (copied); call once before
 * any thread uses the store. */
void store_pool_init(const char *database_url);

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
 * Errors: RL_EUNAVAILABLE (no connection; retried once on a fresh connection
 * first), RL_EDUPLICATE (unique violation), RL_EUNPROCESSABLE (foreign key),
 * RL_EINVALID (check or data error), RL_ECONFLICT (serialization failure or
 * deadlock), RL_EDB (anything else). *out is NULL on error. */
int store_exec(PGresult **out, const char *stmt, int nparams, const char *const *params);

/* Like store_exec, for a statement built at run time: prepared on this
 * thread's connection under `name` the first time it is used there, so that
 * each shape of a query gets its own cached plan. The same name must always
 * come with the same sql. */
int store_exec_shaped(PGresult **out, const char *name, const char *sql, int nparams,
                      const char *const *params);

/* Like store_exec, for a statement that returns no rows the caller needs. */
int store_exec_cmd(const char *stmt, int nparams, const char *const *params);

/* The value at (row, col), or NULL for SQL NULL. Borrowed from res. */
const char *store_value(const PGresult *res, int row, int col);

/* The SQLSTATE of the last failed store call on this thread ("" if none). */
const char *store_last_sqlstate(void);
/* The constraint named by the last failed store call ("" if none). */
const char *store_last_constraint(void);

/* The value at (row, col) as a new JSON value: null for SQL NULL, else a
 * string, or for store_json_time an RFC 3339 UTC time, for store_json_int an
 * integer, for store_json_num a real, for store_json_bool true/false. */
json_t *store_json_str(const PGresult *res, int row, int col);
json_t *store_json_time(const PGresult *res, int row, int col);
json_t *store_json_int(const PGresult *res, int row, int col);
json_t *store_json_num(const PGresult *res, int row, int col);
json_t *store_json_bool(const PGresult *res, int row, int col);

#endif
