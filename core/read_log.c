/* The queue of reads of personal data and its writer thread
 * (core/read_log.h). */
#include "core/read_log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/log.h"
#include "core/member.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_read_log.h"

int read_records_add(struct read_records *r, enum privacy_record kind, const char *id)
{
  for (size_t i = 0; i < r->n; i++)
    if (r->kinds[i] == (unsigned char)kind && strcmp(r->ids[i], id) == 0)
      return RL_OK;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 4;
    char **ids = realloc(r->ids, cap * sizeof *ids);
    if (ids != NULL)
      r->ids = ids;
    unsigned char *kinds = ids ? realloc(r->kinds, cap) : NULL;
    if (kinds == NULL) {
      r->failed = 1;
      return RL_ENOMEM;
    }
    r->kinds = kinds;
    r->cap = cap;
  }
  char *copy = strdup(id);
  if (copy == NULL) {
    r->failed = 1;
    return RL_ENOMEM;
  }
  r->ids[r->n] = copy;
  r->kinds[r->n++] = (unsigned char)kind;
  return RL_OK;
}

void read_records_clear(struct read_records *r)
{
  for (size_t i = 0; i < r->n; i++)
    free(r->ids[i]);
  r->n = 0;
  r->failed = 0;
}

void read_records_free(struct read_records *r)
{
  read_records_clear(r);
  free(r->ids);
  free(r->kinds);
  memset(r, 0, sizeof *r);
}

struct entry {
  struct entry *next;
  unsigned long long seq;
  struct timespec queued; /* CLOCK_MONOTONIC: how long it has waited */
  long long at_us;        /* CLOCK_REALTIME: when the reply was built */
  long long key_id;
  char method[16];
  const char *route;
  char request_id[72];
  struct read_records records;
};

/* A flush when this many wait, or when the oldest has waited this long. */
#define BATCH 256
#define BATCH_MAX 1000
#define FLUSH_INTERVAL_MS 100

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake, g_done;
static pthread_t g_thread;
static struct entry *g_head, *g_tail;
/* Entries queued, and places reserved for replies being built: their sum
 * never passes g_max. */
static size_t g_queued, g_reserved, g_max;
static unsigned long long g_pushed_seq, g_written_seq;
static int g_running, g_stop, g_flush;
static struct timespec g_stop_deadline;

static long long ms_between(const struct timespec *a, const struct timespec *b)
{
  return (long long)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void add_ms(struct timespec *t, long long ms)
{
  t->tv_sec += (time_t)(ms / 1000);
  t->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (t->tv_nsec >= 1000000000L) {
    t->tv_sec++;
    t->tv_nsec -= 1000000000L;
  }
}

static void entry_free(struct entry *e)
{
  read_records_free(&e->records);
  free(e);
}

static json_t *ids_of(const struct read_records *r, enum privacy_record kind)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < r->n; i++)
    if (r->kinds[i] == (unsigned char)kind)
      json_array_append_new(a, json_string(r->ids[i]));
  return a;
}

/* The rows of the first n entries from e, as store_read_log_insert takes
 * them; NULL when memory ran out. */
static json_t *rows_of(const struct entry *e, size_t n)
{
  json_t *rows = json_array();
  /* The n-th entry's next is the producers' (they append under the lock,
   * which is not held here): never read it. */
  for (size_t i = 0; rows && e && i < n; i++, e = i < n ? e->next : NULL) {
    json_t *row =
        json_pack("{s:I s:I s:s s:s s:s s:o s:o}", "at_us", (json_int_t)e->at_us, "key_id",
                  (json_int_t)e->key_id, "method", e->method, "route", e->route, "request_id",
                  e->request_id, "devices", ids_of(&e->records, PRIVACY_DEVICE), "members",
                  ids_of(&e->records, PRIVACY_MEMBER));
    if (row == NULL || json_array_append_new(rows, row) != 0) {
      json_decref(rows);
      return NULL;
    }
  }
  return rows;
}

/* Takes the first n entries off the queue (under the lock), as written. */
static void pop(size_t n)
{
  for (size_t i = 0; i < n && g_head; i++) {
    struct entry *e = g_head;
    g_head = e->next;
    if (g_head == NULL)
      g_tail = NULL;
    g_written_seq = e->seq;
    g_queued--;
    entry_free(e);
  }
  pthread_cond_broadcast(&g_done);
}

/* Whether an error says the database could not be reached or the batch
 * may not have been written (try again), rather than that the batch
 * itself is refused. A batch lost in doubt is sent again: an entry may
 * then be recorded twice, never not at all. */
static int transient(int rc)
{
  return rc == RL_EUNAVAILABLE || rc == RL_EINDOUBT || rc == RL_ERETRY || rc == RL_ENOMEM;
}

static void *run(void *arg)
{
  (void)arg;
  unsigned failures = 0;
  int one_by_one = 0;
  pthread_mutex_lock(&g_lock);
  for (;;) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (g_stop && (g_head == NULL || ms_between(&g_stop_deadline, &now) >= 0))
      break;
    int due = g_head != NULL && (g_queued >= BATCH || g_flush || g_stop ||
                                 ms_between(&g_head->queued, &now) >= FLUSH_INTERVAL_MS);
    if (!due) {
      struct timespec until = now;
      add_ms(&until, g_head ? FLUSH_INTERVAL_MS - ms_between(&g_head->queued, &now) : 1000);
      pthread_cond_timedwait(&g_wake, &g_lock, &until);
      continue;
    }
    size_t n = one_by_one ? 1 : g_queued < BATCH_MAX ? g_queued : BATCH_MAX;
    /* Only this thread takes entries off, and others only append: the
     * first n stay where they are while the lock is let go. */
    const struct entry *first = g_head;
    pthread_mutex_unlock(&g_lock);
    json_t *rows = rows_of(first, n);
    int rc = rows ? store_read_log_insert(rows) : RL_ENOMEM;
    json_decref(rows);
    pthread_mutex_lock(&g_lock);
    if (rc == RL_OK) {
      if (failures > 0)
        rl_log(RL_LOG_INFO, "read_log", "writing the read log again after %u failed attempts",
               failures);
      failures = 0;
      if (one_by_one > 0)
        one_by_one--;
      pop(n);
      g_flush = 0;
      continue;
    }
    if (!transient(rc)) {
      if (n > 1) {
        /* One entry refused refuses the batch: find it. */
        one_by_one = (int)n;
        continue;
      }
      rl_log(RL_LOG_ERROR, "read_log", "an entry of the read log (request %s) was refused: %s",
             first->request_id, rl_err_name(rc));
      if (one_by_one > 0)
        one_by_one--;
      pop(1);
      continue;
    }
    if (failures++ == 0)
      rl_log(RL_LOG_WARN, "read_log",
             "cannot write the read log (%s): %zu entries wait; personal replies are refused "
             "once %zu wait",
             rl_err_name(rc), g_queued, g_max);
    /* Back off: 100 ms, doubling to 2 s. */
    long long pause = FLUSH_INTERVAL_MS << (failures < 5 ? failures - 1 : 4);
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct timespec until = now;
    add_ms(&until, pause > 2000 ? 2000 : pause);
    if (g_stop && ms_between(&until, &g_stop_deadline) < 0)
      until = g_stop_deadline;
    pthread_cond_timedwait(&g_wake, &g_lock, &until);
  }
  pthread_mutex_unlock(&g_lock);
  store_pool_close_thread();
  return NULL;
}

int read_log_start(size_t max)
{
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g_wake, &attr);
  pthread_cond_init(&g_done, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_lock(&g_lock);
  g_max = max ? max : READ_LOG_QUEUE_MAX;
  g_stop = 0;
  g_flush = 0;
  pthread_mutex_unlock(&g_lock);
  if (pthread_create(&g_thread, NULL, run, NULL) != 0) {
    pthread_cond_destroy(&g_wake);
    pthread_cond_destroy(&g_done);
    return RL_ENOMEM;
  }
  pthread_mutex_lock(&g_lock);
  g_running = 1;
  pthread_mutex_unlock(&g_lock);
  return RL_OK;
}

size_t read_log_stop(unsigned timeout_s)
{
  pthread_mutex_lock(&g_lock);
  if (!g_running) {
    pthread_mutex_unlock(&g_lock);
    return 0;
  }
  g_running = 0; /* no more places: a request still arriving is refused */
  g_stop = 1;
  clock_gettime(CLOCK_MONOTONIC, &g_stop_deadline);
  add_ms(&g_stop_deadline, (long long)timeout_s * 1000);
  pthread_cond_signal(&g_wake);
  pthread_mutex_unlock(&g_lock);
  pthread_join(g_thread, NULL);

  pthread_mutex_lock(&g_lock);
  size_t lost = g_queued;
  while (g_head) {
    struct entry *e = g_head;
    g_head = e->next;
    entry_free(e);
  }
  g_tail = NULL;
  g_queued = 0;
  g_written_seq = g_pushed_seq;
  pthread_cond_broadcast(&g_done);
  pthread_mutex_unlock(&g_lock);
  pthread_cond_destroy(&g_wake);
  pthread_cond_destroy(&g_done);
  if (lost > 0)
    rl_log(RL_LOG_ERROR, "read_log",
           "stopped with %zu reads of personal data not recorded: the database was away", lost);
  return lost;
}

int read_log_reserve(void)
{
  pthread_mutex_lock(&g_lock);
  int ok = g_running && g_queued + g_reserved < g_max;
  if (ok)
    g_reserved++;
  pthread_mutex_unlock(&g_lock);
  return ok ? RL_OK : RL_EUNAVAILABLE;
}

void read_log_release(void)
{
  pthread_mutex_lock(&g_lock);
  if (g_reserved > 0)
    g_reserved--;
  pthread_mutex_unlock(&g_lock);
}

int read_log_push(struct read_records *r, long long key_id, const char *method, const char *route,
                  const char *request_id)
{
  struct entry *e = calloc(1, sizeof *e);
  if (e == NULL) {
    read_log_release();
    return RL_ENOMEM;
  }
  clock_gettime(CLOCK_MONOTONIC, &e->queued);
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  e->at_us = (long long)wall.tv_sec * 1000000 + wall.tv_nsec / 1000;
  e->key_id = key_id;
  snprintf(e->method, sizeof e->method, "%s", method);
  e->route = route;
  snprintf(e->request_id, sizeof e->request_id, "%s", request_id);
  e->records = *r;
  memset(r, 0, sizeof *r);
  pthread_mutex_lock(&g_lock);
  if (g_reserved > 0)
    g_reserved--;
  e->seq = ++g_pushed_seq;
  if (g_tail)
    g_tail->next = e;
  else
    g_head = e;
  g_tail = e;
  g_queued++;
  if (g_queued >= BATCH)
    pthread_cond_signal(&g_wake);
  pthread_mutex_unlock(&g_lock);
  return RL_OK;
}

int read_log_flush(unsigned timeout_ms)
{
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  add_ms(&until, timeout_ms);
  pthread_mutex_lock(&g_lock);
  unsigned long long target = g_pushed_seq;
  int rc = RL_OK;
  if (g_written_seq < target) {
    g_flush = 1;
    pthread_cond_signal(&g_wake);
    while (g_written_seq < target && rc == RL_OK)
      if (pthread_cond_timedwait(&g_done, &g_lock, &until) != 0 && g_written_seq < target)
        rc = RL_EUNAVAILABLE;
  }
  pthread_mutex_unlock(&g_lock);
  return rc;
}

size_t read_log_queued(void)
{
  pthread_mutex_lock(&g_lock);
  size_t n = g_queued;
  pthread_mutex_unlock(&g_lock);
  return n;
}

/* clang-format off */
const struct rl_field fields_read_log_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "key", .type = RL_T_INT, .min = 1, .max = 9007199254740991.0},
    {.name = "device", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "member", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "since", .type = RL_T_TIME},
    {.name = "until", .type = RL_T_TIME},
    {0},
};
/* clang-format on */

/* How long a list waits for this instance's queue to be written. */
#define LIST_FLUSH_MS 5000

int read_log_list(json_t **out, char *next_cursor, json_t **errors, const json_t *query)
{
  next_cursor[0] = '\0';
  *errors = NULL;
  struct store_read_log_query q = {.limit = rl_spec_limit(query)};
  int rc = rl_spec_cursor(&q.before, rl_spec_str(query, "cursor"), errors);
  if (rc != RL_OK)
    return rc;
  const json_t *key = json_object_get(query, "key");
  q.key_id = json_is_integer(key) ? (long long)json_integer_value(key) : 0;
  char device[RL_CODE_BODY_LEN + 1], member[RL_MEMBER_BODY_LEN + 1];
  const char *d = rl_spec_str(query, "device"), *m = rl_spec_str(query, "member");
  if (d && device_code_body(device, d, "device", errors) != RL_OK)
    rc = RL_EINVALID;
  if (m && member_number_body(member, m, "member", errors) != RL_OK)
    rc = RL_EINVALID;
  q.since = rl_spec_str(query, "since");
  q.until = rl_spec_str(query, "until");
  if (rl_spec_since_until(query, errors) != RL_OK)
    rc = RL_EINVALID;
  if (rc != RL_OK)
    return rc;
  q.device = d ? device : NULL;
  q.member = m ? member : NULL;
  rc = read_log_flush(LIST_FLUSH_MS);
  if (rc != RL_OK)
    return rc;
  int more;
  long long last;
  rc = store_read_log_list(out, &more, &last, &q);
  if (rc == RL_OK && more)
    rl_spec_next_cursor(next_cursor, last);
  return rc;
}
