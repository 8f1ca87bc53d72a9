/* JSON log lines. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

/* Bounds of rl_log's fields: with the time, level and punctuation they fit
 * in a line whatever the caller passes. */
#define EVENT_MAX 64
#define MESSAGE_MAX 1800
_Static_assert(EVENT_MAX + MESSAGE_MAX + 128 < RL_LOG_LINE_MAX, "rl_log's fields fit a line");

static atomic_int g_level = RL_LOG_INFO;

void rl_log_set_level(enum rl_log_level level) { atomic_store(&g_level, (int)level); }

int rl_log_enabled(enum rl_log_level level) { return (int)level >= atomic_load(&g_level); }

void rl_log_begin(struct rl_log_line *line, enum rl_log_level level, const char *event)
{
  static const char *names[] = {"debug", "info", "warn", "error"};
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char now[24];
  if (strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
    now[0] = '\0'; /* undefined otherwise; only a year past 9999 is too long */
  rl_buf_init_fixed(&line->b, line->mem, sizeof line->mem);
  rl_buf_printf(&line->b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"event\":", now,
                ts.tv_nsec / 1000000, names[level]);
  rl_buf_add_json(&line->b, event, EVENT_MAX);
}

void rl_log_end(struct rl_log_line *line)
{
  rl_buf_add(&line->b, "}\n");
  if (rl_buf_status(&line->b) != RL_OK)
    return;
  ssize_t w = write(STDERR_FILENO, line->b.data, line->b.len);
  (void)w;
}

void rl_log(enum rl_log_level level, const char *event, const char *fmt, ...)
{
  if (!rl_log_enabled(level))
    return;
  char msg[MESSAGE_MAX + 1];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t ml = strlen(msg);
  while (ml > 0 && (msg[ml - 1] == '\n' || msg[ml - 1] == ' '))
    msg[--ml] = '\0';

  struct rl_log_line line;
  rl_log_begin(&line, level, event);
  rl_buf_add(&line.b, ",\"message\":");
  rl_buf_add_json(&line.b, msg, MESSAGE_MAX);
  rl_log_end(&line);
}
