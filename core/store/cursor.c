/* Server-side cursors on connections of their own (core/store/cursor.h). */
#include "core/store/cursor.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/store/pool.h"

struct store_cursor {
  PGconn *conn;
};

static atomic_int g_open;

int store_cursors_open(void) { return atomic_load(&g_open); }

static int failed(PGconn *c, PGresult *r, const char *what)
{
  int lost = PQstatus(c) != CONNECTION_OK;
  if (!lost) {
    const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    rl_log(RL_LOG_ERROR, "db_error", "%s: %s", what, primary ? primary : "?");
  }
  PQclear(r);
  return lost ? RL_EUNAVAILABLE : RL_EDB;
}

int store_cursor_open(struct store_cursor **out, PGresult **first, const char *first_sql,
                      int nfirst, const char *const *first_params, const char *sql, int nparams,
                      const char *const *params)
{
  *out = NULL;
  if (first)
    *first = NULL;
  if (atomic_fetch_add(&g_open, 1) >= STORE_CURSORS_MAX) {
    atomic_fetch_sub(&g_open, 1);
    return RL_EUNAVAILABLE;
  }
  struct store_cursor *c = calloc(1, sizeof *c);
  if (c == NULL) {
    atomic_fetch_sub(&g_open, 1);
    return RL_ENOMEM;
  }
  int rc = RL_EUNAVAILABLE;
  char *declare = NULL;
  if ((c->conn = store_pool_connect_own()) == NULL)
    goto out;
  PGresult *r = PQexec(c->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    rc = failed(c->conn, r, "cursor begin");
    goto out;
  }
  PQclear(r);
  if (first_sql && first) {
    r = PQexecParams(c->conn, first_sql, nfirst, NULL, first_params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      rc = failed(c->conn, r, "cursor first");
      goto out;
    }
    *first = r;
  }
  size_t len = strlen(sql) + 64;
  rc = RL_ENOMEM;
  if ((declare = malloc(len)) == NULL)
    goto out;
  snprintf(declare, len, "DECLARE rl_export NO SCROLL CURSOR FOR %s", sql);
  r = PQexecParams(c->conn, declare, nparams, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    rc = failed(c->conn, r, "cursor declare");
    goto out;
  }
  PQclear(r);
  rc = RL_OK;
  *out = c;
  c = NULL;
out:
  free(declare);
  if (rc != RL_OK && first && *first) {
    PQclear(*first);
    *first = NULL;
  }
  store_cursor_close(c);
  return rc;
}

int store_cursor_fetch(struct store_cursor *c, int n, PGresult **out)
{
  char q[48];
  snprintf(q, sizeof q, "FETCH FORWARD %d FROM rl_export", n);
  PGresult *r = PQexec(c->conn, q);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    *out = NULL;
    return failed(c->conn, r, "cursor fetch");
  }
  *out = r;
  return RL_OK;
}

void store_cursor_close(struct store_cursor *c)
{
  if (c == NULL)
    return;
  /* Closing the connection ends the transaction and the cursor with it:
   * the server rolls a read-only transaction back when its client goes. */
  if (c->conn)
    PQfinish(c->conn);
  free(c);
  atomic_fetch_sub(&g_open, 1);
}
