/* Device codes: generation, what a person may type, and the typos the check
 * symbol must catch. The tests hold whatever the check function is: they
 * check its properties (one valid symbol per body, every single
 * substitution and every swap caught), not its formula. */
#include "core/code.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int value_of(char c)
{
  const char *p = strchr(alphabet, c);
  return (p && c) ? (int)(p - alphabet) : -1;
}

/* A valid 8-symbol body: seven given symbols and their check symbol. */
static void valid_body(char out[9], const char *body7)
{
  memcpy(out, body7, 7);
  out[7] = rl_code_check_symbol(body7, 7);
  out[8] = '\0';
}

static enum rl_code_parse parse(const char *input, char body[9])
{
  memset(body, 0, 9);
  return rl_code_parse(body, input);
}

Test(code, generated_codes_have_the_documented_shape)
{
  for (int n = 0; n < 2000; n++) {
    char body[RL_CODE_BODY_LEN + 1], display[RL_CODE_MAX];
    cr_assert_eq(rl_code_generate(body, display, "RL"), 0);
    cr_assert_eq(strlen(display), 12, "display %s", display);
    cr_assert(strncmp(display, "RL-", 3) == 0, "display %s", display);
    cr_assert_eq(display[7], '-', "display %s", display);
    cr_assert_eq(strlen(body), 8);
    for (int i = 0; i < 8; i++)
      cr_assert_geq(value_of(body[i]), 0, "symbol %c of %s is not Crockford base32", body[i], body);
    cr_assert(memcmp(display + 3, body, 4) == 0 && memcmp(display + 8, body + 4, 4) == 0,
              "display %s does not show body %s", display, body);
    cr_assert_eq(body[7], rl_code_check_symbol(body, 7), "check symbol of %s", body);
    char parsed[9];
    cr_assert_eq(parse(display, parsed), RL_CODE_OK, "%s does not parse", display);
    cr_assert_str_eq(parsed, body);
  }
}

Test(code, generated_codes_are_random_and_use_the_whole_alphabet)
{
  int seen[32] = {0};
  char first[9] = "";
  int same_as_first = 0;
  for (int n = 0; n < 500; n++) {
    char body[9], display[RL_CODE_MAX];
    cr_assert_eq(rl_code_generate(body, display, "RL"), 0);
    for (int i = 0; i < 7; i++)
      seen[value_of(body[i])]++;
    if (n == 0)
      memcpy(first, body, 9);
    else if (strcmp(first, body) == 0)
      same_as_first++;
  }
  for (int v = 0; v < 32; v++)
    cr_assert_gt(seen[v], 0, "symbol %c never generated in 3500 draws", alphabet[v]);
  cr_assert_eq(same_as_first, 0);
}

Test(code, other_and_empty_prefixes)
{
  char body[9], display[RL_CODE_MAX], parsed[9];
  cr_assert_eq(rl_code_generate(body, display, "FSBTL"), 0);
  cr_assert(strncmp(display, "FSBTL-", 6) == 0 && strlen(display) == 15, "%s", display);
  cr_assert_eq(parse(display, parsed), RL_CODE_OK);
  cr_assert_str_eq(parsed, body);
  cr_assert_eq(rl_code_generate(body, display, ""), 0);
  cr_assert_eq(strlen(display), 9, "%s", display);
  cr_assert_eq(display[4], '-');
  cr_assert_eq(parse(display, parsed), RL_CODE_OK);
  cr_assert_str_eq(parsed, body);
}

/* For any seven symbols, exactly one of the 32 symbols completes a code. */
Test(code, exactly_one_check_symbol_per_body)
{
  const char *samples[] = {"0000000", "ZZZZZZZ", "4K7Q9M2", "ABCDEFG",
                           "1234567", "HJKMNPQ", "0Z0Z0Z0", "Z0Z0Z0Z"};
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    int valid = 0;
    for (int k = 0; k < 32; k++) {
      char in[16], parsed[9];
      snprintf(in, sizeof in, "%s%c", samples[i], alphabet[k]);
      enum rl_code_parse rc = parse(in, parsed);
      cr_assert(rc == RL_CODE_OK || rc == RL_CODE_BAD_CHECK, "%s", in);
      if (rc == RL_CODE_OK) {
        valid++;
        cr_assert_eq(alphabet[k], rl_code_check_symbol(samples[i], 7));
      }
    }
    cr_assert_eq(valid, 1, "%s: %d check symbols accepted", samples[i], valid);
  }
}

Test(code, what_people_type_is_read_back)
{
  char b[9];
  valid_body(b, "4K7Q9M2");
  char in[64], parsed[9];

  struct {
    const char *fmt;
  } forms[] = {{"RL-%.4s-%.4s"}, {"rl-%.4s-%.4s"}, {"RL%.4s%.4s"},   {"%.4s-%.4s"},
               {"%.4s%.4s"},     {"rl %.4s %.4s"}, {"Rl-%.4s-%.4s"}, {"XYZ-%.4s-%.4s"}};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    snprintf(in, sizeof in, forms[i].fmt, b, b + 4);
    cr_assert_eq(parse(in, parsed), RL_CODE_OK, "%s", in);
    cr_assert_str_eq(parsed, b, "%s", in);
    for (char *p = in; *p; p++)
      *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    cr_assert_eq(parse(in, parsed), RL_CODE_OK, "lower case %s", in);
    cr_assert_str_eq(parsed, b, "lower case %s", in);
  }
}

Test(code, ambiguous_letters_read_as_digits)
{
  /* A body with 0s and 1s, typed with O, I and L (either case). */
  char b[9], in[32], parsed[9];
  valid_body(b, "10A1B0C");
  const char *typed[] = {"IOA1BOC", "LOAIBOC", "ioalboc", "1oA1b0c"};
  for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
    snprintf(in, sizeof in, "RL-%.4s-%.3s%c", typed[i], typed[i] + 4, b[7]);
    cr_assert_eq(parse(in, parsed), RL_CODE_OK, "%s", in);
    cr_assert_str_eq(parsed, b, "%s", in);
  }
  /* The check symbol itself may be typed ambiguously too. */
  int tried = 0;
  char base[8] = "ABCDEFG";
  for (int k = 0; k < 32; k++) {
    base[6] = alphabet[k];
    valid_body(b, base);
    if (b[7] != '0' && b[7] != '1')
      continue;
    snprintf(in, sizeof in, "%.7s%c", b, b[7] == '0' ? 'o' : 'l');
    cr_assert_eq(parse(in, parsed), RL_CODE_OK, "%s", in);
    cr_assert_str_eq(parsed, b);
    tried++;
  }
  cr_assert_gt(tried, 0);
}

Test(code, every_single_substitution_is_caught)
{
  const char *bodies7[] = {"4K7Q9M2", "0000000", "ZZZZZZZ", "0Z0Z0Z0", "HJKMNPQ", "1V2W3X4"};
  for (size_t s = 0; s < sizeof bodies7 / sizeof bodies7[0]; s++) {
    char b[9];
    valid_body(b, bodies7[s]);
    for (int pos = 0; pos < 8; pos++) {
      for (int k = 0; k < 32; k++) {
        if (alphabet[k] == b[pos])
          continue;
        char typo[9], in[32], parsed[9];
        memcpy(typo, b, 9);
        typo[pos] = alphabet[k];
        snprintf(in, sizeof in, "RL-%.4s-%.4s", typo, typo + 4);
        enum rl_code_parse rc = parse(in, parsed);
        cr_assert(rc == RL_CODE_BAD_CHECK || rc == RL_CODE_MALFORMED,
                  "%s (from %s, position %d) was accepted", in, b, pos);
        cr_assert_eq(rc, RL_CODE_BAD_CHECK, "%s: a substitution within the alphabet", in);
      }
      /* Characters outside the alphabet (other than O, I, L) are malformed. */
      const char outside[] = "U*#_.é";
      for (size_t k = 0; k < sizeof outside - 1; k++) {
        char typo[9], in[32], parsed[9];
        memcpy(typo, b, 9);
        typo[pos] = outside[k];
        snprintf(in, sizeof in, "RL-%.4s-%.4s", typo, typo + 4);
        cr_assert_eq(parse(in, parsed), RL_CODE_MALFORMED, "%s", in);
      }
    }
  }
}

/* A valid body with alphabet[a] at position i and alphabet[c] at j (i < j);
 * when j is the check position, another symbol is chosen to make it so. */
static int body_with(char out[9], int i, int a, int j, int c)
{
  char body7[8] = "5R8TB3W";
  body7[i] = alphabet[a];
  if (j < 7) {
    body7[j] = alphabet[c];
    valid_body(out, body7);
    return 1;
  }
  int k = i == 0 ? 1 : 0;
  for (int f = 0; f < 32; f++) {
    body7[k] = alphabet[f];
    if (rl_code_check_symbol(body7, 7) == alphabet[c]) {
      valid_body(out, body7);
      return 1;
    }
  }
  return 0;
}

/* Every swap of two distinct symbols (adjacent ones above all), at every
 * pair of positions, for every ordered pair of symbols. */
Test(code, every_transposition_is_caught)
{
  int missed = 0, adjacent_missed = 0;
  char first_miss[64] = "";
  for (int i = 0; i < 8; i++) {
    for (int j = i + 1; j < 8; j++) {
      for (int a = 0; a < 32; a++) {
        for (int c = 0; c < 32; c++) {
          if (a == c)
            continue;
          char b[9];
          cr_assert(body_with(b, i, a, j, c), "no body with %c at %d and %c at %d", alphabet[a], i,
                    alphabet[c], j);
          char swapped[9], in[32], parsed[9];
          memcpy(swapped, b, 9);
          swapped[i] = b[j];
          swapped[j] = b[i];
          snprintf(in, sizeof in, "%.4s-%.4s", swapped, swapped + 4);
          if (parse(in, parsed) == RL_CODE_OK) {
            adjacent_missed += j == i + 1;
            if (missed++ == 0)
              snprintf(first_miss, sizeof first_miss, "%.8s typed as %.8s", b, swapped);
          }
        }
      }
    }
  }
  cr_assert_eq(adjacent_missed, 0, "%d adjacent transpositions are not caught, e.g. %s",
               adjacent_missed, first_miss);
  cr_assert_eq(missed, 0, "%d transpositions are not caught, e.g. %s", missed, first_miss);
}

Test(code, malformed_inputs)
{
  char b[9], parsed[9];
  valid_body(b, "4K7Q9M2");
  char long_prefix[64], too_short[32], too_long[32], digit_prefix[32], under[32];
  snprintf(long_prefix, sizeof long_prefix, "ABCDEFG-%.4s-%.4s", b, b + 4);
  snprintf(too_short, sizeof too_short, "%.4s-%.3s", b, b + 4);
  snprintf(too_long, sizeof too_long, "%.4s-%.4s7", b, b + 4);
  snprintf(digit_prefix, sizeof digit_prefix, "R2-%.4s-%.4s", b, b + 4);
  snprintf(under, sizeof under, "RL_%.4s_%.4s", b, b + 4);
  const char *bad[] = {"",
                       "-",
                       "   ",
                       "RL",
                       "RL-",
                       "hello",
                       too_short,
                       too_long,
                       digit_prefix,
                       long_prefix,
                       under,
                       "RL-4K7Q-9M2\n",
                       "RL-4K7Q/9M2X",
                       "RL-4K7Q-9M2%00",
                       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
                       "'; DROP TABLE devices;--"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_eq(parse(bad[i], parsed), RL_CODE_MALFORMED, "\"%s\"", bad[i]);
  cr_assert_eq(rl_code_parse(parsed, NULL), RL_CODE_MALFORMED);

  /* Very long input: refused, and nothing is written past the body. */
  char huge[4096];
  memset(huge, 'A', sizeof huge - 1);
  huge[sizeof huge - 1] = '\0';
  char guard[32];
  memset(guard, 'x', sizeof guard);
  cr_assert_eq(rl_code_parse(guard, huge), RL_CODE_MALFORMED);
  for (size_t i = 9; i < sizeof guard; i++)
    cr_assert_eq(guard[i], 'x');
  /* Many dashes are fine: they are ignored. */
  char dashed[64];
  snprintf(dashed, sizeof dashed, "--RL--%.4s--%.4s--", b, b + 4);
  cr_assert_eq(parse(dashed, parsed), RL_CODE_OK, "%s", dashed);
}

Test(code, member_numbers_are_shorter_and_checked_alike)
{
  for (int n = 0; n < 500; n++) {
    char body[RL_MEMBER_BODY_LEN + 1], display[RL_CODE_MAX], back[RL_MEMBER_BODY_LEN + 1];
    cr_assert_eq(rl_member_number_generate(body, display, "M"), 0);
    cr_assert_eq(strlen(display), 9, "display %s", display);
    cr_assert(strncmp(display, "M-", 2) == 0 && display[5] == '-', "display %s", display);
    cr_assert_eq(rl_member_number_parse(back, display), RL_CODE_OK, "display %s", display);
    cr_assert_str_eq(back, body);
    cr_assert_eq(rl_member_number_parse(back, body), RL_CODE_OK, "no prefix: %s", body);
    /* Any one symbol changed is told from an unknown number. */
    for (int i = 0; i < RL_MEMBER_BODY_LEN; i++) {
      char typo[RL_MEMBER_BODY_LEN + 1];
      memcpy(typo, body, sizeof typo);
      typo[i] = alphabet[(value_of(body[i]) + 1 + n % 31) % 32];
      cr_assert_eq(rl_member_number_parse(back, typo), RL_CODE_BAD_CHECK, "%s → %s", body, typo);
    }
  }
  char back[RL_MEMBER_BODY_LEN + 1];
  /* A device code is not a member number. */
  cr_assert_eq(rl_member_number_parse(back, "RL-4K7Q-9M2R"), RL_CODE_MALFORMED);
  cr_assert_eq(rl_member_number_parse(back, "M-12"), RL_CODE_MALFORMED);
  cr_assert_eq(rl_member_number_parse(back, NULL), RL_CODE_MALFORMED);
}
