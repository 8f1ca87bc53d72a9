/* The growable buffer: growth, escaping, bounds, and the sticky failure
 * that lets writers check once at the end. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"

Test(buf, grows_from_empty_and_stays_nul_terminated)
{
  struct rl_buf b = {0};
  for (int i = 0; i < 1000; i++)
    rl_buf_add(&b, "0123456789");
  rl_buf_add(&b, NULL);
  cr_assert_eq(rl_buf_status(&b), RL_OK);
  cr_assert_eq(b.len, 10000);
  cr_assert_eq(strlen(b.data), 10000);
  cr_assert_eq(memcmp(b.data + 9990, "0123456789", 10), 0);
  rl_buf_free(&b);
  cr_assert_null(b.data);
}

Test(buf, printf_longer_than_the_room_left)
{
  struct rl_buf b = {0};
  rl_buf_add(&b, "x");
  char big[1000];
  memset(big, 'y', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  rl_buf_printf(&b, "[%s] %d", big, 42);
  rl_buf_printf(&b, "%s", "");
  cr_assert_eq(rl_buf_status(&b), RL_OK);
  cr_assert_eq(b.len, 1 + 1 + 999 + 1 + 3);
  cr_assert_eq(b.data[0], 'x');
  cr_assert_str_eq(b.data + b.len - 5, "y] 42");
  rl_buf_free(&b);
}

Test(buf, failure_at_the_bound_sticks_and_later_appends_do_nothing)
{
  struct rl_buf b;
  rl_buf_init(&b, 8); /* 7 bytes and the NUL */
  rl_buf_add(&b, "abc");
  rl_buf_add(&b, "defgh"); /* 8 bytes: one too many */
  cr_assert_eq(rl_buf_status(&b), RL_ENOMEM);
  rl_buf_add(&b, "d"); /* would fit, but the buffer has failed */
  rl_buf_printf(&b, "%d", 1);
  rl_buf_add_html(&b, "<");
  rl_buf_add_json(&b, "j", 10);
  cr_assert_str_eq(b.data, "abc");
  cr_assert_eq(rl_buf_status(&b), RL_ENOMEM);
  size_t len = 99;
  cr_assert_null(rl_buf_take(&b, &len), "a failed buffer hands over nothing");
  cr_assert_eq(len, 0);
  cr_assert_null(b.data);
}

Test(buf, exactly_at_the_bound_fits)
{
  struct rl_buf b;
  rl_buf_init(&b, 8);
  rl_buf_add(&b, "abc");
  rl_buf_printf(&b, "%s", "defg");
  cr_assert_eq(rl_buf_status(&b), RL_OK);
  cr_assert_str_eq(b.data, "abcdefg");
  rl_buf_free(&b);
}

Test(buf, fixed_storage_never_allocates_and_keeps_what_fitted)
{
  char mem[16];
  struct rl_buf b;
  rl_buf_init_fixed(&b, mem, sizeof mem);
  rl_buf_add(&b, "abc");
  /* A printf that does not fit must not leave its cut copy behind. */
  rl_buf_printf(&b, "%s", "0123456789abcdefgh");
  cr_assert_eq(b.data, mem);
  cr_assert_eq(rl_buf_status(&b), RL_ENOMEM);
  cr_assert_str_eq(mem, "abc");
  cr_assert_eq(b.len, 3);
  size_t len;
  cr_assert_null(rl_buf_take(&b, &len), "a fixed buffer's bytes stay in its storage");
  rl_buf_free(&b); /* nothing to free: mem is the caller's */
}

Test(buf, html_escapes_the_five_characters)
{
  struct rl_buf b = {0};
  rl_buf_add_html(&b, "<a href=\"x\">Tom & Jerry's</a>");
  rl_buf_add_html(&b, NULL);
  rl_buf_add_html(&b, "é");
  cr_assert_str_eq(b.data, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;é");
  rl_buf_free(&b);
}

Test(buf, json_escapes_and_replaces_invalid_utf8)
{
  struct rl_buf b = {0};
  rl_buf_add_json(&b, "a\"b\\c\n\x01 é \xff\xc3(", 100);
  rl_buf_add(&b, " ");
  rl_buf_add_json(&b, NULL, 100);
  cr_assert_str_eq(b.data, "\"a\\\"b\\\\c\\u000a\\u0001 é \\ufffd\\ufffd(\" \"\"");
  rl_buf_free(&b);
}

Test(buf, json_is_cut_at_a_character_boundary_and_stays_a_string)
{
  struct rl_buf b = {0};
  rl_buf_add_json(&b, "abcdef", 3);
  rl_buf_add_json(&b, "aé", 2);   /* é is two bytes: cut before it */
  rl_buf_add_json(&b, "a\"b", 2); /* \" is two bytes: cut before it */
  rl_buf_add_json(&b, "\xff", 5); /* U+FFFD escaped is six bytes */
  cr_assert_str_eq(b.data, "\"abc\"\"a\"\"a\"\"\"");
  rl_buf_free(&b);
}

Test(buf, take_hands_over_the_bytes_even_when_empty)
{
  struct rl_buf b = {0};
  size_t len = 99;
  char *s = rl_buf_take(&b, &len);
  cr_assert_not_null(s);
  cr_assert_str_eq(s, "");
  cr_assert_eq(len, 0);
  free(s);
  rl_buf_add(&b, "hello");
  s = rl_buf_take(&b, &len);
  cr_assert_str_eq(s, "hello");
  cr_assert_eq(len, 5);
  cr_assert_null(b.data, "the buffer no longer owns them");
  free(s);
}
