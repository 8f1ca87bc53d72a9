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
  int pending; /* rows asked for by a FETCH sent ahead, not read yet; 0: none */
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

/* Sends the FETCH of the next n rows without waiting for them. */
static int send_fetch(struct store_cursor *c, int n)
{
  char q[48];
  snprintf(q, sizeof q, "FETCH FORWARD %d FROM rl_export", n);
  if (PQsendQuery(c->conn, q) != 1)
    return -1;
  c->pending = n;
  return 0;
}

/* The next batch is asked for as soon as one arrives: the database
 * produces it while the caller formats and sends this one, so that an
 * export runs at the pace of the slower of the two, not of their sum. */
int store_cursor_fetch(struct store_cursor *c, int n, PGresult **out)
{
  *out = NULL;
  if (c->pending == 0 && send_fetch(c, n) != 0)
    return failed(c->conn, NULL, "cursor fetch");
  int asked = c->pending;
  c->pending = 0;
  PGresult *r = PQgetResult(c->conn), *extra;
  while ((extra = PQgetResult(c->conn)) != NULL)
    PQclear(extra);
  if (PQresultStatus(r) != PGRES_TUPLES_OK)
    return failed(c->conn, r, "cursor fetch");
  /* A short batch was the last: nothing more to ask for. */
  if (PQntuples(r) == asked && send_fetch(c, n) != 0) {
    PQclear(r);
    return failed(c->conn, NULL, "cursor fetch");
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
