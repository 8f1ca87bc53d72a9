/* Device codes: a prefix, then 8 Crockford base32 symbols, the last one a
 * check symbol (a weighted sum over GF(32)) so that any one mistyped symbol
 * and any swap of two symbols is caught. Shown as PREFIX-XXXX-XXXX. */
#ifndef RL_CORE_CODE_H
#define RL_CORE_CODE_H

#include <stddef.h>

#define RL_CODE_BODY_LEN 8
#define RL_CODE_MAX 24 /* longest display form with its NUL */

/* A new random code: body (9 bytes) and display form with prefix (RL_CODE_MAX). */
int rl_code_generate(char *body, char *display, const char *prefix);

enum rl_code_parse {
  RL_CODE_OK = 0,
  RL_CODE_MALFORMED = 1, /* not shaped like a code */
  RL_CODE_BAD_CHECK = 2, /* shaped like one, but the check symbol does not match */
};

/* Reads what a person typed: case and dashes/spaces do not matter, O reads
 * as 0 and I, L as 1, the prefix may be left out. Writes the 8-symbol body
 * (9 bytes) on success. */
enum rl_code_parse rl_code_parse(char *body, const char *input);

/* Member numbers, printed on a member's card: the same alphabet and check
 * symbol over 6 symbols (5 random), shown as PREFIX-XXX-XXX. */
#define RL_MEMBER_BODY_LEN 6

/* A new random member number: body (7 bytes) and display form (RL_CODE_MAX). */
int rl_member_number_generate(char *body, char *display, const char *prefix);

/* rl_code_parse for member numbers: writes the 6-symbol body (7 bytes). */
enum rl_code_parse rl_member_number_parse(char *body, const char *input);

/* The check symbol for the first n symbols of body (all in the alphabet). */
char rl_code_check_symbol(const char *body, size_t n);

#endif
