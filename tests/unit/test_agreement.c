/* The loan agreement's renderer and the wording of its facts, without a
 * database: what it refuses, that it renders anything it is given, and
 * how dates and deposits read in French and English. The documents
 * themselves are read back (pdftotext, zbarimg) in
 * tests/integration/test_loan_pages.c. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/loan_doc.h"
#include "labels/agreement.h"

static struct agreement sample(void)
{
  return (struct agreement){
      .lang = AGREEMENT_FR,
      .loan_id = 12,
      .device_code = "RL-4K7Q-9M2R",
      .category = "Ordinateur portable",
      .brand_model = "Lenovo T440",
      .member_number = "M-4K7-Q9M",
      .start_date = "1er décembre 2026",
      .due_date = "29 décembre 2026",
      .deposit = "Aucune caution",
      .site_name = "Tiers-lieu",
      .qr = "https://repair.example.org/l/3q2kQ8rT1vX4yZ7aB0cD3e",
  };
}

Test(agreement, refuses_what_it_cannot_print)
{
  unsigned char *out = (unsigned char *)"x";
  size_t len = 1;
  struct agreement a = sample();
  cr_assert_eq(agreement_render(NULL, &len, AGREEMENT_A4, &a), LABEL_EINVALID);
  cr_assert_eq(agreement_render(&out, &len, AGREEMENT_A4, NULL), LABEL_EINVALID);
  cr_assert_null(out);
  cr_assert_eq(len, 0);
  cr_assert_eq(agreement_render(&out, &len, (enum agreement_format)7, &a), LABEL_EINVALID);
  a.qr = NULL;
  cr_assert_eq(agreement_render(&out, &len, AGREEMENT_A4, &a), LABEL_EINVALID);
  a.qr = "https://example.org/l/\n";
  cr_assert_eq(agreement_render(&out, &len, AGREEMENT_RECEIPT, &a), LABEL_EINVALID);
  char longer[LABEL_QR_MAX + 2];
  memset(longer, 'a', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  a.qr = longer;
  cr_assert_eq(agreement_render(&out, &len, AGREEMENT_A4, &a), LABEL_EQR);
  cr_assert_null(out);
}

/* Broken UTF-8, control characters and a 4000-character word are printed
 * as well as they can be, never refused. */
Test(agreement, renders_anything_it_is_given)
{
  struct agreement a = sample();
  char *big = malloc(AGREEMENT_TEXT_MAX * 2);
  memset(big, 'W', AGREEMENT_TEXT_MAX * 2 - 1);
  big[AGREEMENT_TEXT_MAX * 2 - 1] = '\0';
  a.conditions = big;
  a.site_address = "12 rue \xC3\x28 de la\x01 Fontaine\n\n94120";
  a.member_name = "";
  for (int f = 0; f < 2; f++) {
    unsigned char *out = NULL;
    size_t len = 0;
    int rc = agreement_render(&out, &len, f ? AGREEMENT_RECEIPT : AGREEMENT_A4, &a);
    cr_assert_eq(rc, 0, "format %d: %s", f, label_strerror(rc));
    cr_assert(len > 1000 && memcmp(out, "%PDF-", 5) == 0);
    free(out);
  }
  free(big);
}

Test(agreement, dates_read_as_people_write_them)
{
  char out[48];
  loan_doc_date(out, sizeof out, "2026-12-01", RL_LANG_FR);
  cr_assert_str_eq(out, "1er décembre 2026");
  loan_doc_date(out, sizeof out, "2026-12-29", RL_LANG_FR);
  cr_assert_str_eq(out, "29 décembre 2026");
  loan_doc_date(out, sizeof out, "2027-02-03", RL_LANG_EN);
  cr_assert_str_eq(out, "3 February 2027");
  loan_doc_date(out, sizeof out, "2026-02-30", RL_LANG_EN);
  cr_assert_str_eq(out, "2026-02-30", "not a real date: as given");
  loan_doc_date(out, sizeof out, NULL, RL_LANG_FR);
  cr_assert_str_eq(out, "");
}

Test(agreement, deposits_read_in_both_languages)
{
  char out[96];
  loan_doc_deposit(out, sizeof out, NULL, "EUR", RL_LANG_FR);
  cr_assert_str_eq(out, "Aucune caution");
  json_t *null = json_null();
  loan_doc_deposit(out, sizeof out, null, "EUR", RL_LANG_EN);
  cr_assert_str_eq(out, "No deposit");
  json_decref(null);
  json_t *d = json_pack("{s:s s:s}", "amount", "50.00", "method", "cash");
  loan_doc_deposit(out, sizeof out, d, "EUR", RL_LANG_FR);
  cr_assert_str_eq(out, "50,00 EUR, en espèces");
  loan_doc_deposit(out, sizeof out, d, "CHF", RL_LANG_EN);
  cr_assert_str_eq(out, "50.00 CHF, in cash");
  json_object_set_new(d, "method", json_string("transfer"));
  loan_doc_deposit(out, sizeof out, d, "EUR", RL_LANG_FR);
  cr_assert_str_eq(out, "50,00 EUR, par virement");
  json_decref(d);
}
