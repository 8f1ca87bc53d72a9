/* Log lines: one JSON object per line, bounded whatever a caller or a
 * client puts in them. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* Runs fn with standard error sent to a file; returns what it wrote
 * (static storage). */
static const char *captured(void (*fn)(void))
{
  static char out[4 * RL_LOG_LINE_MAX];
  FILE *f = tmpfile();
  cr_assert_not_null(f);
  int saved = dup(STDERR_FILENO);
  cr_assert_geq(saved, 0);
  cr_assert_geq(dup2(fileno(f), STDERR_FILENO), 0);
  fn();
  dup2(saved, STDERR_FILENO);
  close(saved);
  rewind(f);
  size_t n = fread(out, 1, sizeof out - 1, f);
  out[n] = '\0';
  fclose(f);
  return out;
}

/* The one line in text, parsed; fails unless it is exactly one JSON line. */
static json_t *one_line(const char *text)
{
  size_t len = strlen(text);
  cr_assert_gt(len, 0, "nothing was written");
  cr_assert_leq(len, RL_LOG_LINE_MAX, "the line has %zu bytes", len);
  cr_assert_eq(strchr(text, '\n'), text + len - 1, "not one line: %s", text);
  json_error_t err;
  json_t *j = json_loadb(text, len, 0, &err);
  cr_assert_not_null(j, "not JSON (%s): %s", err.text, text);
  return j;
}

static char huge[5000];

static void log_huge(void)
{
  memset(huge, '"', sizeof huge - 1);
  huge[10] = '\xff';
  rl_log(RL_LOG_ERROR, "big", "%s\n", huge);
}

Test(log, a_huge_message_is_cut_and_the_line_stays_json)
{
  json_t *j = one_line(captured(log_huge));
  cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "error");
  cr_assert_str_eq(json_string_value(json_object_get(j, "event")), "big");
  const char *msg = json_string_value(json_object_get(j, "message"));
  cr_assert_not_null(msg);
  cr_assert_gt(strlen(msg), 500, "cut far too short");
  cr_assert_eq(strncmp(msg, "\"\"\"\"\"\"\"\"\"\"\xef\xbf\xbd\"", 14), 0,
               "invalid UTF-8 becomes U+FFFD: %s", msg);
  const char *t = json_string_value(json_object_get(j, "time"));
  cr_assert(t && strlen(t) == 24 && t[23] == 'Z', "time: %s", t);
  json_decref(j);
}

static void log_fields(void)
{
  struct rl_log_line line;
  rl_log_begin(&line, RL_LOG_INFO, "request");
  rl_buf_add(&line.b, ",\"path\":");
  rl_buf_add_json(&line.b, "/d/AB\n12", 100);
  rl_buf_printf(&line.b, ",\"status\":%d", 200);
  rl_log_end(&line);
}

Test(log, a_line_of_fields)
{
  json_t *j = one_line(captured(log_fields));
  cr_assert_str_eq(json_string_value(json_object_get(j, "event")), "request");
  cr_assert_str_eq(json_string_value(json_object_get(j, "path")), "/d/AB\n12");
  cr_assert_eq(json_integer_value(json_object_get(j, "status")), 200);
  json_decref(j);
}

static void log_overflowing(void)
{
  struct rl_log_line line;
  rl_log_begin(&line, RL_LOG_INFO, "request");
  for (int i = 0; i < 100; i++)
    rl_buf_add(&line.b, ",\"field\":\"0123456789012345678901234567890123456789\"");
  rl_log_end(&line);
}

Test(log, a_line_that_does_not_fit_is_not_written_cut)
{
  cr_assert_str_eq(captured(log_overflowing), "");
}

static void log_below_level(void)
{
  rl_log_set_level(RL_LOG_WARN);
  rl_log(RL_LOG_INFO, "quiet", "not written");
  rl_log(RL_LOG_WARN, "loud", "written");
}

Test(log, lines_below_the_level_are_not_written)
{
  json_t *j = one_line(captured(log_below_level));
  cr_assert_str_eq(json_string_value(json_object_get(j, "event")), "loud");
  json_decref(j);
}
