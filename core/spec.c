/* The validator behind every JSON request body and query string. */
#include "core/spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"

void rl_spec_error_suggest(json_t *errors, const char *field, const char *code, const char *message,
                           const char *suggestion)
{
  json_t *e = json_pack("{s:s s:s s:s}", "field", field, "code", code, "message", message);
  if (e && suggestion)
    json_object_set_new(e, "suggestion", json_string(suggestion));
  json_array_append_new(errors, e);
}

void rl_spec_error(json_t *errors, const char *field, const char *code, const char *message)
{
  rl_spec_error_suggest(errors, field, code, message, NULL);
}

int rl_spec_invalid(json_t **errors, const char *field, const char *code, const char *message)
{
  *errors = json_array();
  rl_spec_error(*errors, field, code, message);
  return RL_EINVALID;
}

int rl_spec_names(const json_t *errors, const char *field)
{
  size_t i;
  const json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f && strcmp(f, field) == 0)
      return 1;
  }
  return 0;
}

void rl_spec_append(json_t *errors, json_t *more)
{
  if (more)
    json_array_extend(errors, more);
  json_decref(more);
}

int rl_spec_cursor(int64_t *out, const char *cursor, json_t **errors)
{
  *out = 0;
  if (cursor == NULL)
    return RL_OK;
  char *end = NULL;
  long long v = strtoll(cursor, &end, 10);
  if (*cursor == '\0' || *end != '\0' || v <= 0 || strlen(cursor) > 18)
    return rl_spec_invalid(errors, "cursor", "not_a_cursor", "is not a cursor this service issued");
  *out = v;
  return RL_OK;
}

int rl_spec_since_until(const json_t *query, json_t **errors)
{
  const char *since = rl_spec_str(query, "since"), *until = rl_spec_str(query, "until");
  double s, u;
  if (since && until && rl_spec_time_seconds(&s, since) == RL_OK &&
      rl_spec_time_seconds(&u, until) == RL_OK && u <= s)
    return rl_spec_invalid(errors, "until", "from_after_to", "must be after since");
  return RL_OK;
}

int rl_spec_limit(const json_t *query)
{
  const json_t *l = json_object_get(query, "limit");
  return json_is_integer(l) ? (int)json_integer_value(l) : RL_SPEC_LIMIT_DEFAULT;
}

const char *rl_spec_str(const json_t *obj, const char *name)
{
  return json_string_value(json_object_get(obj, name));
}

void rl_spec_like(char *out, size_t cap, const char *q)
{
  size_t n = 0;
  out[n++] = '%';
  for (const char *p = q; *p && n < cap - 3; p++) {
    if (*p == '%' || *p == '_' || *p == '\\')
      out[n++] = '\\';
    out[n++] = *p;
  }
  out[n++] = '%';
  out[n] = '\0';
}

size_t rl_utf8_len(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xc0) != 0x80)
      n++;
  return n;
}

/* --- formats --------------------------------------------------------------- */

static int slug_ok(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > 64 || s[0] == '-')
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
      return 0;
  return 1;
}

static int email_ok(const char *s)
{
  const char *at = strchr(s, '@');
  return at && at != s && at[1] != '\0' && strchr(at + 1, '@') == NULL && !strchr(s, ' ');
}

static int phone_ok(const char *s)
{
  int digits = 0;
  for (; *s; s++) {
    if (isdigit((unsigned char)*s))
      digits++;
    else if (!strchr("+-. ()", *s))
      return 0;
  }
  return digits >= 3;
}

const struct rl_format rl_format_slug = {
    "not_a_slug", "must be lower-case letters, digits and dashes, not starting with a dash",
    slug_ok};
const struct rl_format rl_format_email = {"not_an_email", "is not an e-mail address", email_ok};
const struct rl_format rl_format_phone = {"not_a_phone", "is not a phone number", phone_ok};

/* --- dates and times ------------------------------------------------------- */

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

static int num(const char *s, int n)
{
  int v = 0;
  for (int i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

static int date_prefix(const char *s)
{
  if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
    return 0;
  int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
  return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

int rl_spec_is_date(const char *s) { return strlen(s) == 10 && date_prefix(s); }

/* Whether the date that s starts with is in the years every date and time
 * of the service falls in. */
static int in_window(const char *s)
{
  int y = num(s, 4);
  return y >= 2000 && y <= 2100;
}

int rl_spec_is_time(const char *s)
{
  size_t n = strlen(s);
  if (n < 20 || n > 35 || !date_prefix(s) || (s[10] != 'T' && s[10] != 't'))
    return 0;
  const char *t = s + 11;
  if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2))
    return 0;
  if (num(t, 2) > 23 || num(t + 3, 2) > 59 || num(t + 6, 2) > 60)
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
         z[6] == '\0' && num(z + 1, 2) <= 15 && num(z + 4, 2) <= 59;
}

int rl_spec_time_seconds(double *out, const char *s)
{
  if (!rl_spec_is_time(s))
    return RL_EINVALID;
  struct tm tm = {0};
  tm.tm_year = num(s, 4) - 1900;
  tm.tm_mon = num(s + 5, 2) - 1;
  tm.tm_mday = num(s + 8, 2);
  tm.tm_hour = num(s + 11, 2);
  tm.tm_min = num(s + 14, 2);
  tm.tm_sec = num(s + 17, 2);
  double v = (double)timegm(&tm);
  const char *z = s + 19;
  if (*z == '.') {
    char *end;
    v += strtod(z, &end);
    z = end;
  }
  if (*z == '+' || *z == '-') {
    double offset = num(z + 1, 2) * 3600.0 + num(z + 4, 2) * 60.0;
    v += *z == '+' ? -offset : offset;
  }
  *out = v;
  return RL_OK;
}

/* --- "did you mean" -------------------------------------------------------- */

/* Folds s for comparison: lower case, Latin-1 accents and ligatures to
 * ASCII letters (French names), every run of anything else to one dash. */
static void fold(char *out, size_t cap, const char *s)
{
  /* U+00C0..U+00FF; '-' separates, '*' is spelled out below. */
  static const char latin1[] = "aaaaaa*ceeeeiiiidnooooo-ouuuuy-*aaaaaa*ceeeeiiiidnooooo-ouuuuy-y";
  size_t n = 0;
  int dash = 1; /* no leading dash */
  for (const unsigned char *p = (const unsigned char *)s; *p && n + 3 < cap; p++) {
    const char *add = NULL;
    char one[2] = {0, 0};
    if (isalnum(*p)) {
      one[0] = (char)tolower(*p);
      add = one;
    } else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
      unsigned i = (unsigned)(p[1] - 0x80);
      p++;
      one[0] = latin1[i];
      add = one[0] == '*' ? (i == 0x1f ? "ss" : "ae") : one[0] == '-' ? NULL : one;
    } else if (*p == 0xc5 && (p[1] == 0x92 || p[1] == 0x93)) {
      p++;
      add = "oe";
    } else if (*p >= 0x80) {
      continue; /* other letters: dropped rather than guessed */
    }
    if (add == NULL) {
      if (!dash)
        out[n++] = '-';
      dash = 1;
      continue;
    }
    for (; *add && n + 1 < cap; add++)
      out[n++] = *add;
    dash = 0;
  }
  if (n > 0 && out[n - 1] == '-')
    n--;
  out[n] = '\0';
}

/* Edit distance counting a swap of two neighbours as one slip ("stauts"),
 * stopping early once over limit. */
static size_t distance(const char *a, const char *b, size_t limit)
{
  size_t la = strlen(a), lb = strlen(b);
  if ((la > lb ? la - lb : lb - la) > limit)
    return limit + 1;
  size_t rows[3][RL_SUGGEST_MAX + 1];
  size_t *two = rows[0], *prev = rows[1], *row = rows[2];
  for (size_t j = 0; j <= lb; j++)
    prev[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t best = row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t v = prev[j - 1] + (a[i - 1] != b[j - 1]);
      if (prev[j] + 1 < v)
        v = prev[j] + 1;
      if (row[j - 1] + 1 < v)
        v = row[j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && two[j - 2] + 1 < v)
        v = two[j - 2] + 1;
      row[j] = v;
      if (v < best)
        best = v;
    }
    if (best > limit)
      return limit + 1;
    size_t *t = two;
    two = prev;
    prev = row;
    row = t;
  }
  return prev[lb];
}

void rl_suggest_init(struct rl_suggest *s, const char *typed)
{
  memset(s->typed, 0, sizeof s->typed); /* the analyzer cannot see fold() ends it */
  fold(s->typed, sizeof s->typed, typed ? typed : "");
  s->best = NULL;
  s->distance = 0;
}

void rl_suggest_offer(struct rl_suggest *s, const char *name, const char *answer)
{
  size_t len = strlen(s->typed);
  if (len == 0 || name == NULL)
    return;
  /* A typo is a slip or two; the longer the word, the more it may have. */
  size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
  char folded[RL_SUGGEST_MAX] = {
      0}; /* as in rl_suggest_init: the analyzer cannot see fold() end it */
  fold(folded, sizeof folded, name);
  size_t d = distance(s->typed, folded, limit);
  if (d <= limit && d < len && (s->best == NULL || d < s->distance)) {
    s->best = answer;
    s->distance = d;
  }
}

const char *rl_suggest_best(const struct rl_suggest *s) { return s->best; }

/* --- bodies ---------------------------------------------------------------- */

/* The first character of s that is not text: a C0 control (tab, CR and
 * LF allowed where the field is multi-line), DEL, a C1 control
 * (U+0080–U+009F), or an invisible character that changes how the text
 * around it shows: line and paragraph separators, zero-width space and word
 * joiner, bidirectional embeddings, overrides and isolates (the "Trojan
 * Source" characters), the byte-order mark and interlinear annotations.
 * Returns the code point, or 0 when s is all text. s is valid UTF-8. */
static unsigned not_text(const char *s, int allow_newlines)
{
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    unsigned c = *p;
    size_t len = 1;
    if (c >= 0xf0) {
      c = ((c & 0x07U) << 18) | ((p[1] & 0x3fU) << 12) | ((p[2] & 0x3fU) << 6) | (p[3] & 0x3fU);
      len = 4;
    } else if (c >= 0xe0) {
      c = ((c & 0x0fU) << 12) | ((p[1] & 0x3fU) << 6) | (p[2] & 0x3fU);
      len = 3;
    } else if (c >= 0xc0) {
      c = ((c & 0x1fU) << 6) | (p[1] & 0x3fU);
      len = 2;
    }
    if (c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t' || c == '\r')))
      return c == 0 ? 0x20 : c; /* a NUL cannot be inside a C string: never here */
    if ((c >= 0x7f && c <= 0x9f) || c == 0x200b || c == 0x2028 || c == 0x2029 ||
        (c >= 0x202a && c <= 0x202e) || c == 0x2060 || (c >= 0x2066 && c <= 0x2069) ||
        c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb))
      return c;
    for (size_t i = 0; i < len && *p; i++)
      p++;
  }
  return 0;
}

static void check_value(json_t *errors, const char *path, const json_t *v, const struct rl_field *f,
                        enum rl_spec_mode mode);

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
      struct rl_suggest s;
      rl_suggest_init(&s, key);
      for (const struct rl_field *k = spec; k->name; k++)
        if (!(k->flags & RL_F_READONLY))
          rl_suggest_offer(&s, k->name, k->name);
      char msg[128];
      const char *best = rl_suggest_best(&s);
      if (best)
        snprintf(msg, sizeof msg, "unknown field; did you mean %s?", best);
      rl_spec_error_suggest(errors, path, "unknown_field", best ? msg : "unknown field", best);
      continue;
    }
    if (f->flags & RL_F_READONLY) {
      rl_spec_error(errors, path, "read_only", "is set by the server and cannot be sent");
      continue;
    }
    if (mode == RL_SPEC_UPDATE && (f->flags & RL_F_IMMUTABLE)) {
      rl_spec_error(errors, path, "immutable", "cannot be changed once set");
      continue;
    }
    if (json_is_null(v)) {
      if (!(f->flags & RL_F_NULLABLE) || (mode == RL_SPEC_CREATE && (f->flags & RL_F_REQUIRED)))
        rl_spec_error(errors, path, "not_nullable", "must not be null");
      continue;
    }
    check_value(errors, path, v, f, mode);
  }
  if (mode == RL_SPEC_CREATE) {
    for (const struct rl_field *f = spec; f->name; f++) {
      if ((f->flags & RL_F_REQUIRED) && json_object_get(obj, f->name) == NULL) {
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", f->name);
        rl_spec_error(errors, path, "required", "is required");
      }
    }
  }
}

static void check_string(json_t *errors, const char *path, const char *s, double min, double max,
                         int text, const struct rl_format *format)
{
  char msg[128];
  unsigned bad;
  size_t n = rl_utf8_len(s);
  if (n < (size_t)min) {
    if (min <= 1) {
      rl_spec_error(errors, path, "empty", "must not be empty");
    } else {
      snprintf(msg, sizeof msg, "must be at least %.0f characters long", min);
      rl_spec_error(errors, path, "too_short", msg);
    }
  } else if (n > (size_t)max) {
    snprintf(msg, sizeof msg, "must be at most %.0f characters long", max);
    rl_spec_error(errors, path, "too_long", msg);
  } else if ((bad = not_text(s, text)) != 0) {
    snprintf(msg, sizeof msg, "must be printable text%s: it holds U+%04X",
             text ? " (tabs and new lines allowed)" : "", bad);
    rl_spec_error(errors, path, "control_characters", msg);
  } else if (format && !format->ok(s)) {
    rl_spec_error(errors, path, format->code, format->message);
  }
}

static void check_value(json_t *errors, const char *path, const json_t *v, const struct rl_field *f,
                        enum rl_spec_mode mode)
{
  char msg[160];
  switch (f->type) {
  case RL_T_STRING:
  case RL_T_TEXT:
    if (!json_is_string(v))
      rl_spec_error(errors, path, "not_a_string", "must be a string");
    else
      check_string(errors, path, json_string_value(v), f->min, f->max, f->type == RL_T_TEXT,
                   f->format);
    break;
  case RL_T_INT:
    if (!json_is_integer(v)) {
      rl_spec_error(errors, path, "not_a_whole_number", "must be a whole number");
    } else {
      double x = (double)json_integer_value(v);
      if (x < f->min || x > f->max) {
        snprintf(msg, sizeof msg, "must be from %.0f to %.0f", f->min, f->max);
        rl_spec_error(errors, path, "out_of_range", msg);
      }
    }
    break;
  case RL_T_NUMBER:
    if (!json_is_number(v)) {
      rl_spec_error(errors, path, "not_a_number", "must be a number");
    } else {
      double x = json_number_value(v);
      if (!isfinite(x) || x < f->min || x > f->max) {
        snprintf(msg, sizeof msg, "must be from %g to %g", f->min, f->max);
        rl_spec_error(errors, path, "out_of_range", msg);
      }
    }
    break;
  case RL_T_BOOL:
    if (!json_is_boolean(v))
      rl_spec_error(errors, path, "not_a_boolean", "must be true or false");
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
        len +=
            (size_t)snprintf(msg + len, sizeof msg - len, "%s %s", e == f->values ? "" : ",", *e);
      struct rl_suggest s;
      rl_suggest_init(&s, json_string_value(v));
      for (const char *const *e = f->values; *e; e++)
        rl_suggest_offer(&s, *e, *e);
      rl_spec_error_suggest(errors, path, "not_one_of", msg, rl_suggest_best(&s));
    }
    break;
  }
  case RL_T_OBJECT:
    if (!json_is_object(v))
      rl_spec_error(errors, path, "not_an_object", "must be an object");
    else
      check_object(errors, path, v, f->sub, mode);
    break;
  case RL_T_STRINGS:
    if (!json_is_array(v)) {
      rl_spec_error(errors, path, "not_an_array", "must be an array of strings");
    } else {
      size_t n = json_array_size(v);
      if ((double)n < f->min || (double)n > f->max) {
        snprintf(msg, sizeof msg, "must hold from %.0f to %.0f items", f->min, f->max);
        rl_spec_error(errors, path, "item_count", msg);
        break;
      }
      char item[300];
      for (size_t i = 0; i < n; i++) {
        snprintf(item, sizeof item, "%s[%zu]", path, i);
        const json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
          rl_spec_error(errors, item, "not_a_string", "must be a string");
        else
          check_string(errors, item, json_string_value(s), 1, f->item_max, 0, NULL);
      }
    }
    break;
  case RL_T_DATE:
    if (!json_is_string(v) || !rl_spec_is_date(json_string_value(v)))
      rl_spec_error(errors, path, "not_a_date", "must be a date, YYYY-MM-DD");
    else if (!in_window(json_string_value(v)))
      rl_spec_error(errors, path, "out_of_range", "must be from 2000-01-01 to 2100-12-31");
    break;
  case RL_T_ARRAY:
    if (!json_is_array(v)) {
      rl_spec_error(errors, path, "not_an_array", "must be an array");
    } else if ((double)json_array_size(v) < f->min || (double)json_array_size(v) > f->max) {
      snprintf(msg, sizeof msg, "must hold from %.0f to %.0f items", f->min, f->max);
      rl_spec_error(errors, path, "item_count", msg);
    }
    break;
  case RL_T_TIME: {
    double t;
    if (!json_is_string(v) || rl_spec_time_seconds(&t, json_string_value(v)) != RL_OK)
      rl_spec_error(errors, path, "not_a_time",
                    "must be an RFC 3339 date-time, e.g. 2026-11-29T14:00:00Z");
    else if (t < RL_SPEC_TIME_MIN || t >= RL_SPEC_TIME_END)
      rl_spec_error(errors, path, "out_of_range",
                    "must be from 2000-01-01T00:00:00Z to 2100-12-31T23:59:59Z");
    break;
  }
  }
}

/* RL_OK with *errors NULL when errs is empty (and releases it), else
 * RL_EINVALID with *errors = errs. */
static int verdict(json_t **errors, json_t *errs)
{
  if (json_array_size(errs) == 0) {
    json_decref(errs);
    *errors = NULL;
    return RL_OK;
  }
  *errors = errs;
  return RL_EINVALID;
}

int rl_spec_check(json_t **errors, const json_t *body, const struct rl_field *spec,
                  enum rl_spec_mode mode)
{
  *errors = NULL;
  json_t *errs = json_array();
  if (errs == NULL)
    return RL_ENOMEM;
  if (!json_is_object(body))
    rl_spec_error(errs, "", "not_an_object", "the body must be a JSON object");
  else
    check_object(errs, "", body, spec, mode);
  return verdict(errors, errs);
}

void rl_spec_strip_personal(json_t *obj, const struct rl_field *spec)
{
  for (const struct rl_field *f = spec; f->name; f++) {
    if (f->flags & RL_F_PERSONAL)
      json_object_del(obj, f->name);
    else if (f->type == RL_T_OBJECT && json_is_object(json_object_get(obj, f->name)))
      rl_spec_strip_personal(json_object_get(obj, f->name), f->sub);
  }
}

/* --- query parameters ------------------------------------------------------ */

/* A query value as the JSON value its field's type checks, or NULL (and
 * an error appended) when the text cannot be one. */
static json_t *query_value(json_t *errors, const char *name, const char *text,
                           const struct rl_field *f)
{
  char *end = NULL;
  switch (f->type) {
  case RL_T_INT: {
    long long v = strtoll(text, &end, 10);
    if (*text == '\0' || isspace((unsigned char)*text) || *end != '\0' || strlen(text) > 18) {
      rl_spec_error(errors, name, "not_a_whole_number", "must be a whole number");
      return NULL;
    }
    return json_integer(v);
  }
  case RL_T_NUMBER: {
    double v = strtod(text, &end);
    if (*text == '\0' || isspace((unsigned char)*text) || *end != '\0') {
      rl_spec_error(errors, name, "not_a_number", "must be a number");
      return NULL;
    }
    return json_real(v);
  }
  case RL_T_BOOL:
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
      return json_boolean(text[0] == 't');
    rl_spec_error(errors, name, "not_a_boolean", "must be true or false");
    return NULL;
  default: return json_string(text);
  }
}

static void unknown_parameter(json_t *errors, const char *name, const struct rl_field *spec)
{
  char msg[256];
  size_t len;
  if (spec->name == NULL) {
    len = (size_t)snprintf(msg, sizeof msg, "is not a parameter: this operation takes none");
  } else {
    len = (size_t)snprintf(msg, sizeof msg, "is not a parameter of this operation (it takes");
    for (const struct rl_field *f = spec; f->name && len < sizeof msg; f++)
      len += (size_t)snprintf(msg + len, sizeof msg - len, "%s %s", f == spec ? "" : ",", f->name);
    if (len < sizeof msg)
      len += (size_t)snprintf(msg + len, sizeof msg - len, ")");
  }
  struct rl_suggest s;
  rl_suggest_init(&s, name);
  for (const struct rl_field *f = spec; f->name; f++)
    rl_suggest_offer(&s, f->name, f->name);
  const char *best = rl_suggest_best(&s);
  if (best && len < sizeof msg)
    snprintf(msg + len, sizeof msg - len, "; did you mean %s?", best);
  rl_spec_error_suggest(errors, name, "unknown_parameter", msg, best);
}

int rl_spec_query(json_t **out, json_t **errors, const json_t *params, const struct rl_field *spec)
{
  *out = NULL;
  *errors = NULL;
  json_t *errs = json_array(), *typed = json_object();
  if (errs == NULL || typed == NULL) {
    json_decref(errs);
    json_decref(typed);
    return RL_ENOMEM;
  }
  const char *name;
  const json_t *v;
  json_object_foreach((json_t *)params, name, v) {
    const struct rl_field *f = spec;
    while (f->name && strcmp(f->name, name) != 0)
      f++;
    if (f->name == NULL) {
      unknown_parameter(errs, name, spec);
    } else if (json_is_array(v)) {
      rl_spec_error(errs, name, "repeated_parameter", "must be given at most once");
    } else if (!json_is_string(v)) {
      rl_spec_error(errs, name, "bad_encoding", "is not valid UTF-8 text once percent-decoded");
    } else {
      json_t *value = query_value(errs, name, json_string_value(v), f);
      if (value) {
        check_value(errs, name, value, f, RL_SPEC_CREATE);
        json_object_set_new(typed, name, value);
      }
    }
  }
  for (const struct rl_field *f = spec; f->name; f++)
    if ((f->flags & RL_F_REQUIRED) && json_object_get(params, f->name) == NULL)
      rl_spec_error(errs, f->name, "required", "is required");
  int rc = verdict(errors, errs);
  if (rc == RL_OK)
    *out = typed;
  else
    json_decref(typed);
  return rc;
}

void rl_merge_patch(json_t *target, const json_t *patch)
{
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    if (json_is_null(v)) {
      json_object_del(target, key);
    } else if (json_is_object(v)) {
      /* RFC 7396: an object patches what is there, or an empty object
       * (so that its nulls remove, not land as members). */
      json_t *cur = json_object_get(target, key);
      if (!json_is_object(cur)) {
        cur = json_object();
        json_object_set_new(target, key, cur);
      }
      rl_merge_patch(cur, v);
    } else {
      /* A copy: the target must never share a value with the patch. */
      json_object_set_new(target, key, json_deep_copy(v));
    }
  }
}

void rl_spec_next_cursor(char *out, int64_t next)
{
  if (next > 0)
    snprintf(out, 24, "%lld", (long long)next);
  else
    out[0] = '\0';
}
