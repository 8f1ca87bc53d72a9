/* Declarative validation of JSON request bodies: a handler declares its
 * fields, one walk over the body reports every bad field at once. */
#ifndef RL_CORE_SPEC_H
#define RL_CORE_SPEC_H

#include <jansson.h>
#include <stdint.h>

enum rl_spec_type {
  RL_T_STRING,   /* min/max: length in characters */
  RL_T_TEXT,     /* like STRING, but newlines and tabs allowed */
  RL_T_INT,      /* min/max: value */
  RL_T_NUMBER,   /* min/max: value (integers accepted) */
  RL_T_BOOL,
  RL_T_ENUM,     /* one of values[] */
  RL_T_OBJECT,   /* fields in sub[] */
  RL_T_STRINGS,  /* array of STRING, min/max: item count; item_max: length */
  RL_T_DATE,     /* "YYYY-MM-DD" */
  RL_T_TIME,     /* RFC 3339 date-time */
};

enum {
  RL_F_REQUIRED = 1 << 0, /* must be present (on create) */
  RL_F_READONLY = 1 << 1, /* set by the server: refused if sent */
  RL_F_NULLABLE = 1 << 2, /* null accepted (on update: removes the value) */
  RL_F_IMMUTABLE = 1 << 3,/* accepted on create, refused on update */
};

struct rl_field {
  const char *name;
  enum rl_spec_type type;
  unsigned flags;
  double min, max;
  const char *const *values;      /* RL_T_ENUM: NULL-terminated */
  const struct rl_field *sub;     /* RL_T_OBJECT: terminated by name NULL */
  double item_max;                /* RL_T_STRINGS: longest item */
};

enum rl_spec_mode { RL_SPEC_CREATE, RL_SPEC_UPDATE };

/* Checks body against spec. Returns RL_OK, or RL_EINVALID with *errors (a
 * new array of {"field","message"}, caller owns) listing every problem:
 * not an object, unknown fields, server-owned fields, missing required ones,
 * wrong types, out of bounds. In RL_SPEC_UPDATE mode nothing is required and
 * RL_F_IMMUTABLE fields are refused. */
int rl_spec_check(json_t **errors, const json_t *body, const struct rl_field *spec,
                  enum rl_spec_mode mode);

/* Appends {"field": field, "message": message} to errors. */
void rl_spec_error(json_t *errors, const char *field, const char *message);

/* Sets *errors to a new array holding one such error; returns RL_EINVALID. */
int rl_spec_invalid(json_t **errors, const char *field, const char *message);

/* Reads a list cursor this service issued (a positive decimal id); NULL
 * gives 0. RL_OK, or RL_EINVALID with *errors naming "cursor". */
int rl_spec_cursor(int64_t *out, const char *cursor, json_t **errors);

/* Number of Unicode characters in a valid UTF-8 string. */
size_t rl_utf8_len(const char *s);

/* Whether s is "YYYY-MM-DD" naming a real date. */
int rl_spec_is_date(const char *s);
/* Whether s is an RFC 3339 date-time with a time zone. */
int rl_spec_is_time(const char *s);

#endif
