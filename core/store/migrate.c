/* Migration runner. A migration may load a CSV file that is built into the
 * binary with a psql-style line:
 *   \copy TABLE FROM 'data/file.csv' WITH (FORMAT csv, HEADER true)
 * so the same file also runs under `psql -f` from the sql/ folder. */
#include "core/store/migrate.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embedded.h"
#include "core/error.h"

#define MIGRATION_LOCK_ID "7306195"

static PGconn *connect_db(const char *url, char *err, size_t errlen)
{
  const char *keys[] = {"dbname", "connect_timeout", "application_name", "options", NULL};
  const char *vals[] = {url ? url : "", "5", "repaird-migrate", "-c TimeZone=UTC", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (c == NULL || PQstatus(c) != CONNECTION_OK) {
    snprintf(err, errlen, "cannot connect to the database: %s",
             c ? PQerrorMessage(c) : "out of memory");
    PQfinish(c);
    return NULL;
  }
  return c;
}

static int run(PGconn *c, const char *sql, char *err, size_t errlen)
{
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok)
    snprintf(err, errlen, "%s", PQresultErrorMessage(r));
  PQclear(r);
  return ok ? RL_OK : RL_EDB;
}

static int is_migration(const char *path)
{
  /* sql/NNNN_name.sql */
  if (strncmp(path, "sql/", 4) != 0 || strchr(path + 4, '/') != NULL)
    return 0;
  size_t n = strlen(path);
  return n > 13 && strcmp(path + n - 4, ".sql") == 0 && path[8] == '_';
}

static int cmp_files(const void *a, const void *b)
{
  const struct rl_embedded_file *const *fa = a, *const *fb = b;
  return strcmp((*fa)->path, (*fb)->path);
}

/* Migrations in order; *n set. Caller frees the array. */
static const struct rl_embedded_file **list_migrations(size_t *n)
{
  size_t count = 0;
  for (const struct rl_embedded_file *f = rl_embedded_files; f->path; f++)
    count += (size_t)is_migration(f->path);
  /* An array of pointers, sized by their type: clang-tidy takes `sizeof *v`
   * (a pointer to a struct) for a slip. */
  const struct rl_embedded_file **v = calloc(count + 1, sizeof(const struct rl_embedded_file *));
  if (v == NULL)
    return NULL;
  size_t i = 0;
  for (const struct rl_embedded_file *f = rl_embedded_files; f->path; f++)
    if (is_migration(f->path))
      v[i++] = f;
  qsort(v, count, sizeof(const struct rl_embedded_file *), cmp_files);
  *n = count;
  return v;
}

/* Feeds the embedded CSV named in a \copy line to COPY … FROM STDIN. */
static int run_copy(PGconn *c, const char *line, size_t len, char *err, size_t errlen)
{
  char buf[512];
  if (len >= sizeof buf) {
    snprintf(err, errlen, "\\copy line too long");
    return RL_EDB;
  }
  memcpy(buf, line, len);
  buf[len] = '\0';
  char *q1 = strchr(buf, '\'');
  char *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
  char *from = strstr(buf, " FROM ");
  if (q1 == NULL || q2 == NULL || from == NULL || from > q1) {
    snprintf(err, errlen, "cannot read \\copy line: %s", buf);
    return RL_EDB;
  }
  *q2 = '\0';
  char path[256];
  snprintf(path, sizeof path, "sql/%s", q1 + 1);
  const struct rl_embedded_file *f = rl_embedded_find(path);
  if (f == NULL) {
    snprintf(err, errlen, "\\copy names %s, which is not built in", path);
    return RL_EDB;
  }
  *from = '\0';
  char sql[700];
  snprintf(sql, sizeof sql, "COPY %s FROM STDIN %s", buf + strlen("\\copy "), q2 + 1);
  PGresult *r = PQexec(c, sql);
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    snprintf(err, errlen, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return RL_EDB;
  }
  PQclear(r);
  if (PQputCopyData(c, (const char *)f->data, (int)f->len) != 1 || PQputCopyEnd(c, NULL) != 1) {
    snprintf(err, errlen, "%s", PQerrorMessage(c));
    return RL_EDB;
  }
  int rc = RL_OK;
  while ((r = PQgetResult(c)) != NULL) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      snprintf(err, errlen, "%s", PQresultErrorMessage(r));
      rc = RL_EDB;
    }
    PQclear(r);
  }
  return rc;
}

/* Runs a migration's text: SQL between \copy lines goes to PQexec as is. */
static int run_migration_text(PGconn *c, const char *text, char *err, size_t errlen)
{
  size_t n = strlen(text);
  char *chunk = malloc(n + 1);
  if (chunk == NULL)
    return RL_ENOMEM;
  size_t clen = 0;
  const char *p = text;
  int rc = RL_OK;
  while (*p && rc == RL_OK) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (strncmp(p, "\\copy ", 6) == 0) {
      chunk[clen] = '\0';
      if (clen > 0)
        rc = run(c, chunk, err, errlen);
      clen = 0;
      if (rc == RL_OK)
        rc = run_copy(c, p, len, err, errlen);
    } else {
      memcpy(chunk + clen, p, len);
      clen += len;
      chunk[clen++] = '\n';
    }
    p += len + (eol ? 1 : 0);
  }
  chunk[clen] = '\0';
  if (rc == RL_OK && clen > 0)
    rc = run(c, chunk, err, errlen);
  free(chunk);
  return rc;
}

static const char create_table[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                   " version integer PRIMARY KEY, name text NOT NULL,"
                                   " applied_at timestamptz NOT NULL DEFAULT now())";

static int is_applied(PGconn *c, const char *version, int *applied, char *err, size_t errlen)
{
  const char *params[] = {version};
  PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE version = $1::int", 1, NULL,
                             params, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    snprintf(err, errlen, "%s", PQresultErrorMessage(r));
    PQclear(r);
    return RL_EDB;
  }
  *applied = PQntuples(r) > 0;
  PQclear(r);
  return RL_OK;
}

int store_migrate_apply(const char *url, char *err, size_t errlen)
{
  PGconn *c = connect_db(url, err, errlen);
  if (c == NULL)
    return RL_EUNAVAILABLE;
  size_t n = 0;
  const struct rl_embedded_file **v = list_migrations(&n);
  int rc = v ? RL_OK : RL_ENOMEM;
  PQsetNoticeProcessor(c, NULL, NULL);
  if (rc == RL_OK)
    rc = run(c, "SET client_min_messages = warning", err, errlen);
  if (rc == RL_OK)
    rc = run(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK_ID ")", err, errlen);
  if (rc == RL_OK)
    rc = run(c, create_table, err, errlen);
  for (size_t i = 0; rc == RL_OK && i < n; i++) {
    const char *name = v[i]->path + 4;
    char version[5];
    memcpy(version, name, 4);
    version[4] = '\0';
    int applied = 0;
    rc = is_applied(c, version, &applied, err, errlen);
    if (rc != RL_OK || applied)
      continue;
    rc = run(c, "BEGIN", err, errlen);
    if (rc == RL_OK)
      rc = run_migration_text(c, (const char *)v[i]->data, err, errlen);
    if (rc == RL_OK) {
      const char *params[] = {version, name};
      PGresult *r =
          PQexecParams(c, "INSERT INTO schema_migrations (version, name) VALUES ($1::int, $2)", 2,
                       NULL, params, NULL, NULL, 0);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        snprintf(err, errlen, "%s", PQresultErrorMessage(r));
        rc = RL_EDB;
      }
      PQclear(r);
    }
    if (rc == RL_OK)
      rc = run(c, "COMMIT", err, errlen);
    if (rc == RL_OK) {
      printf("applied %s\n", name);
    } else {
      char tmp[512];
      snprintf(tmp, sizeof tmp, "%s: %s", name, err);
      snprintf(err, errlen, "%s", tmp);
      PGresult *r = PQexec(c, "ROLLBACK");
      PQclear(r);
    }
  }
  PGresult *r = PQexec(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_ID ")");
  PQclear(r);
  free(v);
  PQfinish(c);
  return rc;
}

int store_migrate_pending(const char *url, int *count, char *out, size_t cap)
{
  *count = 0;
  out[0] = '\0';
  PGconn *c = connect_db(url, out, cap);
  if (c == NULL)
    return RL_EUNAVAILABLE;
  size_t n = 0;
  const struct rl_embedded_file **v = list_migrations(&n);
  int rc = v ? RL_OK : RL_ENOMEM;
  PGresult *r = PQexec(c, "SELECT version FROM schema_migrations");
  int have_table = PQresultStatus(r) == PGRES_TUPLES_OK;
  size_t used = 0;
  for (size_t i = 0; rc == RL_OK && i < n; i++) {
    const char *name = v[i]->path + 4;
    long version = strtol(name, NULL, 10); /* NNNN_what.sql */
    int applied = 0;
    for (int row = 0; have_table && row < PQntuples(r); row++)
      if (strtol(PQgetvalue(r, row, 0), NULL, 10) == version)
        applied = 1;
    if (!applied) {
      (*count)++;
      int w = snprintf(out + used, cap - used, "%s%s", used ? " " : "", name);
      if (w > 0 && (size_t)w < cap - used)
        used += (size_t)w;
    }
  }
  PQclear(r);
  free(v);
  PQfinish(c);
  return rc;
}
