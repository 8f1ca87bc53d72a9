/* The in-memory copy of the categories, loaded on first use. */
#include "core/category.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/spec.h"
#include "core/store/store_category.h"

struct entry {
  const char *slug; /* points into json */
  char *text;       /* compact JSON */
  size_t len;
  char etag[24];
};

struct table {
  size_t n;
  struct entry *items; /* by slug, as the store lists them */
  json_t *all;         /* the same, as JSON objects */
};

static _Atomic(struct table *) g_table;
static pthread_mutex_t g_load = PTHREAD_MUTEX_INITIALIZER;

static int load(struct table **out)
{
  json_t *all = json_array();
  char after[80] = "";
  for (;;) {
    json_t *page;
    int more;
    int rc = store_category_list(&page, &more, after, 500);
    if (rc != RL_OK) {
      json_decref(all);
      return rc;
    }
    json_array_extend(all, page);
    size_t n = json_array_size(page);
    if (n > 0)
      snprintf(after, sizeof after, "%s",
               json_string_value(json_object_get(json_array_get(page, n - 1), "slug")));
    json_decref(page);
    if (!more || n == 0)
      break;
  }
  struct table *t = calloc(1, sizeof *t);
  size_t n = json_array_size(all);
  if (t == NULL || (t->items = calloc(n ? n : 1, sizeof *t->items)) == NULL) {
    free(t);
    json_decref(all);
    return RL_ENOMEM;
  }
  t->n = n;
  t->all = all;
  for (size_t i = 0; i < n; i++) {
    json_t *c = json_array_get(all, i);
    struct entry *e = &t->items[i];
    e->slug = json_string_value(json_object_get(c, "slug"));
    e->text = json_dumps(c, JSON_COMPACT | JSON_REAL_PRECISION(15));
    e->len = e->text ? strlen(e->text) : 0;
    snprintf(e->etag, sizeof e->etag, "\"%016llx\"",
             rl_fnv1a(RL_FNV_OFFSET, e->text ? e->text : "", e->len));
  }
  *out = t;
  return RL_OK;
}

/* The table, loading it once; later calls take no lock. */
static int table(struct table **out)
{
  struct table *t = atomic_load_explicit(&g_table, memory_order_acquire);
  if (t == NULL) {
    pthread_mutex_lock(&g_load);
    t = atomic_load_explicit(&g_table, memory_order_acquire);
    int rc = RL_OK;
    if (t == NULL && (rc = load(&t)) == RL_OK)
      atomic_store_explicit(&g_table, t, memory_order_release);
    pthread_mutex_unlock(&g_load);
    if (rc != RL_OK)
      return rc;
  }
  *out = t;
  return RL_OK;
}

/* Index of the first entry whose slug is greater than after. */
static size_t upper_bound(const struct table *t, const char *after)
{
  size_t lo = 0, hi = t->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(t->items[mid].slug, after) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int category_get(const char **json, size_t *len, const char **etag, const char *slug)
{
  struct table *t;
  int rc = table(&t);
  if (rc != RL_OK)
    return rc;
  size_t i = upper_bound(t, slug);
  if (i == 0 || strcmp(t->items[i - 1].slug, slug) != 0 || t->items[i - 1].text == NULL)
    return RL_ENOTFOUND;
  *json = t->items[i - 1].text;
  *len = t->items[i - 1].len;
  *etag = t->items[i - 1].etag;
  return RL_OK;
}

int category_list(json_t **out, char *next_cursor, json_t **errors, const char *cursor, int limit)
{
  next_cursor[0] = '\0';
  *errors = NULL;
  struct table *t;
  int rc = table(&t);
  if (rc != RL_OK)
    return rc;
  size_t start = upper_bound(t, cursor ? cursor : ""), end = start + (size_t)limit;
  /* A cursor is the slug that ended a page. */
  if (cursor != NULL && (start == 0 || strcmp(t->items[start - 1].slug, cursor) != 0))
    return rl_spec_invalid(errors, "cursor", "not_a_cursor", "is not a cursor this service issued");
  if (end > t->n)
    end = t->n;
  json_t *items = json_array();
  for (size_t i = start; i < end; i++)
    json_array_append_new(items, json_deep_copy(json_array_get(t->all, i)));
  if (end < t->n && end > start)
    snprintf(next_cursor, RL_SPEC_CURSOR_MAX, "%s", t->items[end - 1].slug);
  *out = items;
  return RL_OK;
}

int category_find(const json_t **out, const char *slug)
{
  struct table *t;
  int rc = table(&t);
  if (rc != RL_OK)
    return rc;
  size_t i = upper_bound(t, slug);
  if (i == 0 || strcmp(t->items[i - 1].slug, slug) != 0)
    return RL_ENOTFOUND;
  *out = json_array_get(t->all, i - 1);
  return RL_OK;
}

int category_check(json_t *errors, const char *field, const char *slug)
{
  const json_t *found;
  int rc = category_find(&found, slug);
  if (rc != RL_ENOTFOUND)
    return rc;
  struct table *t;
  if ((rc = table(&t)) != RL_OK)
    return rc;
  /* The desk may type the slug, or the name as printed in either language. */
  struct rl_suggest s;
  rl_suggest_init(&s, slug);
  for (size_t i = 0; i < t->n; i++) {
    const json_t *c = json_array_get(t->all, i);
    rl_suggest_offer(&s, t->items[i].slug, t->items[i].slug);
    rl_suggest_offer(&s, json_string_value(json_object_get(c, "name_en")), t->items[i].slug);
    rl_suggest_offer(&s, json_string_value(json_object_get(c, "name_fr")), t->items[i].slug);
  }
  const char *best = rl_suggest_best(&s);
  char msg[160];
  if (best)
    snprintf(msg, sizeof msg, "is not a known category slug; did you mean %s?", best);
  rl_spec_error_suggest(errors, field, "unknown_category",
                        best ? msg : "is not a known category slug (see GET /api/v1/categories)",
                        best);
  return RL_OK;
}
