/* Impact figures: query rules, CSV layout, factor sets (see
 * core/impact_figures.h). */
#include "core/impact_figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/error.h"
#include "core/spec.h"
#include "core/store/store_impact.h"

static int version_ok(const char *s)
{
  size_t n = strlen(s);
  if (n < 1 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
    return 0;
  return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}
static const struct rl_format format_version = {
    "not_a_version", "must be lower-case letters, digits, dots and dashes, 1 to 64", version_ok};

const struct rl_field fields_impact_query[] = {
    {.name = "from", .type = RL_T_STRING, .min = 1, .max = 7},
    {.name = "to", .type = RL_T_STRING, .min = 1, .max = 7},
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64, .format = &rl_format_slug},
    {.name = "category", .type = RL_T_STRING, .min = 1, .max = 64, .format = &rl_format_slug},
    {.name = "group_by", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "factor_version", .type = RL_T_STRING, .min = 1, .max = 64, .format = &format_version},
    {0},
};

const struct rl_field fields_factor_set[] = {
    {.name = "version",
     .type = RL_T_STRING,
     .flags = RL_F_REQUIRED,
     .min = 1,
     .max = 64,
     .format = &format_version},
    {.name = "displacement", .type = RL_T_NUMBER, .flags = RL_F_REQUIRED, .min = 0.01, .max = 1},
    {.name = "misc_powered", .type = RL_T_NUMBER, .flags = RL_F_REQUIRED, .min = 0.01, .max = 1000},
    {.name = "misc_unpowered",
     .type = RL_T_NUMBER,
     .flags = RL_F_REQUIRED,
     .min = 0.01,
     .max = 1000},
    {.name = "source", .type = RL_T_TEXT, .flags = RL_F_REQUIRED, .min = 1, .max = 1000},
    {.name = "credit", .type = RL_T_TEXT, .flags = RL_F_REQUIRED, .min = 1, .max = 1000},
    {.name = "licence", .flags = RL_F_READONLY},
    {.name = "current", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "created_by_key_id", .flags = RL_F_READONLY},
    {0},
};

/* "YYYY-MM" (2000-01 to 2199-12) → "YYYY-MM-01"; 0 when it is not one. */
static int month_read(char out[11], const char *s)
{
  if (strlen(s) != 7 || s[4] != '-')
    return 0;
  for (int i = 0; i < 7; i++)
    if (i != 4 && (s[i] < '0' || s[i] > '9'))
      return 0;
  long year = strtol(s, NULL, 10), month = strtol(s + 5, NULL, 10);
  if (year < 2000 || year > 2199 || month < 1 || month > 12)
    return 0;
  snprintf(out, 11, "%.7s-01", s);
  return 1;
}

static int group_read(unsigned *out, const char *s)
{
  static const struct {
    const char *name;
    unsigned bit;
  } names[] = {{"month", STORE_IMPACT_MONTH},
               {"category", STORE_IMPACT_CATEGORY},
               {"site", STORE_IMPACT_SITE}};
  *out = 0;
  while (*s) {
    size_t n = strcspn(s, ",");
    unsigned bit = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
      if (strlen(names[i].name) == n && strncmp(s, names[i].name, n) == 0)
        bit = names[i].bit;
    if (bit == 0 || (*out & bit))
      return 0;
    *out |= bit;
    s += n;
    if (*s == ',' && *++s == '\0')
      return 0;
  }
  return *out != 0;
}

int impact_query_read(struct impact_query *q, json_t **errors, const json_t *query)
{
  const char *from = rl_spec_str(query, "from"), *to = rl_spec_str(query, "to"),
             *group = rl_spec_str(query, "group_by");
  json_t *e = json_array();
  memset(q, 0, sizeof *q);
  snprintf(q->from, sizeof q->from, "2000-01-01");
  snprintf(q->to, sizeof q->to, "2199-12-01");
  if (from && !month_read(q->from, from))
    rl_spec_error(e, "from", "not_a_month", "must be a month as YYYY-MM, 2000-01 to 2199-12");
  if (to && !month_read(q->to, to))
    rl_spec_error(e, "to", "not_a_month", "must be a month as YYYY-MM, 2000-01 to 2199-12");
  if (json_array_size(e) == 0 && strcmp(q->from, q->to) > 0)
    rl_spec_error(e, "from", "from_after_to", "must not be after to");
  q->group = STORE_IMPACT_MONTH;
  if (group && !group_read(&q->group, group))
    rl_spec_error(e, "group_by", "not_a_grouping",
                  "must be a comma list of month, category and site, each at most once");
  q->site = rl_spec_str(query, "site");
  q->category = rl_spec_str(query, "category");
  q->factor_version = rl_spec_str(query, "factor_version");
  if (json_array_size(e) > 0) {
    *errors = e;
    return RL_EINVALID;
  }
  json_decref(e);
  *errors = NULL;
  return RL_OK;
}

int impact_figures(json_t **out, json_t **errors, const struct impact_query *q)
{
  struct store_impact_slice s = {q->from, q->to, q->site, q->category, q->factor_version, q->group};
  *errors = NULL;
  int rc = store_impact_slice(out, &s);
  if (rc == RL_ENOTFOUND)
    return rl_spec_invalid(errors, "factor_version", "unknown_factor_version",
                           "is not the version of a factor set (see /opendata/factors)");
  return rc;
}

int impact_slice_key(char *key, size_t cap, long long *version, const char *kind,
                     const struct impact_query *q)
{
  /* Slugs and versions hold no '|'. */
  snprintf(key, cap, "%s|%s|%s|%s|%s|%u|%s", kind, q->from, q->to, q->site ? q->site : "",
           q->category ? q->category : "", q->group, q->factor_version ? q->factor_version : "");
  return store_impact_version(version);
}

/* The figures in CSV order, and whether each is in kg (3 decimals). */
static const struct {
  const char *name;
  int kg;
} csv_figures[] = {
    {"devices_seen", 0},
    {"repairs_fixed", 0},
    {"repairs_repairable", 0},
    {"repairs_end_of_life", 0},
    {"repairs_unknown", 0},
    {"devices_saved", 0},
    {"waste_kg", 1},
    {"co2e_kg", 1},
    {"saved_without_weight", 0},
    {"devices_recycled", 0},
    {"recycled_kg", 1},
    {"devices_harvested", 0},
    {"parts_recovered", 1},
    {"loans_started", 0},
};

int impact_csv_write_figures(od_write_fn w, void *ctx, const json_t *figures, unsigned group)
{
  static const struct {
    unsigned bit;
    const char *name;
  } keys[] = {{STORE_IMPACT_MONTH, "month"},
              {STORE_IMPACT_SITE, "site"},
              {STORE_IMPACT_CATEGORY, "category"}};
  struct csv_writer *c = malloc(sizeof *c);
  if (c == NULL)
    return RL_ENOMEM;
  csv_init(c, w, ctx);
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    if (group & keys[k].bit)
      csv_field(c, keys[k].name);
  for (size_t f = 0; f < sizeof csv_figures / sizeof csv_figures[0]; f++)
    csv_field(c, csv_figures[f].name);
  csv_field(c, "factor_version");
  csv_row_end(c);
  size_t i;
  const json_t *row;
  json_array_foreach(json_object_get(figures, "rows"), i, row) {
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
      if (group & keys[k].bit)
        csv_field(c, json_string_value(json_object_get(row, keys[k].name)));
    for (size_t f = 0; f < sizeof csv_figures / sizeof csv_figures[0]; f++) {
      const json_t *v = json_object_get(row, csv_figures[f].name);
      if (csv_figures[f].kg)
        csv_field_number(c, json_number_value(v), 3);
      else
        csv_field_int(c, (long long)json_integer_value(v));
    }
    csv_field(c, json_string_value(json_object_get(row, "factor_version")));
    csv_row_end(c);
  }
  int rc = csv_finish(c);
  free(c);
  return rc;
}

int impact_csv_write(od_write_fn w, void *ctx, const json_t *query)
{
  struct impact_query q;
  json_t *errors, *figures;
  int rc = impact_query_read(&q, &errors, query);
  if (rc == RL_OK)
    rc = impact_figures(&figures, &errors, &q);
  json_decref(errors);
  if (rc != RL_OK)
    return rc;
  rc = impact_csv_write_figures(w, ctx, figures, q.group);
  json_decref(figures);
  return rc;
}

int impact_factor_sets(json_t **out, int with_key)
{
  return store_impact_factor_sets(out, with_key);
}

/* A number of the body as decimal text, as PostgreSQL reads it. */
static void decimal(char out[40], const json_t *body, const char *name)
{
  snprintf(out, 40, "%.10g", json_number_value(json_object_get(body, name)));
}

int impact_factor_set_create(json_t **out, const json_t *body, int64_t key_id)
{
  char d[40], p[40], u[40];
  decimal(d, body, "displacement");
  decimal(p, body, "misc_powered");
  decimal(u, body, "misc_unpowered");
  return store_impact_factor_set_insert(out, rl_spec_str(body, "version"), d, p, u,
                                        rl_spec_str(body, "source"), rl_spec_str(body, "credit"),
                                        key_id);
}

int impact_rebuild(json_t **out, const char *timezone)
{
  return store_impact_rebuild(out, timezone);
}
