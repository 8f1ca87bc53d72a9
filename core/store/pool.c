/* Per-thread libpq connections, statement preparation, transactions and
 * error mapping. */
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
/* Set once any thread lost a connection or could not open one: a thread
 * that opens its first connection after that is reconnecting too (the
 * threads share one database). */
static atomic_int g_outage;

static _Thread_local PGconn *tl_conn;
static _Thread_local int tl_lost;
static _Thread_local struct timespec tl_last_failure;
static _Thread_local const struct store_violation *tl_violation;

/* A thread that failed to connect does not try again for this long, so a
 * database outage costs clients a fast 503, not a connect timeout each. */
#define RECONNECT_BACKOFF_MS 200
/* How many times store_tx_run runs a function that keeps meeting
 * serialization failures or deadlocks. */
#define TX_ATTEMPTS 8
/* Commands waiting to go out with the next statement: BEGIN, a savepoint
 * and deferred statements. */
#define PENDING_MAX 16

/* A command queued for the next pipeline. */
struct pending {
  int prepared; /* 1: a prepared statement's name; 0: a utility command */
  char *text;
  int nparams;
  char **params;
  int is_mark; /* the SAVEPOINT of store_tx_mark */
};

/* This thread's transaction, while store_tx_run runs. */
struct tx_state {
  int depth;  /* 1 inside store_tx_run */
  int nested; /* how many store_tx_run calls joined it: their COMMIT is the outer one's */
  enum store_isolation isolation;
  int sent;      /* BEGIN reached the server */
  int aborted;   /* a statement failed: only ROLLBACK (or to the mark) helps */
  int err;       /* what every call returns once aborted */
  int retry;     /* the failure was a serialization failure or deadlock */
  int committed; /* COMMIT went out with a statement (store_tx_commit_next) */
  int commit_next;
  int mark_sent;
  struct pending q[PENDING_MAX];
  int nq;
};
static _Thread_local struct tx_state tl_tx;

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

unsigned long store_pool_reconnects(void) { return atomic_load(&g_reconnects); }

/* Which run-time statements this thread's connection has prepared (see
 * shaped_prepare); forgotten with the connection. */
#define SHAPED_MAX 320 /* every shape of the device and part lists */
static _Thread_local char tl_shaped[SHAPED_MAX][40];
static _Thread_local int tl_shaped_n;

void store_pool_close_thread(void)
{
  if (tl_conn != NULL) {
    PQfinish(tl_conn);
    tl_conn = NULL;
    pthread_setspecific(g_key, NULL);
  }
  /* A new connection may get the old one's address: the cache must not
   * outlive its connection. */
  tl_shaped_n = 0;
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
        rl_log(RL_LOG_ERROR, "prepare", "statement %s: %s", s->name, PQresultErrorMessage(r));
      PQclear(r);
      if (!ok)
        return -1;
    }
  }
  return 0;
}

static void conn_lost(void)
{
  store_pool_close_thread();
  tl_lost = 1;
  atomic_store(&g_outage, 1);
}

/* This thread's connection, opened if needed, and checked before use: a
 * connection the server closed while it sat idle (a restart, a terminated
 * backend) has its end of file waiting in the socket, and reading it costs
 * no round trip. Nothing has been sent on it, so replacing it is safe. */
static PGconn *conn_get(void)
{
  if (tl_conn != NULL && PQstatus(tl_conn) == CONNECTION_OK && PQconsumeInput(tl_conn) == 1 &&
      PQstatus(tl_conn) == CONNECTION_OK)
    return tl_conn;
  if (tl_conn != NULL)
    conn_lost();
  if ((tl_last_failure.tv_sec != 0 || tl_last_failure.tv_nsec != 0) &&
      ms_since(&tl_last_failure) < RECONNECT_BACKOFF_MS)
    return NULL;

  const char *keys[] = {"dbname",  "connect_timeout", "application_name",
                        "options", "keepalives_idle", NULL};
  const char *vals[] = {
      g_url ? g_url : "", "3", "repaird", "-c statement_timeout=30000 -c TimeZone=UTC", "30", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (c == NULL || PQstatus(c) != CONNECTION_OK) {
    rl_log(RL_LOG_WARN, "db_connect", "%s", c ? PQerrorMessage(c) : "out of memory");
    if (c)
      PQfinish(c);
    clock_gettime(CLOCK_MONOTONIC, &tl_last_failure);
    tl_lost = 1;
    atomic_store(&g_outage, 1);
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
  if (tl_lost || atomic_load(&g_outage))
    atomic_fetch_add(&g_reconnects, 1);
  tl_lost = 0;
  tl_conn = c;
  pthread_setspecific(g_key, c);
  return c;
}

/* An export's connection: plans for whole results, and is ended by the
 * server if its client stops asking for a minute inside a transaction. */
static const char own_options[] =
    "-c statement_timeout=30000 -c TimeZone=UTC -c cursor_tuple_fraction=1"
    " -c idle_in_transaction_session_timeout=60000";

PGconn *store_pool_connect_own(void)
{
  const char *keys[] = {"dbname", "connect_timeout", "application_name", "options", NULL};
  const char *vals[] = {g_url ? g_url : "", "3", "repaird-export", own_options, NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (c == NULL || PQstatus(c) != CONNECTION_OK) {
    rl_log(RL_LOG_WARN, "db_connect", "%s", c ? PQerrorMessage(c) : "out of memory");
    if (c)
      PQfinish(c);
    return NULL;
  }
  PQsetNoticeReceiver(c, silent_notice, NULL);
  return c;
}

static int map_sqlstate(const char *state)
{
  if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
    return RL_ERETRY;
  if (strcmp(state, "23505") == 0)
    return RL_EDUPLICATE;
  if (strcmp(state, "23503") == 0)
    return RL_EUNPROCESSABLE;
  if (strcmp(state, "55P03") == 0)
    return RL_ECONFLICT;
  if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
    return RL_EINVALID;
  if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 || strcmp(state, "53300") == 0)
    return RL_EUNAVAILABLE;
  return RL_EDB;
}

static const struct store_violation *find_violation(const char *name)
{
  for (size_t g = 0; store_violation_groups[g] != NULL; g++)
    for (const struct store_violation *v = store_violation_groups[g]; v->constraint; v++)
      if (strcmp(v->constraint, name) == 0)
        return v;
  return NULL;
}

/* The code for a failed result, remembering the declared violation if it
 * is one. A failure with no SQLSTATE is the connection's. */
static int result_error(const PGresult *r, const char *what)
{
  const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  if (st == NULL)
    return RL_EUNAVAILABLE;
  const char *cn = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
  char name[160] = "";
  if (cn != NULL) {
    snprintf(name, sizeof name, "%s", cn);
  } else if (strcmp(st, "23502") == 0) {
    const char *t = PQresultErrorField(r, PG_DIAG_TABLE_NAME);
    const char *c = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
    snprintf(name, sizeof name, "%s.%s", t ? t : "", c ? c : "");
  }
  const struct store_violation *v = name[0] ? find_violation(name) : NULL;
  if (v != NULL) {
    tl_violation = v;
    return v->err;
  }
  int err = map_sqlstate(st);
  /* The primary message and the SQLSTATE only: the full message's DETAIL
   * may quote a row ("Failing row contains …"), personal data included. */
  if (err == RL_EDB) {
    const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    rl_log(RL_LOG_ERROR, "db_error", "%s: %s (SQLSTATE %s)", what, primary ? primary : "?",
           st ? st : "?");
  }
  return err;
}

const struct store_violation *store_last_violation(void) { return tl_violation; }

static unsigned stmt_flags(const char *name)
{
  for (size_t g = 0; store_statement_groups[g] != NULL; g++)
    for (const struct store_stmt *s = store_statement_groups[g]; s->name != NULL; s++)
      if (strcmp(s->name, name) == 0)
        return s->flags;
  return 0;
}

/* ---- pipelines: several commands, one round trip ---- */

struct query {
  int prepared;
  const char *text;
  int nparams;
  const char *const *params;
};

/* Sends the queries in one pipeline and reads their results. *out gets the
 * result of queries[keep] (if keep >= 0 and it succeeded). Returns RL_OK,
 * or the code of the first failure with *failed_at its index. */
static int pipeline(PGconn *c, PGresult **out, const struct query *qs, int n, int keep,
                    int *failed_at)
{
  *failed_at = -1;
  if (!PQenterPipelineMode(c))
    return RL_EUNAVAILABLE;
  int rc = RL_OK, sent = 1;
  for (int i = 0; i < n && sent; i++)
    sent = qs[i].prepared
               ? PQsendQueryPrepared(c, qs[i].text, qs[i].nparams, qs[i].params, NULL, NULL, 0)
               : PQsendQueryParams(c, qs[i].text, 0, NULL, NULL, NULL, NULL, 0);
  if (!sent || !PQpipelineSync(c) || PQflush(c) != 0) {
    *failed_at = 0;
    return RL_EUNAVAILABLE;
  }
  for (int i = 0; i < n; i++) {
    PGresult *r = PQgetResult(c);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
      if (i == keep && out)
        *out = r;
      else
        PQclear(r);
    } else {
      if (st != PGRES_PIPELINE_ABORTED && rc == RL_OK) {
        rc = result_error(r, qs[i].text);
        *failed_at = i;
      }
      PQclear(r);
    }
    if (r == NULL || PQstatus(c) != CONNECTION_OK) {
      if (rc == RL_OK) {
        rc = RL_EUNAVAILABLE;
        *failed_at = i;
      }
      return rc;
    }
    PGresult *end = PQgetResult(c); /* NULL: the end of this query's results */
    PQclear(end);
  }
  PGresult *sync = PQgetResult(c);
  PQclear(sync);
  PQexitPipelineMode(c);
  return rc;
}

/* One prepared statement, no pipeline needed. */
static int exec_one(PGconn *c, PGresult **out, const char *stmt, int nparams,
                    const char *const *params)
{
  PGresult *r = PQexecPrepared(c, stmt, nparams, params, NULL, NULL, 0);
  ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
    *out = r;
    return RL_OK;
  }
  int err = result_error(r, stmt);
  PQclear(r);
  return err;
}

/* ---- transactions ---- */

static const char *const begin_sql[] = {
    "BEGIN ISOLATION LEVEL READ COMMITTED",
    "BEGIN ISOLATION LEVEL REPEATABLE READ",
    "BEGIN ISOLATION LEVEL SERIALIZABLE",
};

static void pending_free(struct pending *p)
{
  for (int i = 0; i < p->nparams; i++)
    free(p->params[i]);
  free(p->params);
  if (p->prepared)
    free(p->text);
  memset(p, 0, sizeof *p);
}

static void pending_clear(void)
{
  for (int i = 0; i < tl_tx.nq; i++)
    pending_free(&tl_tx.q[i]);
  tl_tx.nq = 0;
}

static int pending_add(int prepared, const char *text, int nparams, const char *const *params,
                       int is_mark)
{
  if (tl_tx.nq == PENDING_MAX)
    return RL_ENOMEM;
  struct pending *p = &tl_tx.q[tl_tx.nq];
  memset(p, 0, sizeof *p);
  p->prepared = prepared;
  p->is_mark = is_mark;
  p->text = prepared ? strdup(text) : (char *)text;
  p->params = nparams ? calloc((size_t)nparams, sizeof *p->params) : NULL;
  p->nparams = nparams;
  int ok = p->text != NULL && (nparams == 0 || p->params != NULL);
  for (int i = 0; ok && i < nparams; i++)
    if (params[i] != NULL && (p->params[i] = strdup(params[i])) == NULL)
      ok = 0;
  if (!ok) {
    pending_free(p);
    return RL_ENOMEM;
  }
  tl_tx.nq++;
  return RL_OK;
}

static int tx_fail(int err)
{
  tl_tx.aborted = 1;
  tl_tx.err = err;
  if (err == RL_ERETRY)
    tl_tx.retry = 1;
  return err;
}

/* Sends what is pending, then stmt (if any), then COMMIT if asked, in one
 * pipeline on the transaction's connection. */
static int tx_send(PGresult **out, const char *stmt, int nparams, const char *const *params,
                   int commit)
{
  if (tl_tx.aborted)
    return tl_tx.err;
  PGconn *c;
  if (!tl_tx.sent) {
    c = conn_get(); /* nothing of this transaction went out yet: may reconnect */
    if (c == NULL)
      return tx_fail(RL_EUNAVAILABLE);
  } else {
    c = tl_conn;
    if (c == NULL || PQstatus(c) != CONNECTION_OK)
      return tx_fail(RL_EUNAVAILABLE);
  }
  struct query qs[PENDING_MAX + 3];
  int n = 0, keep = -1;
  if (!tl_tx.sent)
    qs[n++] = (struct query){0, begin_sql[tl_tx.isolation], 0, NULL};
  for (int i = 0; i < tl_tx.nq; i++)
    qs[n++] = (struct query){tl_tx.q[i].prepared, tl_tx.q[i].text, tl_tx.q[i].nparams,
                             (const char *const *)tl_tx.q[i].params};
  if (stmt) {
    keep = n;
    qs[n++] = (struct query){1, stmt, nparams, params};
  }
  if (commit)
    qs[n++] = (struct query){0, "COMMIT", 0, NULL};
  int failed_at = -1;
  int rc = n == 1 && keep == 0 ? exec_one(c, out, stmt, nparams, params)
                               : pipeline(c, out, qs, n, keep, &failed_at);
  /* The mark is set only if its SAVEPOINT ran: a failure before it skips it. */
  int first = tl_tx.sent ? 0 : 1;
  for (int i = 0; i < tl_tx.nq; i++)
    if (tl_tx.q[i].is_mark && (failed_at < 0 || failed_at > first + i))
      tl_tx.mark_sent = 1;
  pending_clear();
  tl_tx.sent = 1;
  if (rc != RL_OK && out != NULL && *out != NULL) { /* the kept result of a failed batch */
    PQclear(*out);
    *out = NULL;
  }
  if (rc == RL_OK) {
    if (commit)
      tl_tx.committed = 1;
    return RL_OK;
  }
  if (rc == RL_EUNAVAILABLE || PQstatus(c) != CONNECTION_OK) {
    conn_lost();
    /* Without COMMIT the server rolls the transaction back when the
     * connection goes; with it, nobody can tell. */
    return tx_fail(commit ? RL_EINDOUBT : RL_EUNAVAILABLE);
  }
  return tx_fail(rc);
}

static void tx_rollback(void)
{
  pending_clear();
  if (!tl_tx.sent || tl_conn == NULL)
    return;
  PGresult *r = PQexec(tl_conn, "ROLLBACK");
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    conn_lost();
  PQclear(r);
}

static int tx_finish(int rc)
{
  if (tl_tx.committed)
    return rc;
  if (rc == RL_OK && !tl_tx.aborted) {
    if (!tl_tx.sent && tl_tx.nq == 0)
      return RL_OK; /* nothing was done */
    int sent = tx_send(NULL, NULL, 0, NULL, 1);
    if (sent != RL_OK)
      tx_rollback(); /* a live connection must not stay in the aborted transaction */
    return sent;
  }
  tx_rollback();
  return rc == RL_OK ? tl_tx.err : rc;
}

static void backoff(int attempt)
{
  /* Growing and a little random, so two retrying clients part ways. */
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  struct timespec t = {0, (long)(attempt + 1) * 1000000L + (now.tv_nsec % 1000) * 1000L};
  nanosleep(&t, NULL);
}

int store_tx_run(enum store_isolation isolation, int (*fn)(void *ctx), void *ctx)
{
  if (tl_tx.depth > 0) {
    tl_tx.nested++;
    int rc = fn(ctx);
    tl_tx.nested--;
    return rc;
  }
  int rc = RL_ERETRY;
  for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
    memset(&tl_tx, 0, sizeof tl_tx);
    tl_tx.depth = 1;
    tl_tx.isolation = isolation;
    rc = fn(ctx);
    rc = tx_finish(rc);
    int again = tl_tx.retry || rc == RL_ERETRY;
    pending_clear();
    memset(&tl_tx, 0, sizeof tl_tx);
    if (!again)
      return rc;
    rc = RL_ERETRY;
    backoff(attempt);
  }
  return rc;
}

int store_tx_active(void) { return tl_tx.depth > 0; }

void store_tx_commit_next(void)
{
  /* A joined function's last statement is not the transaction's last. */
  if (tl_tx.depth > 0 && tl_tx.nested == 0)
    tl_tx.commit_next = 1;
}

void store_tx_mark(void)
{
  if (tl_tx.depth == 0)
    return;
  tl_tx.mark_sent = 0;
  if (pending_add(0, "SAVEPOINT rl_mark", 0, NULL, 1) != RL_OK)
    tx_fail(RL_ENOMEM);
}

int store_tx_rollback_to_mark(void)
{
  if (tl_tx.depth == 0)
    return RL_OK;
  if (tl_tx.retry)
    return RL_ERETRY;
  for (int i = 0; i < tl_tx.nq; i++) {
    if (tl_tx.q[i].is_mark) { /* never sent: drop it and what came after */
      for (int j = i; j < tl_tx.nq; j++)
        pending_free(&tl_tx.q[j]);
      tl_tx.nq = i;
      return tl_tx.aborted ? tl_tx.err : RL_OK;
    }
  }
  if (!tl_tx.mark_sent || tl_conn == NULL)
    return tl_tx.aborted ? tl_tx.err : RL_OK;
  pending_clear();
  PGresult *r = PQexec(tl_conn, "ROLLBACK TO SAVEPOINT rl_mark");
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    conn_lost();
    return tx_fail(RL_EUNAVAILABLE);
  }
  tl_tx.aborted = 0;
  tl_tx.err = RL_OK;
  return RL_OK;
}

int store_exec_deferred(const char *stmt, int nparams, const char *const *params)
{
  if (tl_tx.depth == 0)
    return RL_EDB;
  return pending_add(1, stmt, nparams, params, 0);
}

/* ---- single statements ---- */

int store_exec(PGresult **out, const char *stmt, int nparams, const char *const *params)
{
  *out = NULL;
  tl_violation = NULL;
  if (tl_tx.depth > 0) {
    int commit = tl_tx.commit_next;
    tl_tx.commit_next = 0;
    return tx_send(out, stmt, nparams, params, commit);
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    PGconn *c = conn_get();
    if (c == NULL)
      return RL_EUNAVAILABLE;
    int err = exec_one(c, out, stmt, nparams, params);
    if (err == RL_OK)
      return RL_OK;
    /* The server went away: either libpq noticed, or the server said so
     * (57P01 admin shutdown) before closing. The statement was sent, so
     * only one that may run twice is sent again. */
    if (PQstatus(c) != CONNECTION_OK || err == RL_EUNAVAILABLE) {
      conn_lost();
      if (!(stmt_flags(stmt) & STORE_RETRY_SAFE))
        return RL_EINDOUBT;
      if (attempt == 0)
        continue;
      return RL_EUNAVAILABLE;
    }
    return err;
  }
  return RL_EUNAVAILABLE;
}

/* Prepares a run-time statement on this thread's connection c the first
 * time it is used there (tl_shaped, emptied with the connection). */
static int shaped_prepare(PGconn *c, const char *name, const char *sql)
{
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
  if (tl_tx.depth > 0) { /* inside a transaction: prepared, then sent like any other */
    if (tl_tx.aborted)
      return tl_tx.err;
    /* Once the transaction went out, its connection is the only one. */
    PGconn *c = tl_tx.sent ? tl_conn : conn_get();
    if (c == NULL || PQstatus(c) != CONNECTION_OK)
      return tx_fail(RL_EUNAVAILABLE);
    int rc = shaped_prepare(c, name, sql);
    return rc == RL_OK ? store_exec(out, name, nparams, params) : tx_fail(rc);
  }
  /* A read: when the connection is lost on the way, prepare again on the
   * fresh one and send it once more. */
  for (int attempt = 0; attempt < 2; attempt++) {
    PGconn *c = conn_get();
    if (c == NULL)
      return RL_EUNAVAILABLE;
    int rc = shaped_prepare(c, name, sql);
    if (rc != RL_OK)
      return rc;
    rc = exec_one(c, out, name, nparams, params);
    if (rc == RL_OK)
      return RL_OK;
    if (PQstatus(c) == CONNECTION_OK && rc != RL_EUNAVAILABLE)
      return rc;
    conn_lost();
  }
  return RL_EUNAVAILABLE;
}

int store_exec_cmd(const char *stmt, int nparams, const char *const *params)
{
  PGresult *r;
  int rc = store_exec(&r, stmt, nparams, params);
  PQclear(r);
  return rc;
}

int store_ping(void) { return store_exec_cmd("ping", 0, NULL); }
