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

/* From s[i], exactly `want` digits with separators between them (up to
 * two of space, dot, dash, or "(0)" as in "+33 (0)6…"), the next character
 * not a digit: a number as people write it, whatever follows ("06 12 34 56
 * 78 18h-20h"). Their digits go to d (want + 1 bytes); returns the end
 * after the last digit, or 0 when there is no such number. */
static size_t number_at(const char *s, size_t n, size_t i, size_t want, char *d)
{
  size_t j = i, nd = 0;
  if (j < n && s[j] == '+')
    j++;
  while (j < n && nd < want) {
    if (is_digit(s[j])) {
      d[nd++] = s[j++];
      continue;
    }
    if (nd == 0)
      return 0;
    size_t gap = 0;
    while (j < n && gap < 3) {
      if (j + 2 < n && s[j] == '(' && s[j + 1] == '0' && s[j + 2] == ')') {
        j += 3;
        gap++;
      } else if (s[j] == ' ' || s[j] == '.' || s[j] == '-') {
        j++;
        gap++;
      } else {
        break;
      }
    }
    if (gap == 0 || j >= n || !is_digit(s[j]))
      return 0;
  }
  d[nd] = '\0';
  return nd == want && (j >= n || !is_digit(s[j])) ? j : 0;
}

/* The end of a phone number starting at s[i] (0: none): French national
 * (0 then 9 digits), French international (+33 or 0033, 9 digits), another
 * country's (+ and 8 to 14 digits, as long as digits follow), or the
 * owner's own number however it is spaced (own: its national digits). */
static size_t phone_at(const char *s, size_t n, size_t i, const char *own, size_t own_n)
{
  char d[32], nat[32];
  size_t end;
  if (s[i] == '0' && i + 1 < n && s[i + 1] != '0' && (end = number_at(s, n, i, 10, d)) != 0)
    return end;
  if ((end = number_at(s, n, i, 11, d)) != 0 && s[i] == '+' && strncmp(d, "33", 2) == 0)
    return end;
  if ((end = number_at(s, n, i, 13, d)) != 0 && strncmp(d, "0033", 4) == 0)
    return end;
  if (s[i] == '+')
    for (size_t want = 15; want >= 9; want--)
      if ((end = number_at(s, n, i, want, d)) != 0)
        return end;
  for (size_t want = own_n; own_n >= 6 && want <= own_n + 4; want++)
    if ((end = number_at(s, n, i, want, d)) != 0 &&
        national_digits(nat, sizeof nat, d, want) == own_n && strcmp(nat, own) == 0)
      return end;
  return 0;
}

static void pass_phone(struct rl_buf *out, const char *s, size_t n, const char *owner_phone)
{
  char own[32] = "";
  size_t own_n = 0;
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
    /* A number starts after anything but a digit: "tel06 12…" too. */
    bool start = is_digit(s[i]) || (s[i] == '+' && i + 1 < n && is_digit(s[i + 1]));
    if (!start || (i > 0 && (is_digit(s[i - 1]) || s[i - 1] == '+')))
      continue;
    size_t end = phone_at(s, n, i, own, own_n);
    if (end == 0)
      continue;
    rl_buf_add_len(out, s + copied, i - copied);
    rl_buf_add(out, TOKEN_PHONE);
    copied = end;
    i = end - 1;
  }
  rl_buf_add_len(out, s + copied, n - copied);
}

/* ---- names after a civil title ---- */

/* Titles as they are written before a name, in any case ("madame Dupont",
 * "mme martin"); after a title of three letters or more the name may be
 * written in lower case too, after a shorter one ("Me", "M.") it must be
 * capitalised ("me rappeler" is not a name). */
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
    int same = k > 2 ? strncasecmp(s, titles[t], k) == 0 : strncmp(s, titles[t], k) == 0;
    if (same && (k == n || !is_word(s[k])))
      return k;
  }
  return 0;
}

/* Words that follow a title without being a name ("Madame est venue"). */
static const char *const not_names[] = {
    "est",     "etait",    "était",     "sera",     "avait",   "veut", "vient", "viendra", "dit",
    "demande", "souhaite", "reviendra", "rappelle", "passera", "et",   "ou",    NULL,
};

/* A name word: a capital (or, when any_case, a lower-case word of three
 * letters or more that is not one of not_names) then letters, hyphens and
 * apostrophes. Its length, or 0. */
static size_t name_word(const char *s, size_t n, int any_case)
{
  int capital = n > 0 && ((s[0] >= 'A' && s[0] <= 'Z') || (unsigned char)s[0] >= 0xC3);
  if (n == 0 || !(capital || (any_case && is_alpha(s[0]))))
    return 0;
  size_t k = 1;
  while (k < n && (is_alpha(s[k]) || s[k] == '-' || s[k] == '\''))
    k++;
  if (!capital) {
    if (k < 3)
      return 0;
    for (size_t w = 0; not_names[w]; w++)
      if (strlen(not_names[w]) == k && strncmp(s, not_names[w], k) == 0)
        return 0;
  }
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
      /* Only the first word may be in lower case: "mme martin a appelé". */
      size_t w = name_word(s + k, n - k, t >= 3 && words == 0);
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
  if (text == NULL || *text == '\0')
    return ""; /* most records: nothing to take out, no pass to run */
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
