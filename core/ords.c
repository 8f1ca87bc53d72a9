/* The ORDS v0.3 export (core/ords.h). Value lists from the standard's
 * codelists (openrepair/datastandard, standard.rst, "Repair status
 * values" and "Repair barrier values"). */
#include "core/ords.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/error.h"
#include "core/scrub.h"
#include "core/spec.h"
#include "core/store/store_ords.h"

static const struct {
  const char *ours, *ords;
} statuses[] =
    {
        {"fixed", "Fixed"},
        {"repairable", "Repairable"},
        {"end_of_life", "End of life"},
        {"unknown", "Unknown"},
},
  barriers[] = {
      {"spare_parts_not_available", "Spare parts not available"},
      {"spare_parts_too_expensive", "Spare parts too expensive"},
      {"no_way_to_open", "No way to open the product"},
      {"repair_information_not_available", "Repair information not available"},
      {"lack_of_equipment", "Lack of equipment"},
      {"too_worn_out", "Item too worn out"},
};

const char *ords_repair_status(const char *outcome)
{
  for (size_t i = 0; outcome && i < sizeof statuses / sizeof statuses[0]; i++)
    if (strcmp(statuses[i].ours, outcome) == 0)
      return statuses[i].ords;
  return "Unknown";
}

const char *ords_barrier(const char *barrier)
{
  for (size_t i = 0; barrier && i < sizeof barriers / sizeof barriers[0]; i++)
    if (strcmp(barriers[i].ours, barrier) == 0)
      return barriers[i].ords;
  return "";
}

void ords_id_prefix(char *out, size_t cap, const char *provider)
{
  size_t o = 0;
  for (const char *p = provider; p && *p && o + 1 < cap; p++)
    if (isalnum((unsigned char)*p) && (unsigned char)*p < 0x80)
      out[o++] = (char)tolower((unsigned char)*p);
  if (o == 0)
    o = (size_t)snprintf(out, cap, "rl");
  out[o < cap ? o : cap - 1] = '\0';
}

void ords_product_age(char *out, size_t cap, const char *year_of_manufacture,
                      const char *event_date)
{
  out[0] = '\0';
  if (year_of_manufacture == NULL || event_date == NULL || strlen(event_date) < 4)
    return;
  long made = strtol(year_of_manufacture, NULL, 10);
  long seen = strtol(event_date, NULL, 10);
  /* ORDS publishes ages as decimals of years ("5.0"); whole years are all
   * that a year of manufacture allows. */
  if (made > 0 && seen >= made)
    snprintf(out, cap, "%ld.0", seen - made);
}

static bool year_ok(const char *date)
{
  long y = strtol(date, NULL, 10);
  return y >= ORDS_YEAR_MIN && y <= ORDS_YEAR_MAX;
}

int ords_query_parse(struct ords_query *q, json_t *errors, const json_t *params)
{
  const char *from = json_string_value(json_object_get(params, "from"));
  const char *to = json_string_value(json_object_get(params, "to"));
  const char *site = json_string_value(json_object_get(params, "site"));
  size_t before = json_array_size(errors);
  char msg[96];
  snprintf(msg, sizeof msg, "must be a date from %d-01-01 to %d-12-31", ORDS_YEAR_MIN,
           ORDS_YEAR_MAX);
  if (from && !year_ok(from))
    rl_spec_error(errors, "from", "out_of_range", msg);
  if (to && !year_ok(to))
    rl_spec_error(errors, "to", "out_of_range", msg);
  if (from && to && strcmp(from, to) > 0)
    rl_spec_error(errors, "to", "before_from", "must not be before from");
  snprintf(q->from, sizeof q->from, "%s", from ? from : "");
  snprintf(q->to, sizeof q->to, "%s", to ? to : "");
  snprintf(q->site, sizeof q->site, "%s", site ? site : "");
  return json_array_size(errors) > before ? RL_EINVALID : RL_OK;
}

int ords_stamp_get(struct ords_stamp *out)
{
  struct store_ords_stamp s;
  int rc = store_ords_stamp(&s);
  if (rc == RL_OK) {
    out->count = s.count;
    out->modified_us = s.modified_us;
  }
  return rc;
}

int ords_span(char modified[32], char first[11], char last[11], const struct ords_stamp *stamp,
              const char *timezone)
{
  time_t t = (time_t)(stamp->modified_us / 1000000);
  struct tm tm;
  gmtime_r(&t, &tm);
  if (strftime(modified, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    modified[0] = '\0';
  return store_ords_coverage(first, last, timezone && *timezone ? timezone : "Europe/Paris");
}

struct ords_stream {
  struct store_ords_export *exp;
  bool done;
  struct rl_buf out; /* formatted bytes not yet read, from off */
  size_t off;
  struct scrub scrub;
  char prefix[64];
  size_t prefix_len;
  char provider[256];
};

/* Appends one row; RL_OK or RL_ENOMEM. */
static int format_row(struct ords_stream *s, const struct store_ords_row *r)
{
  struct rl_buf *b = &s->out;
  struct scrub_owner owner = {r->owner_name, r->owner_email, r->owner_phone};
  const char *problem = scrub_text(&s->scrub, r->problem, &owner);
  if (problem == NULL)
    return RL_ENOMEM;
  char age[16];
  ords_product_age(age, sizeof age, r->year_of_manufacture, r->event_date);
  /* "prefix-id": neither part needs quotes (letters, digits, dashes). */
  rl_buf_add_len(b, s->prefix, s->prefix_len);
  rl_buf_add_len(b, "-", 1);
  rl_buf_add(b, r->id);
  csv_buf_field(b, s->provider, 0);
  csv_buf_field(b, ORDS_COUNTRY, 0);
  csv_buf_field(b, r->category_name, 0);
  csv_buf_field(b, r->ords_name, 0);
  csv_buf_field(b, r->ords_id, 0);
  csv_buf_field(b, r->brand, 0);
  csv_buf_field(b, r->year_of_manufacture, 0);
  csv_buf_field(b, age, 0);
  csv_buf_field(b, ords_repair_status(r->outcome), 0);
  csv_buf_field(b, ords_barrier(r->barrier), 0);
  rl_buf_add_len(b, ",", 1);
  rl_buf_add_len(b, s->prefix, s->prefix_len);
  rl_buf_add_len(b, "-", 1);
  rl_buf_add(b, r->site);
  csv_buf_field(b, r->event_date, 0);
  csv_buf_field(b, problem, 0);
  csv_buf_row_end(b);
  return rl_buf_status(b);
}

int ords_stream_open(struct ords_stream **out, struct ords_stamp *stamp, const struct ords_query *q)
{
  *out = NULL;
  struct ords_stream *s = calloc(1, sizeof *s);
  if (s == NULL)
    return RL_ENOMEM;
  const char *provider =
      q->data_provider && *q->data_provider ? q->data_provider : ORDS_DEFAULT_PROVIDER;
  snprintf(s->provider, sizeof s->provider, "%s", provider);
  ords_id_prefix(s->prefix, sizeof s->prefix, provider);
  s->prefix_len = strlen(s->prefix);
  struct store_ords_filter f = {
      q->timezone && *q->timezone ? q->timezone : "Europe/Paris",
      q->from[0] ? q->from : NULL,
      q->to[0] ? q->to : NULL,
      q->site[0] ? q->site : NULL,
  };
  struct store_ords_stamp st;
  int rc = store_ords_open(&s->exp, &st, &f);
  if (rc != RL_OK) {
    free(s);
    return rc;
  }
  stamp->count = st.count;
  stamp->modified_us = st.modified_us;
  rl_buf_add(&s->out, ORDS_HEADER);
  if (rl_buf_status(&s->out) != RL_OK) {
    ords_stream_close(s);
    return RL_ENOMEM;
  }
  *out = s;
  return RL_OK;
}

/* Formats rows until at least want bytes wait to be read, or the rows end. */
static int fill(struct ords_stream *s, size_t want)
{
  while (s->out.len - s->off < want && !s->done) {
    struct store_ords_row row;
    int rc = store_ords_next(s->exp, &row);
    if (rc == RL_ENOTFOUND) {
      s->done = true;
      break;
    }
    if (rc == RL_OK)
      rc = format_row(s, &row);
    if (rc != RL_OK)
      return rc;
  }
  return RL_OK;
}

long ords_stream_read(struct ords_stream *s, char *buf, size_t cap)
{
  if (s->off > 0) { /* keep the buffer at one read's size: move what is left to its start */
    size_t left = s->out.len - s->off;
    memmove(s->out.data, s->out.data + s->off, left);
    s->out.len = left;
    s->out.data[left] = '\0';
    s->off = 0;
  }
  int rc = fill(s, cap);
  if (rc != RL_OK)
    return rc;
  size_t n = s->out.len - s->off;
  if (n > cap)
    n = cap;
  if (n > 0)
    memcpy(buf, s->out.data + s->off, n);
  s->off += n;
  return (long)n;
}

void ords_stream_close(struct ords_stream *s)
{
  if (s == NULL)
    return;
  store_ords_close(s->exp);
  rl_buf_free(&s->out);
  scrub_free(&s->scrub);
  free(s);
}

int ords_csv_write(od_write_fn w, void *ctx, const struct ords_query *q)
{
  struct ords_stream *s;
  struct ords_stamp stamp;
  int rc = ords_stream_open(&s, &stamp, q);
  if (rc != RL_OK)
    return rc;
  enum { CHUNK = 64 * 1024 };
  char *buf = malloc(CHUNK);
  rc = buf ? RL_OK : RL_ENOMEM;
  while (rc == RL_OK) {
    long n = ords_stream_read(s, buf, CHUNK);
    if (n < 0)
      rc = (int)n;
    else if (n == 0)
      break;
    else if (w(ctx, buf, (size_t)n) != 0)
      rc = RL_EUNAVAILABLE;
  }
  free(buf);
  ords_stream_close(s);
  return rc;
}
