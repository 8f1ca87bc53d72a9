/* The validator behind every JSON request body. */
#include "core/spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void rl_spec_error(json_t *errors, const char *field, const char *message)
{
  json_array_append_new(errors, json_pack("{s:s s:s}", "field", field, "message", message));
}

int rl_spec_invalid(json_t **errors, const char *field, const char *message)
{
  *errors = json_array();
  rl_spec_error(*errors, field, message);
  return RL_EINVALID;
}

int rl_spec_cursor(int64_t *out, const char *cursor, json_t **errors)
{
  *out = 0;
  if (cursor == NULL)
    return RL_OK;
  char *end = NULL;
  long long v = strtoll(cursor, &end, 10);
  if (*cursor == '\0' || *end != '\0' || v <= 0 || strlen(cursor) > 18)
    return rl_spec_invalid(errors, "cursor", "is not a cursor this service issued");
  *out = v;
  return RL_OK;
}

size_t rl_utf8_len(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xc0) != 0x80)
      n++;
  return n;
}

static int digits(const char *s, int n)
{
  for (int i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return 0;
  return 1;
}

static int days_in_month(int y, int m)
{
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return d[m - 1];
}

static int date_prefix(const char *s)
{
  if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
    return 0;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

int rl_spec_is_date(const char *s) { return strlen(s) == 10 && date_prefix(s); }

int rl_spec_is_time(const char *s)
{
  size_t n = strlen(s);
  if (n < 20 || n > 35 || !date_prefix(s) || (s[10] != 'T' && s[10] != 't'))
    return 0;
  const char *t = s + 11;
  if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2))
    return 0;
  if ((t[0] - '0') * 10 + (t[1] - '0') > 23 || (t[3] - '0') * 10 + (t[4] - '0') > 59 ||
      (t[6] - '0') * 10 + (t[7] - '0') > 60)
    return 0;
  const char *z = t + 8;
  if (*z == '.') {
    z++;
    if (!isdigit((unsigned char)*z))
      return 0;
    while (isdigit((unsigned char)*z))
      z++;
  }
  if ((*z == 'Z' || *z == 'z') && z[1] == '\0')
    return 1;
  return (*z == '+' || *z == '-') && digits(z + 1, 2) && z[3] == ':' && digits(z + 4, 2) &&
         z[6] == '\0' && (z[1] - '0') * 10 + (z[2] - '0') <= 15 && (z[4] - '0') * 10 + (z[5] - '0') <= 59;
}

static int has_control(const char *s, int allow_newlines)
{
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == 0x7f || (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t' || c == '\r'))))
      return 1;
  }
  return 0;
}

static void check_value(json_t *errors, const char *path, const json_t *v,
                        const struct rl_field *f, enum rl_spec_mode mode);

static void check_object(json_t *errors, const char *prefix, const json_t *obj,
                         const struct rl_field *spec, enum rl_spec_mode mode)
{
  char path[256];
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
    const struct rl_field *f = spec;
    while (f->name && strcmp(f->name, key) != 0)
      f++;
    if (f->name == NULL) {
      rl_spec_error(errors, path, "unknown field");
      continue;
    }
    if (f->flags & RL_F_READONLY) {
      rl_spec_error(errors, path, "is set by the server and cannot be sent");
      continue;
    }
    if (mode == RL_SPEC_UPDATE && (f->flags & RL_F_IMMUTABLE)) {
      rl_spec_error(errors, path, "cannot be changed once set");
      continue;
    }
    if (json_is_null(v)) {
      if (!(f->flags & RL_F_NULLABLE) || (mode == RL_SPEC_CREATE && (f->flags & RL_F_REQUIRED)))
        rl_spec_error(errors, path, "must not be null");
      continue;
    }
    check_value(errors, path, v, f, mode);
  }
  if (mode == RL_SPEC_CREATE) {
    for (const struct rl_field *f = spec; f->name; f++) {
      if ((f->flags & RL_F_REQUIRED) && json_object_get(obj, f->name) == NULL) {
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", f->name);
        rl_spec_error(errors, path, "is required");
      }
    }
  }
}

static void check_string(json_t *errors, const char *path, const char *s, double min,
                         double max, int text)
{
  char msg[128];
  size_t n = rl_utf8_len(s);
  if (n < (size_t)min) {
    if (min <= 1)
      rl_spec_error(errors, path, "must not be empty");
    else {
      snprintf(msg, sizeof msg, "must be at least %.0f characters long", min);
      rl_spec_error(errors, path, msg);
    }
  } else if (n > (size_t)max) {
    snprintf(msg, sizeof msg, "must be at most %.0f characters long", max);
    rl_spec_error(errors, path, msg);
  } else if (has_control(s, text)) {
    rl_spec_error(errors, path, "must not contain control characters");
  }
}

static void check_value(json_t *errors, const char *path, const json_t *v,
                        const struct rl_field *f, enum rl_spec_mode mode)
{
  char msg[160];
  switch (f->type) {
  case RL_T_STRING:
  case RL_T_TEXT:
    if (!json_is_string(v))
      rl_spec_error(errors, path, "must be a string");
    else
      check_string(errors, path, json_string_value(v), f->min, f->max, f->type == RL_T_TEXT);
    break;
  case RL_T_INT:
    if (!json_is_integer(v)) {
      rl_spec_error(errors, path, "must be a whole number");
    } else {
      double x = (double)json_integer_value(v);
      if (x < f->min || x > f->max) {
        snprintf(msg, sizeof msg, "must be from %.0f to %.0f", f->min, f->max);
        rl_spec_error(errors, path, msg);
      }
    }
    break;
  case RL_T_NUMBER:
    if (!json_is_number(v)) {
      rl_spec_error(errors, path, "must be a number");
    } else {
      double x = json_number_value(v);
      if (!isfinite(x) || x < f->min || x > f->max) {
        snprintf(msg, sizeof msg, "must be from %g to %g", f->min, f->max);
        rl_spec_error(errors, path, msg);
      }
    }
    break;
  case RL_T_BOOL:
    if (!json_is_boolean(v))
      rl_spec_error(errors, path, "must be true or false");
    break;
  case RL_T_ENUM: {
    int ok = 0;
    if (json_is_string(v))
      for (const char *const *e = f->values; *e; e++)
        if (strcmp(*e, json_string_value(v)) == 0)
          ok = 1;
    if (!ok) {
      size_t len = (size_t)snprintf(msg, sizeof msg, "must be one of:");
      for (const char *const *e = f->values; *e && len < sizeof msg; e++)
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s %s", e == f->values ? "" : ",",
                                *e);
      rl_spec_error(errors, path, msg);
    }
    break;
  }
  case RL_T_OBJECT:
    if (!json_is_object(v))
      rl_spec_error(errors, path, "must be an object");
    else
      check_object(errors, path, v, f->sub, mode);
    break;
  case RL_T_STRINGS:
    if (!json_is_array(v)) {
      rl_spec_error(errors, path, "must be an array of strings");
    } else {
      size_t n = json_array_size(v);
      if ((double)n < f->min || (double)n > f->max) {
        snprintf(msg, sizeof msg, "must hold from %.0f to %.0f items", f->min, f->max);
        rl_spec_error(errors, path, msg);
        break;
      }
      char item[300];
      for (size_t i = 0; i < n; i++) {
        snprintf(item, sizeof item, "%s[%zu]", path, i);
        const json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
          rl_spec_error(errors, item, "must be a string");
        else
          check_string(errors, item, json_string_value(s), 1, f->item_max, 0);
      }
    }
    break;
  case RL_T_DATE:
    if (!json_is_string(v) || !rl_spec_is_date(json_string_value(v)))
      rl_spec_error(errors, path, "must be a date, YYYY-MM-DD");
    break;
  case RL_T_TIME:
    if (!json_is_string(v) || !rl_spec_is_time(json_string_value(v)))
      rl_spec_error(errors, path, "must be an RFC 3339 date-time, e.g. 2026-11-29T14:00:00Z");
    break;
  }
}

int rl_spec_check(json_t **errors, const json_t *body, const struct rl_field *spec,
                  enum rl_spec_mode mode)
{
  json_t *errs = json_array();
  if (errs == NULL)
    return RL_ENOMEM;
  if (!json_is_object(body))
    rl_spec_error(errs, "", "the body must be a JSON object");
  else
    check_object(errs, "", body, spec, mode);
  if (json_array_size(errs) == 0) {
    json_decref(errs);
    *errors = NULL;
    return RL_OK;
  }
  *errors = errs;
  return RL_EINVALID;
}
