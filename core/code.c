/* Device code and member number generation and parsing. */
#include "core/code.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/random.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Value of a Crockford symbol after normalisation, or -1. */
static int symbol_value(char c)
{
  const char *p = strchr(alphabet, c);
  return (p && c) ? (int)(p - alphabet) : -1;
}

/* Multiplication in GF(32), modulo the primitive polynomial x^5 + x^2 + 1. */
static int gf32_mul(int a, int b)
{
  int r = 0;
  for (int i = 0; i < 5; i++) {
    if (b & (1 << i))
      r ^= a;
    a <<= 1;
    if (a & 32)
      a ^= 0x25;
  }
  return r;
}

char rl_code_check_symbol(const char *body, size_t n)
{
  /* The sum over GF(32) of each symbol times x^(position + 1): every weight
   * differs from the others and from the check symbol's (1), so any single
   * substitution and any swap of two symbols changes the sum. */
  int sum = 0, weight = 1;
  for (size_t i = 0; i < n; i++) {
    weight = gf32_mul(weight, 2);
    sum ^= gf32_mul(symbol_value(body[i]), weight);
  }
  return alphabet[sum];
}

/* n random symbols, the last a check symbol, into body (n + 1 bytes). */
static int generate_body(char *body, size_t n)
{
  uint8_t raw[RL_CODE_BODY_LEN];
  int rc = rl_random_bytes(raw, n - 1);
  if (rc != RL_OK)
    return rc;
  for (size_t i = 0; i < n - 1; i++)
    body[i] = alphabet[raw[i] & 31];
  body[n - 1] = rl_code_check_symbol(body, n - 1);
  body[n] = '\0';
  return RL_OK;
}

int rl_code_generate(char *body, char *display, const char *prefix)
{
  int rc = generate_body(body, RL_CODE_BODY_LEN);
  if (rc == RL_OK)
    snprintf(display, RL_CODE_MAX, "%s%s%.4s-%.4s", prefix, *prefix ? "-" : "", body, body + 4);
  return rc;
}

int rl_member_number_generate(char *body, char *display, const char *prefix)
{
  int rc = generate_body(body, RL_MEMBER_BODY_LEN);
  if (rc == RL_OK)
    snprintf(display, RL_CODE_MAX, "%s%s%.3s-%.3s", prefix, *prefix ? "-" : "", body, body + 3);
  return rc;
}

/* What a person typed, as a body of len symbols after an optional prefix
 * of letters. */
static enum rl_code_parse parse_body(char *body, const char *input, size_t len)
{
  char buf[32];
  size_t n = 0;
  if (input == NULL)
    return RL_CODE_MALFORMED;
  for (const char *p = input; *p; p++) {
    char c = *p;
    if (c == '-' || c == ' ')
      continue;
    if (n >= sizeof buf - 1 || !isalnum((unsigned char)c))
      return RL_CODE_MALFORMED;
    buf[n++] = (char)toupper((unsigned char)c);
  }
  if (n < len || n > len + 6)
    return RL_CODE_MALFORMED;
  for (size_t i = 0; i < n - len; i++)
    if (!isalpha((unsigned char)buf[i]))
      return RL_CODE_MALFORMED;
  const char *b = buf + n - len;
  for (size_t i = 0; i < len; i++) {
    char c = b[i];
    if (c == 'O')
      c = '0';
    else if (c == 'I' || c == 'L')
      c = '1';
    if (symbol_value(c) < 0)
      return RL_CODE_MALFORMED;
    body[i] = c;
  }
  body[len] = '\0';
  if (rl_code_check_symbol(body, len - 1) != body[len - 1])
    return RL_CODE_BAD_CHECK;
  return RL_CODE_OK;
}

enum rl_code_parse rl_code_parse(char *body, const char *input)
{
  return parse_body(body, input, RL_CODE_BODY_LEN);
}

enum rl_code_parse rl_member_number_parse(char *body, const char *input)
{
  return parse_body(body, input, RL_MEMBER_BODY_LEN);
}
