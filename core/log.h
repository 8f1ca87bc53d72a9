/* Structured logging: one JSON object per line on standard error, written
 * with a single write(2) so lines from different threads never interleave. */
#ifndef RL_CORE_LOG_H
#define RL_CORE_LOG_H

#include <stddef.h>

#include "core/config.h"

/* Sets the lowest level written; call once at startup. */
void rl_log_set_level(enum rl_log_level level);
int rl_log_enabled(enum rl_log_level level);

/* {"time":…,"level":…,"event":event,"message":printf(fmt, …)} */
void rl_log(enum rl_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends s as a JSON string (with quotes) to buf at *len, never past cap-1;
 * invalid UTF-8 bytes become U+FFFD. */
void rl_json_escape(char *buf, size_t cap, size_t *len, const char *s);

/* printf-appends to buf at *len; *len never passes cap - 1, whatever the
 * output's length. */
void rl_log_append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* RFC 3339 UTC time with milliseconds of now into out (at least 32 bytes). */
void rl_log_now(char *out, size_t cap);

/* Writes a finished line (adds the newline). */
void rl_log_write_line(char *line, size_t len, size_t cap);

#endif
