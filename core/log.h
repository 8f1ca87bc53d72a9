/* Structured logging: one JSON object per line on standard error, written
 * with a single write(2) so lines from different threads never interleave.
 * Lines are built in bounded storage on the stack: logging never allocates,
 * so it still works when memory runs out. */
#ifndef RL_CORE_LOG_H
#define RL_CORE_LOG_H

#include <stddef.h>

#include "core/buf.h"
#include "core/config.h"

/* The longest line, its newline included. */
#define RL_LOG_LINE_MAX 2048

/* Sets the lowest level written; call once at startup. */
void rl_log_set_level(enum rl_log_level level);
int rl_log_enabled(enum rl_log_level level);

/* {"time":…,"level":…,"event":event,"message":printf(fmt, …)}; the message
 * is cut to fit the line. */
void rl_log(enum rl_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A line of other fields: rl_log_begin writes {"time":…,"level":…,"event":…
 * into line->b, the caller appends ,"name":value members with the rl_buf
 * functions, bounding each (rl_buf_add_json's max) so that all fit in
 * RL_LOG_LINE_MAX, and rl_log_end closes and writes the line. A line that
 * did not fit is not written at all, rather than written cut. */
struct rl_log_line {
  struct rl_buf b;
  char mem[RL_LOG_LINE_MAX];
};
void rl_log_begin(struct rl_log_line *line, enum rl_log_level level, const char *event);
void rl_log_end(struct rl_log_line *line);

#endif
