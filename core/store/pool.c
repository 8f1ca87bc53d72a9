/* Per-thread libpq connections, statement preparation and error mapping. */
#include "core/store/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/store/statements.h"

static char *g_url;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static atomic_ulong g_reconnects;

static _Thread_local PGconn *tl_conn;
static _Thread_local int tl_lost;
static _Thread_local struct timespec tl_last_failure;
static _Thread_local char tl_sqlstate[6];
static _Thread_local char tl_constraint[64];

/* A thread that failed to connect does not try again for this long, so a
 * database outage costs clients a fast 503, not a connect timeout each. */
#define RECONNECT_BACKOFF_MS 200

static void close_on_thread_exit(void *conn)
{
  if (conn != NULL)
    PQfinish(conn);
}

static void make_key(void) { pthread_key_create(&g_key, close_on_thread_exit); }

void store_pool_init(const char *database_url)
{
  pthread_once(&g_once, make_key);
  free(g_url);
  g_url = strdup(database_url ? database_url : "");
}

unsigned long store_pool_reconnects(void)
{
  return atomic_load(&g_reconnects);
}

void store_pool_close_thread(void)
{
  if (tl_conn != NULL) {
    PQfinish(tl_conn);
    tl_conn = NULL;
    pthread_setspecific(g_key, NULL);
  }
}

static long ms_since(const struct timespec *t)
{
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void silent_notice(void *arg, const PGresult *res)
{
  (void)arg;
  (void)res;
}

static int prepare_all(PGconn *conn)
{
  for (size_t g = 0; store_statement_groups[g] != NULL; g++) {
    for (const struct store_stmt *s = store_statement_groups[g]; s->name != NULL; s++) {
      PGresult *r = PQprepare(conn, s->name, s->sql, 0, NULL);
      int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      if (!ok)
        rl_log(RL_LOG_ERROR, "prepare", "statement %s: %s", s->name,
               PQresultErrorMessage(r));
      PQclear(r);
      if (!ok)
        return -1;
    }
  }
  return 0;
}

static PGconn *conn_get(void)
{
  if (tl_conn != NULL && PQstatus(tl_conn) == CONNECTION_OK)
    return tl_conn;
  store_pool_close_thread();
  if ((tl_last_failure.tv_sec != 0 || tl_last_failure.tv_nsec != 0) &&
      ms_since(&tl_last_failure) < RECONNECT_BACKOFF_MS)
    return NULL;

  const char *keys[] = {"dbname", "connect_timeout", "application_name", "options",
                        "keepalives_idle", NULL};
  const char *vals[] = {g_url ? g_url : "", "3", "repaird",
                        "-c statement_timeout=30000 -c TimeZone=UTC", "30", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (c == NULL || PQstatus(c) != CONNECTION_OK) {
    rl_log(RL_LOG_WARN, "db_connect", "%s",
           c ? PQerrorMessage(c) : "out of memory");
    if (c)
      PQfinish(c);
    clock_gettime(CLOCK_MONOTONIC, &tl_last_failure);
    tl_lost = 1;
    return NULL;
  }
  PQsetNoticeReceiver(c, silent_notice, NULL);
  if (prepare_all(c) != 0) {
    PQfinish(c);
    clock_gettime(CLOCK_MONOTONIC, &tl_last_failure);
    return NULL;
  }
  tl_last_failure.tv_sec = 0;
  tl_last_failure.tv_nsec = 0;
  if (tl_lost)
    atomic_fetch_add(&g_reconnects, 1);
  tl_lost = 0;
  tl_conn = c;
  pthread_setspecific(g_key, c);
  return c;
}

static int map_sqlstate(const char *state)
{
  if (strcmp(state, "23505") == 0)
    return RL_EDUPLICATE;
  if (strcmp(state, "23503") == 0)
    return RL_EUNPROCESSABLE;
  if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
      strcmp(state, "55P03") == 0)
    return RL_ECONFLICT;
  if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
    return RL_EINVALID;
  if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
      strcmp(state, "53300") == 0)
    return RL_EUNAVAILABLE;
  return RL_EDB;
}

static void remember_error(const PGresult *r)
{
  const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *cn = r ? PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME) : NULL;
  snprintf(tl_sqlstate, sizeof tl_sqlstate, "%s", st ? st : "");
  snprintf(tl_constraint, sizeof tl_constraint, "%s", cn ? cn : "");
}

const char *store_last_sqlstate(void) { return tl_sqlstate; }
const char *store_last_constraint(void) { return tl_constraint; }

int store_exec(PGresult **out, const char *stmt, int nparams, const char *const *params)
{
  *out = NULL;
  tl_sqlstate[0] = '\0';
  tl_constraint[0] = '\0';
  /* A connection that broke while idle (database restarted) is only noticed
   * on use; the statement never reached the server, so one retry on a fresh
   * connection is safe. */
  for (int attempt = 0; attempt < 2; attempt++) {
    PGconn *c = conn_get();
    if (c == NULL)
      return RL_EUNAVAILABLE;
    PGresult *r = PQexecPrepared(c, stmt, nparams, params, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      *out = r;
      return RL_OK;
    }
    remember_error(r);
    int err = map_sqlstate(tl_sqlstate);
    /* The server went away: either libpq noticed, or the server said so
     * (57P01 admin shutdown) before closing. */
    if (PQstatus(c) != CONNECTION_OK || err == RL_EUNAVAILABLE) {
      PQclear(r);
      store_pool_close_thread();
      tl_lost = 1;
      if (attempt == 0)
        continue;
      return RL_EUNAVAILABLE;
    }
    if (err == RL_EDB)
      rl_log(RL_LOG_ERROR, "db_error", "%s: %s", stmt, PQresultErrorMessage(r));
    PQclear(r);
    return err;
  }
  return RL_EUNAVAILABLE;
}

/* Names prepared on first use on this thread's connection (tl_shaped_conn);
 * forgotten when the connection is replaced. */
#define SHAPED_MAX 256 /* every shape of the device list (8 optional filters) */
static _Thread_local PGconn *tl_shaped_conn;
static _Thread_local char tl_shaped[SHAPED_MAX][40];
static _Thread_local int tl_shaped_n;

static int shaped_prepare(const char *name, const char *sql)
{
  PGconn *c = conn_get();
  if (c == NULL)
    return RL_EUNAVAILABLE;
  if (c != tl_shaped_conn) {
    tl_shaped_conn = c;
    tl_shaped_n = 0;
  }
  for (int i = 0; i < tl_shaped_n; i++)
    if (strcmp(tl_shaped[i], name) == 0)
      return RL_OK;
  if (tl_shaped_n == SHAPED_MAX) {
    rl_log(RL_LOG_ERROR, "prepare", "more than %d statement shapes", SHAPED_MAX);
    return RL_EDB;
  }
  PGresult *r = PQprepare(c, name, sql, 0, NULL);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok)
    rl_log(RL_LOG_ERROR, "prepare", "statement %s: %s", name, PQresultErrorMessage(r));
  PQclear(r);
  if (!ok)
    return PQstatus(c) == CONNECTION_OK ? RL_EDB : RL_EUNAVAILABLE;
  snprintf(tl_shaped[tl_shaped_n++], sizeof tl_shaped[0], "%s", name);
  return RL_OK;
}

int store_exec_shaped(PGresult **out, const char *name, const char *sql, int nparams,
                      const char *const *params)
{
  *out = NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    int rc = shaped_prepare(name, sql);
    if (rc != RL_OK)
      return rc;
    rc = store_exec(out, name, nparams, params);
    /* 26000: the connection was replaced during store_exec's own retry and
     * the new one has not prepared this shape yet. */
    if (rc != RL_EDB || strcmp(tl_sqlstate, "26000") != 0)
      return rc;
    tl_shaped_conn = NULL;
  }
  return RL_EDB;
}

int store_exec_cmd(const char *stmt, int nparams, const char *const *params)
{
  PGresult *r;
  int rc = store_exec(&r, stmt, nparams, params);
  PQclear(r);
  return rc;
}

const char *store_value(const PGresult *res, int row, int col)
{
  if (PQgetisnull(res, row, col))
    return NULL;
  return PQgetvalue(res, row, col);
}

int store_ping(void) { return store_exec_cmd("ping", 0, NULL); }

json_t *store_json_str(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_stringn(v, (size_t)PQgetlength(res, row, col)) : json_null();
}

json_t *store_json_time(const PGresult *res, int row, int col)
{
  /* With TimeZone=UTC the text form is "2026-11-29 07:14:52.123456+00". */
  const char *v = store_value(res, row, col);
  if (v == NULL)
    return json_null();
  char buf[48];
  size_t n = strlen(v);
  if (n >= sizeof buf - 1)
    return json_string(v);
  memcpy(buf, v, n + 1);
  if (n > 10 && buf[10] == ' ')
    buf[10] = 'T';
  if (n > 3 && strcmp(buf + n - 3, "+00") == 0)
    strcpy(buf + n - 3, "Z");
  return json_string(buf);
}

json_t *store_json_int(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_integer(strtoll(v, NULL, 10)) : json_null();
}

json_t *store_json_num(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_real(strtod(v, NULL)) : json_null();
}

json_t *store_json_bool(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_boolean(v[0] == 't') : json_null();
}
