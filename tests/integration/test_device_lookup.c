/* Looking devices up by what a person types: case, dashes, prefix, O/I/L,
 * typos caught by the check character, well-formed codes nobody has. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

static void swap_case_strip(char *out, const char *code, int lower, int dashes, int prefix)
{
  size_t n = 0;
  for (const char *p = prefix ? code : code + 3; *p; p++) {
    if (*p == '-' && !dashes)
      continue;
    out[n++] = lower ? (char)tolower((unsigned char)*p) : *p;
  }
  out[n] = '\0';
}

Test(lookup, typed_forms_find_the_device)
{
  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, th_unique("Look-"));
  int forms[][3] = {{1, 1, 1}, {0, 0, 1}, {1, 0, 1}, {0, 1, 0}, {1, 0, 0}, {0, 0, 0}};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    char typed[CODE_CAP];
    swap_case_strip(typed, code, forms[i][0], forms[i][1], forms[i][2]);
    struct th_resp *r = ds_get(ds_reader(), typed);
    cr_assert_eq(r->status, 200, "%s: %ld %s", typed, r->status, r->body);
    cr_assert_str_eq(th_str(r, "code"), code, "typed %s", typed);
    th_free(r);
  }
  /* O for 0 and I or L for 1. */
  char typed[CODE_CAP];
  snprintf(typed, sizeof typed, "%s", code);
  int changed = 0;
  for (char *p = typed + 3; *p; p++) {
    if (*p == '0') {
      *p = 'O';
      changed++;
    } else if (*p == '1') {
      *p = changed % 2 ? 'l' : 'I';
      changed++;
    }
  }
  struct th_resp *r = ds_get(ds_reader(), typed);
  cr_assert_eq(r->status, 200, "%s: %ld", typed, r->status);
  th_free(r);
}

Test(lookup, one_wrong_character_is_400_about_the_check)
{
  char site[96], code[CODE_CAP];
  ds_site(site, sizeof site, 1);
  ds_device(code, "donation", site, th_unique("Typo-"));
  for (int pos = 3; pos < 12; pos++) {
    if (pos == 7)
      continue;
    char typo[CODE_CAP];
    snprintf(typo, sizeof typo, "%s", code);
    typo[pos] = typo[pos] == 'X' ? 'Y' : 'X';
    struct th_resp *r = ds_get(ds_reader(), typo);
    cr_assert(th_is_problem(r, 400), "%s: %ld", typo, r->status);
    cr_assert(ds_names_field(r, "code"), "%s", r->body);
    cr_assert_not_null(strstr(r->body, "check character"), "%s", r->body);
    th_free(r);
  }
  const char *malformed[] = {"hello", "RL-1234", "RL-UUUU-UUUU", "RL-4K7Q-9M2X-7", "%27%3B--"};
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    struct th_resp *r = ds_get(ds_reader(), malformed[i]);
    cr_assert(th_is_problem(r, 400), "%s: %ld", malformed[i], r->status);
    cr_assert(ds_names_field(r, "code"), "%s", r->body);
    th_free(r);
  }
}

Test(lookup, well_formed_unknown_code_is_404_everywhere)
{
  /* Seven random symbols: of the 32 possible check symbols exactly one
   * makes a well-formed code (404: nobody has it), the others are typos (400). */
  char body7[8], code[CODE_CAP] = "";
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (int i = 0; i < 7; i++)
    body7[i] = ds_alphabet[rand() % 32];
  body7[7] = '\0';
  int well_formed = 0;
  for (int k = 0; k < 32; k++) {
    char candidate[CODE_CAP];
    snprintf(candidate, sizeof candidate, "RL-%.4s-%.3s%c", body7, body7 + 4, ds_alphabet[k]);
    struct th_resp *r = ds_get(ds_reader(), candidate);
    cr_assert(r->status == 400 || r->status == 404, "%s: %ld", candidate, r->status);
    if (r->status == 404) {
      well_formed++;
      snprintf(code, sizeof code, "%s", candidate);
    } else {
      cr_assert_not_null(strstr(r->body, "check character"), "%s", r->body);
    }
    th_free(r);
  }
  cr_assert_eq(well_formed, 1, "%d of 32 check symbols accepted for %s", well_formed, body7);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices WHERE code = '%s'", code), 0);
  struct th_resp *r = ds_get(ds_reader(), code);
  cr_assert(th_is_problem(r, 404), "%s: %ld %s", code, r->status, r->body);
  th_free(r);
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/history", code);
  r = th_req("GET", path, ds_reader(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "history: %ld", r->status);
  th_free(r);
  r = ds_move(code, "diagnosing");
  cr_assert(th_is_problem(r, 404), "transition: %ld", r->status);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/devices/%s", code);
  r = th_req("PATCH", path, ds_vol(), "{\"notes\":\"x\"}", NULL);
  cr_assert(th_is_problem(r, 404), "patch: %ld", r->status);
  th_free(r);
}
