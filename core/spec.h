/* Declarative validation: a resource declares its fields once (type,
 * bounds, format, personal or not) and one walk checks a JSON body, or a
 * request's query parameters, reporting every problem at once. Each problem
 * is {"field", "code", "message"[, "suggestion"]}: `code` is stable and
 * listed in docs/errors.md (clients translate it), `message` is English. */
#ifndef RL_CORE_SPEC_H
#define RL_CORE_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum rl_spec_type {
  RL_T_STRING, /* min/max: length in characters; format: optional */
  RL_T_TEXT,   /* like STRING, but newlines and tabs allowed */
  RL_T_INT,    /* min/max: value */
  RL_T_NUMBER, /* min/max: value (integers accepted) */
  RL_T_BOOL,
  RL_T_ENUM,    /* one of values[] */
  RL_T_OBJECT,  /* fields in sub[] */
  RL_T_STRINGS, /* array of STRING, min/max: item count; item_max: length */
  RL_T_DATE,    /* "YYYY-MM-DD" */
  RL_T_TIME,    /* RFC 3339 date-time */
  RL_T_ARRAY,   /* an array, min/max: item count; its items are checked by core */
};

enum {
  RL_F_REQUIRED = 1 << 0,  /* must be present (on create; always, for a query) */
  RL_F_READONLY = 1 << 1,  /* set by the server: refused if sent */
  RL_F_NULLABLE = 1 << 2,  /* null accepted (on update: removes the value) */
  RL_F_IMMUTABLE = 1 << 3, /* accepted on create, refused on update */
  RL_F_PERSONAL = 1 << 4,  /* personal data: never shown to keys below volunteer */
};

/* A shape a string must have beyond its length, with the error that says
 * it does not. */
struct rl_format {
  const char *code;    /* e.g. "not_an_email" */
  const char *message; /* e.g. "is not an e-mail address" */
  int (*ok)(const char *s);
};

/* Lower-case letters, digits and dashes, not starting with a dash, 1-64. */
extern const struct rl_format rl_format_slug;
/* One @ with something on both sides, no spaces. */
extern const struct rl_format rl_format_email;
/* Digits (at least 3), spaces and + - . ( ). */
extern const struct rl_format rl_format_phone;

struct rl_field {
  const char *name;
  enum rl_spec_type type;
  unsigned flags;
  double min, max;
  const char *const *values;      /* RL_T_ENUM: NULL-terminated */
  const struct rl_field *sub;     /* RL_T_OBJECT: terminated by name NULL */
  double item_max;                /* RL_T_STRINGS: longest item */
  const struct rl_format *format; /* RL_T_STRING: NULL for any text */
};

/* The paging parameters of every list, for query specs. */
/* clang-format off */
#define RL_SPEC_LIMIT {.name = "limit", .type = RL_T_INT, .min = 1, .max = 500}
#define RL_SPEC_CURSOR {.name = "cursor", .type = RL_T_STRING, .min = 1, .max = 200}
/* clang-format on */
#define RL_SPEC_LIMIT_DEFAULT 50
/* Room for any next_cursor a list returns (ids and slugs). */
#define RL_SPEC_CURSOR_MAX 80

enum rl_spec_mode { RL_SPEC_CREATE, RL_SPEC_UPDATE };

/* Checks body against spec. Returns RL_OK with *errors NULL, or RL_EINVALID
 * with *errors (a new array, caller owns) listing every problem: not an
 * object, unknown fields, server-owned fields, missing required ones, wrong
 * types, out of bounds, bad formats. In RL_SPEC_UPDATE mode nothing is
 * required and RL_F_IMMUTABLE fields are refused. RL_ENOMEM. */
int rl_spec_check(json_t **errors, const json_t *body, const struct rl_field *spec,
                  enum rl_spec_mode mode);

/* Checks query parameters against spec (scalar types only). params maps
 * each name to its decoded value: a string, an array of strings when the
 * parameter was repeated, or null when its value was not valid UTF-8 text.
 * RL_OK with *out (caller owns) holding the values typed as the spec says
 * (RL_T_INT and RL_T_NUMBER as numbers, RL_T_BOOL as true/false, others as
 * strings), or RL_EINVALID with *errors (caller owns): unknown parameters
 * (with a suggestion among the known ones), repeated ones, bad values. */
int rl_spec_query(json_t **out, json_t **errors, const json_t *params, const struct rl_field *spec);

/* Removes the RL_F_PERSONAL members of obj, and of its objects, as spec
 * describes them. */
void rl_spec_strip_personal(json_t *obj, const struct rl_field *spec);

/* Appends {"field", "code", "message"} to errors. */
void rl_spec_error(json_t *errors, const char *field, const char *code, const char *message);
/* The same with "suggestion" (omitted when suggestion is NULL). */
void rl_spec_error_suggest(json_t *errors, const char *field, const char *code, const char *message,
                           const char *suggestion);
/* Sets *errors to a new array holding one such error; returns RL_EINVALID. */
int rl_spec_invalid(json_t **errors, const char *field, const char *code, const char *message);
/* Whether errors already hold an error about field. */
int rl_spec_names(const json_t *errors, const char *field);
/* Moves every error of more (which it releases; NULL is fine) to the end
 * of errors. */
void rl_spec_append(json_t *errors, json_t *more);

/* Reads a list cursor this service issued (a positive decimal id); NULL
 * gives 0. RL_OK, or RL_EINVALID with *errors naming "cursor". */
int rl_spec_cursor(int64_t *out, const char *cursor, json_t **errors);
/* A list's time window (query parameters since and until, checked as
 * times): RL_OK, or RL_EINVALID with *errors naming "until" when it is not
 * after since. */
int rl_spec_since_until(const json_t *query, json_t **errors);
/* Writes the next_cursor of a list whose next page starts after or before
 * id `next` (24 bytes at least): "" when next is 0 (the last page). */
void rl_spec_next_cursor(char *out, int64_t next);
/* limit from a query checked with RL_SPEC_LIMIT; the default when absent. */
int rl_spec_limit(const json_t *query);
/* A string member of obj, or NULL. */
const char *rl_spec_str(const json_t *obj, const char *name);

/* An ILIKE pattern matching q anywhere: q between two %, with LIKE's own
 * metacharacters (% _ \) taken literally. Cut to fit cap (2 * strlen(q)
 * + 3 always fits). */
void rl_spec_like(char *out, size_t cap, const char *q);

/* Applies a JSON merge patch (RFC 7396) to target: null removes a member,
 * an object merges into an object, anything else replaces. */
void rl_merge_patch(json_t *target, const json_t *patch);

/* Number of Unicode characters in a valid UTF-8 string. */
size_t rl_utf8_len(const char *s);

/* Whether s is "YYYY-MM-DD" naming a real date. */
int rl_spec_is_date(const char *s);
/* Dates and times the API takes fall from 2000-01-01 to 2100-12-31 (UTC),
 * so that every stored time reads back as RFC 3339. */
#define RL_SPEC_TIME_MIN 946684800.0  /* 2000-01-01T00:00:00Z */
#define RL_SPEC_TIME_END 4133980800.0 /* 2101-01-01T00:00:00Z */
/* Whether s is an RFC 3339 date-time with a time zone. */
int rl_spec_is_time(const char *s);
/* Seconds since 1970 of an RFC 3339 date-time (its offset applied), so
 * that two can be compared. RL_OK, or RL_EINVALID when it is not one. */
int rl_spec_time_seconds(double *out, const char *s);

/* "Did you mean": the candidate closest to what a person typed, comparing
 * both without case, accents or punctuation ("Grille pain" is
 * "grille-pain"), and only when it is close enough to be a typo or the
 * same name. Offer every candidate, then read the best. */
#define RL_SUGGEST_MAX 80
struct rl_suggest {
  char typed[RL_SUGGEST_MAX];
  const char *best; /* borrowed from the offers */
  size_t distance;
};
void rl_suggest_init(struct rl_suggest *s, const char *typed);
/* Compares name with what was typed; answer (borrowed until the end) is
 * what to suggest if it is the closest so far. */
void rl_suggest_offer(struct rl_suggest *s, const char *name, const char *answer);
/* The best answer, or NULL when nothing was close. */
const char *rl_suggest_best(const struct rl_suggest *s);

#endif
