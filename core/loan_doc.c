/* Rules and wording of a loan's documents on top of store_loan_doc. */
#include "core/loan_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/spec.h"
#include "core/store/store_loan_doc.h"

int loan_doc_agreement(json_t **out, json_t **errors, const char *id, int with_name)
{
  *errors = NULL;
  size_t n = id ? strlen(id) : 0;
  long long v = 0;
  /* 18 digits: every such number fits a bigint, so none overflows. */
  int ok = n > 0 && n <= 18 && strspn(id, "0123456789") == n;
  if (ok)
    v = strtoll(id, NULL, 10);
  if (!ok || v <= 0) /* names nothing, as everywhere an id is in a path */
    return RL_ENOTFOUND;
  return store_loan_doc_agreement(out, v, with_name);
}

int loan_doc_public(json_t **out, const char *token, const char *timezone)
{
  if (!tracking_token_shaped(token))
    return RL_ENOTFOUND;
  return store_loan_doc_public(out, token, timezone);
}

static const char *const months_fr[12] = {"janvier",   "février", "mars",     "avril",
                                          "mai",       "juin",    "juillet",  "août",
                                          "septembre", "octobre", "novembre", "décembre"};
static const char *const months_en[12] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

/* The number written by the n digits at s (checked by rl_spec_is_date). */
static int digits(const char *s, int n)
{
  int v = 0;
  for (int i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

void loan_doc_date(char *out, size_t cap, const char *date, enum rl_lang lang)
{
  if (date == NULL || !rl_spec_is_date(date)) {
    snprintf(out, cap, "%s", date ? date : "");
    return;
  }
  int y = digits(date, 4), m = digits(date + 5, 2), d = digits(date + 8, 2);
  if (lang == RL_LANG_EN)
    snprintf(out, cap, "%d %s %d", d, months_en[m - 1], y);
  else
    snprintf(out, cap, "%d%s %s %d", d, d == 1 ? "er" : "", months_fr[m - 1], y);
}

struct method {
  const char *name, *fr, *en;
};
static const struct method methods[] = {
    {"cash", "en espèces", "in cash"},
    {"card", "par carte bancaire", "by card"},
    {"cheque", "par chèque", "by cheque"},
    {"transfer", "par virement", "by bank transfer"},
    {"other", "par un autre moyen", "by other means"},
};

void loan_doc_deposit(char *out, size_t cap, const json_t *deposit, const char *currency,
                      enum rl_lang lang)
{
  const char *amount = json_string_value(json_object_get(deposit, "amount"));
  const char *method = json_string_value(json_object_get(deposit, "method"));
  if (amount == NULL) {
    snprintf(out, cap, "%s", lang == RL_LANG_EN ? "No deposit" : "Aucune caution");
    return;
  }
  char a[32];
  snprintf(a, sizeof a, "%s", amount);
  if (lang == RL_LANG_FR) /* a decimal comma in French */
    for (char *p = a; *p; p++)
      if (*p == '.')
        *p = ',';
  const char *how = NULL;
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
    if (method && strcmp(methods[i].name, method) == 0)
      how = lang == RL_LANG_EN ? methods[i].en : methods[i].fr;
  snprintf(out, cap, "%s %s%s%s", a, currency, how ? ", " : "", how ? how : "");
}
