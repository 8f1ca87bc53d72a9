/* The scrub of personal data from free text (core/scrub.h). Each kind of
 * data is its own pass from one buffer into the other: e-mails first (an
 * address may hold digits that would read as a number), then numbers, then
 * titled names, then the owner's own words. Bytes of multi-byte UTF-8
 * characters count as letters, so a name like "Élodie" stays one word. */
#include "core/scrub.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define TOKEN_EMAIL "[email]"
#define TOKEN_PHONE "[phone]"
#define TOKEN_NAME "[name]"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (unsigned char)c >= 0x80;
}
static bool is_word(char c) { return is_alpha(c) || is_digit(c); }
static bool is_local(char c) { return is_word(c) || (c != '\0' && strchr("._%+-", c)); }
static bool is_domain(char c) { return is_word(c) || c == '.' || c == '-'; }

static void reset(struct rl_buf *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

/* ---- e-mail addresses: local@domain.tld ---- */

static void pass_email(struct rl_buf *out, const char *s, size_t n)
{
  size_t copied = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '@')
      continue;
    size_t l = i;
    while (l > copied && is_local(s[l - 1]))
      l--;
    size_t r = i + 1;
    while (r < n && is_domain(s[r]))
      r++;
    while (r > i + 1 && (s[r - 1] == '.' || s[r - 1] == '-'))
      r--; /* the full stop that ends a sentence is not the address's */
    const char *dot = memchr(s + i + 1, '.', r - i - 1);
    if (l == i || dot == NULL || dot == s + i + 1)
      continue;
    rl_buf_add_len(out, s + copied, l - copied);
    rl_buf_add(out, TOKEN_EMAIL);
    copied = r;
    i = r - 1;
  }
  rl_buf_add_len(out, s + copied, n - copied);
}

/* ---- phone numbers ---- */

/* Digits of a number as the owner's is compared: without the country code
 * 33 and the trunk 0, so "+33 6 12…" and "06 12…" are the same number. */
static size_t national_digits(char *out, size_t cap, const char *d, size_t n)
{
  if (n >= 4 && strncmp(d, "0033", 4) == 0) {
    d += 4;
    n -= 4;
  } else if (n >= 2 && strncmp(d, "33", 2) == 0 && n >= 11) {
    d += 2;
    n -= 2;
  }
  while (n > 0 && *d == '0') {
    d++;
    n--;
  }
  if (n >= cap)
    return 0;
  memcpy(out, d, n);
  out[n] = '\0';
  return n;
}

/* From s[i] (a digit or '+'), the run of digits with single separators
 * between them, and "(0)" as in "+33 (0)6…". Returns the run's end (after
 * its last digit) and its digits in d (*nd of them, at most cap - 1). */
static size_t digit_run(const char *s, size_t n, size_t i, char *d, size_t cap, size_t *nd)
{
  size_t j = i, end = i;
  *nd = 0;
  if (s[j] == '+')
    j++;
  while (j < n) {
    if (is_digit(s[j])) {
      if (*nd + 1 < cap)
        d[(*nd)++] = s[j];
      end = ++j;
    } else if (j + 2 < n && s[j] == '(' && s[j + 1] == '0' && s[j + 2] == ')') {
      j += 3;
    } else if ((s[j] == ' ' || s[j] == '.' || s[j] == '-') && j + 1 < n &&
               (is_digit(s[j + 1]) || s[j + 1] == '(') && j > i && s[j - 1] != ' ') {
      j++;
    } else {
      break;
    }
  }
  d[*nd] = '\0';
  return end;
}

static void pass_phone(struct rl_buf *out, const char *s, size_t n, const char *owner_phone)
{
  char own[32] = "", d[32];
  size_t own_n = 0, nd = 0;
  if (owner_phone) {
    char raw[32];
    size_t k = 0;
    for (const char *p = owner_phone; *p && k + 1 < sizeof raw; p++)
      if (is_digit(*p))
        raw[k++] = *p;
    own_n = national_digits(own, sizeof own, raw, k);
  }
  size_t copied = 0;
  for (size_t i = 0; i < n; i++) {
    bool start = is_digit(s[i]) || (s[i] == '+' && i + 1 < n && is_digit(s[i + 1]));
    if (!start || (i > 0 && (is_word(s[i - 1]) || s[i - 1] == '+')))
      continue;
    size_t end = digit_run(s, n, i, d, sizeof d, &nd);
    if (end < n && is_word(s[end])) {
      i = end;
      continue;
    }
    char nat[32];
    size_t nat_n = national_digits(nat, sizeof nat, d, nd);
    bool national = s[i] == '0' && d[1] != '0' && nd == 10;
    bool international = (s[i] == '+' || strncmp(d, "00", 2) == 0) && nd >= 11 && nd <= 15;
    bool owners = own_n >= 6 && nat_n == own_n && strcmp(nat, own) == 0;
    if (national || international || owners) {
      rl_buf_add_len(out, s + copied, i - copied);
      rl_buf_add(out, TOKEN_PHONE);
      copied = end;
    }
    i = end > i ? end - 1 : i;
  }
  rl_buf_add_len(out, s + copied, n - copied);
}

/* ---- names after a civil title ---- */

/* Titles as they are written before a name; those of more than one word's
 * length are matched in any case ("madame Dupont"). */
static const char *const titles[] = {
    "Mademoiselle", "Monsieur", "Madame", "Mlle.", "Mlle", "Mme.", "Mme", "Mrs.", "Mrs",
    "Mr.",          "Mr",       "Ms.",    "Ms",    "Dr.",  "Dr",   "M.",  "Me",   NULL,
};

/* The length of the title at s, or 0. */
static size_t title_at(const char *s, size_t n)
{
  for (size_t t = 0; titles[t]; t++) {
    size_t k = strlen(titles[t]);
    if (k > n)
      continue;
    int same = k > 4 ? strncasecmp(s, titles[t], k) == 0 : strncmp(s, titles[t], k) == 0;
    if (same && (k == n || !is_word(s[k])))
      return k;
  }
  return 0;
}

/* A name word: a capital (or a non-ASCII letter) then letters, hyphens and
 * apostrophes. Its length, or 0. */
static size_t name_word(const char *s, size_t n)
{
  if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (unsigned char)s[0] >= 0xC3))
    return 0;
  size_t k = 1;
  while (k < n && (is_alpha(s[k]) || s[k] == '-' || s[k] == '\''))
    k++;
  return k;
}

static void pass_title(struct rl_buf *out, const char *s, size_t n)
{
  size_t copied = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && is_word(s[i - 1]))
      continue;
    size_t t = title_at(s + i, n - i);
    if (t == 0)
      continue;
    size_t j = i + t, words = 0, end = 0;
    /* The name: up to three words ("Marie Dupont", "Jean-Luc de Vries"
     * stops at "de", the rest is not a capitalised word). */
    while (words < 3) {
      size_t k = j;
      while (k < n && s[k] == ' ')
        k++;
      if (k == j)
        break;
      size_t w = name_word(s + k, n - k);
      if (w == 0)
        break;
      j = end = k + w;
      words++;
    }
    if (words == 0)
      continue;
    rl_buf_add_len(out, s + copied, i - copied);
    rl_buf_add(out, TOKEN_NAME);
    copied = end;
    i = end - 1;
  }
  rl_buf_add_len(out, s + copied, n - copied);
}

/* ---- the owner's own words ---- */

/* Replaces every whole-word, case-insensitive occurrence of word (len
 * bytes) with token. */
static void pass_word(struct rl_buf *out, const char *s, size_t n, const char *word, size_t len,
                      const char *token)
{
  size_t copied = 0;
  for (size_t i = 0; len > 0 && i + len <= n; i++) {
    if ((i > 0 && is_word(s[i - 1])) || (i + len < n && is_word(s[i + len])) ||
        strncasecmp(s + i, word, len) != 0)
      continue;
    rl_buf_add_len(out, s + copied, i - copied);
    rl_buf_add(out, token);
    copied = i + len;
    i = copied - 1;
  }
  rl_buf_add_len(out, s + copied, n - copied);
}

/* Runs pass_word for each word of the owner's name of 2 bytes or more
 * (initials alone would remove every lone letter). */
static struct rl_buf *owner_words(struct scrub *sc, struct rl_buf *in, const char *name)
{
  struct rl_buf *out = in == &sc->a ? &sc->b : &sc->a;
  for (const char *p = name; p && *p;) {
    while (*p && !is_alpha(*p))
      p++;
    size_t k = 0;
    while (p[k] && (is_alpha(p[k]) || p[k] == '-' || p[k] == '\''))
      k++;
    if (k >= 2) {
      reset(out);
      pass_word(out, in->data ? in->data : "", in->len, p, k, TOKEN_NAME);
      struct rl_buf *t = in;
      in = out;
      out = t;
    }
    p += k;
  }
  return in;
}

const char *scrub_text(struct scrub *sc, const char *text, const struct scrub_owner *owner)
{
  static const struct scrub_owner nobody = {NULL, NULL, NULL};
  if (owner == NULL)
    owner = &nobody;
  reset(&sc->a);
  reset(&sc->b);
  pass_email(&sc->a, text ? text : "", text ? strlen(text) : 0);
  if (owner->email && *owner->email) {
    reset(&sc->b);
    pass_word(&sc->b, sc->a.data ? sc->a.data : "", sc->a.len, owner->email, strlen(owner->email),
              TOKEN_EMAIL);
  } else {
    rl_buf_add_len(&sc->b, sc->a.data ? sc->a.data : "", sc->a.len);
  }
  reset(&sc->a);
  pass_phone(&sc->a, sc->b.data ? sc->b.data : "", sc->b.len, owner->phone);
  reset(&sc->b);
  pass_title(&sc->b, sc->a.data ? sc->a.data : "", sc->a.len);
  struct rl_buf *last = owner_words(sc, &sc->b, owner->name);
  if (rl_buf_status(&sc->a) != 0 || rl_buf_status(&sc->b) != 0)
    return NULL;
  return last->data ? last->data : "";
}

void scrub_free(struct scrub *sc)
{
  rl_buf_free(&sc->a);
  rl_buf_free(&sc->b);
}
