/* JSON log lines. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int g_level = RL_LOG_INFO;

void rl_log_set_level(enum rl_log_level level) { atomic_store(&g_level, (int)level); }

int rl_log_enabled(enum rl_log_level level) { return (int)level >= atomic_load(&g_level); }

void rl_log_now(char *out, size_t cap)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char base[24];
  strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, cap, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

static size_t utf8_seq_len(const unsigned char *s)
{
  unsigned char c = s[0];
  size_t n;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4;
  else
    return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

void rl_json_escape(char *buf, size_t cap, size_t *len, const char *s)
{
  size_t o = *len;
  if (cap == 0 || o >= cap - 1)
    return;
  buf[o++] = '"';
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p && o + 8 < cap) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
      p++;
    } else if (c < 0x20) {
      o += (size_t)snprintf(buf + o, cap - o, "\\u%04x", c);
      p++;
    } else if (c < 0x80) {
      buf[o++] = (char)c;
      p++;
    } else {
      size_t n = utf8_seq_len(p);
      if (n == 0) {
        memcpy(buf + o, "\\ufffd", 6);
        o += 6;
        p++;
      } else {
        memcpy(buf + o, p, n);
        o += n;
        p += n;
      }
    }
  }
  if (o < cap - 1)
    buf[o++] = '"';
  buf[o] = '\0';
  *len = o;
}

void rl_log_append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
  if (*len >= cap - 1)
    return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
  va_end(ap);
  if (n > 0)
    *len += (size_t)n;
  if (*len > cap - 1)
    *len = cap - 1;
}

void rl_log_write_line(char *line, size_t len, size_t cap)
{
  if (len + 1 >= cap)
    len = cap - 2;
  line[len++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}

void rl_log(enum rl_log_level level, const char *event, const char *fmt, ...)
{
  static const char *names[] = {"debug", "info", "warn", "error"};
  if (!rl_log_enabled(level))
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  size_t ml = strlen(msg);
  while (ml > 0 && (msg[ml - 1] == '\n' || msg[ml - 1] == ' '))
    msg[--ml] = '\0';

  char line[2048], now[40];
  rl_log_now(now, sizeof now);
  size_t len = 0;
  rl_log_append(line, sizeof line, &len, "{\"time\":\"%s\",\"level\":\"%s\",\"event\":",
                now, names[level]);
  rl_json_escape(line, sizeof line, &len, event);
  rl_log_append(line, sizeof line, &len, ",\"message\":");
  rl_json_escape(line, sizeof line, &len, msg);
  rl_log_append(line, sizeof line, &len, "}");
  rl_log_write_line(line, len, sizeof line);
}
