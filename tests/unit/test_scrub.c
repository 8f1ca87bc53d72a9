/* The scrub of personal data from problem texts before they are published
 * (ORDS export), with texts as volunteers type them, and the CSV fields
 * they then go into. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/csv.h"
#include "core/scrub.h"

static struct scrub sc;

static void teardown(void) { scrub_free(&sc); }

TestSuite(ords_scrub, .fini = teardown);

static const char *run(const char *text, const char *name, const char *email, const char *phone)
{
  struct scrub_owner o = {name, email, phone};
  const char *r = scrub_text(&sc, text, &o);
  cr_assert_not_null(r);
  return r;
}

Test(ords_scrub, title_and_phone_in_one_sentence)
{
  cr_assert_str_eq(run("rappeler Mme Dupont au 06 12 34 56 78", NULL, NULL, NULL),
                   "rappeler [name] au [phone]");
}

Test(ords_scrub, french_phone_forms)
{
  cr_assert_str_eq(run("tel 0612345678.", NULL, NULL, NULL), "tel [phone].");
  cr_assert_str_eq(run("tel 06.12.34.56.78 merci", NULL, NULL, NULL), "tel [phone] merci");
  cr_assert_str_eq(run("+33 6 12 34 56 78", NULL, NULL, NULL), "[phone]");
  cr_assert_str_eq(run("+33 (0)6 12 34 56 78 le soir", NULL, NULL, NULL), "[phone] le soir");
  cr_assert_str_eq(run("appeler le 0033612345678", NULL, NULL, NULL), "appeler le [phone]");
  cr_assert_str_eq(run("06-12-34-56-78", NULL, NULL, NULL), "[phone]");
  /* Whatever follows the number, and however loosely it is spaced. */
  cr_assert_str_eq(run("tel 06 12 34 56 78 18h-20h", NULL, NULL, NULL), "tel [phone] 18h-20h");
  cr_assert_str_eq(run("appeler 06 12 34 56 78 2 fois", NULL, NULL, NULL),
                   "appeler [phone] 2 fois");
  cr_assert_str_eq(run("au 06 12 34 56 78 10 minutes avant", NULL, NULL, NULL),
                   "au [phone] 10 minutes avant");
  cr_assert_str_eq(run("06  12 34 56 78", NULL, NULL, NULL), "[phone]");
  cr_assert_str_eq(run("tel06 12 34 56 78", NULL, NULL, NULL), "tel[phone]");
}

Test(ords_scrub, numbers_that_are_not_phones_stay)
{
  cr_assert_str_eq(run("acheté en 2019, panne le 12.03.2023", NULL, NULL, NULL),
                   "acheté en 2019, panne le 12.03.2023");
  cr_assert_str_eq(run("fusible 230 V 10 A, modèle XR-2000", NULL, NULL, NULL),
                   "fusible 230 V 10 A, modèle XR-2000");
  cr_assert_str_eq(run("série 2019 2020 2021", NULL, NULL, NULL), "série 2019 2020 2021");
}

Test(ords_scrub, email_addresses)
{
  cr_assert_str_eq(run("écrire à marie.dupont+repair@example.fr.", NULL, NULL, NULL),
                   "écrire à [email].");
  cr_assert_str_eq(run("contact: jo@mail.example.org ou 07 00 00 00 01", NULL, NULL, NULL),
                   "contact: [email] ou [phone]");
  cr_assert_str_eq(run("prise @ 50%", NULL, NULL, NULL), "prise @ 50%");
}

Test(ords_scrub, civil_titles)
{
  cr_assert_str_eq(run("M. Martin reviendra", NULL, NULL, NULL), "[name] reviendra");
  cr_assert_str_eq(run("vu avec Madame Élodie Durand hier", NULL, NULL, NULL),
                   "vu avec [name] hier");
  cr_assert_str_eq(run("pour Mlle Petit-Jean.", NULL, NULL, NULL), "pour [name].");
  cr_assert_str_eq(run("monsieur Bernard a dit", NULL, NULL, NULL), "[name] a dit");
  cr_assert_str_eq(run("mme martin a appelé", NULL, NULL, NULL), "[name] a appelé");
  cr_assert_str_eq(run("voir madame durand", NULL, NULL, NULL), "voir [name]");
  cr_assert_str_eq(run("Madame est venue", NULL, NULL, NULL), "Madame est venue");
  /* a title with no name after it, and words that only start like one */
  cr_assert_str_eq(run("Madame a rapporté le Mixer", NULL, NULL, NULL),
                   "Madame a rapporté le Mixer");
  cr_assert_str_eq(run("Mmes et Messieurs", NULL, NULL, NULL), "Mmes et Messieurs");
}

Test(ords_scrub, the_owners_own_words)
{
  cr_assert_str_eq(run("Sophie dit que dupont l'a fait tomber", "Sophie Dupont", NULL, NULL),
                   "[name] dit que [name] l'a fait tomber");
  /* part of a longer word is not the name */
  cr_assert_str_eq(run("Dupontel n'est pas Dupont", "Dupont", NULL, NULL),
                   "Dupontel n'est pas [name]");
  cr_assert_str_eq(run("joindre SOPHIE.D@EXAMPLE.COM", "Sophie D", "sophie.d@example.com", NULL),
                   "joindre [email]");
  /* the owner's number in a spacing no pattern knows */
  cr_assert_str_eq(run("rappeler 6 1234 5678 svp", NULL, NULL, "+33 6 12 34 56 78"),
                   "rappeler [phone] svp");
}

Test(ords_scrub, empty_and_missing)
{
  cr_assert_str_eq(run("", NULL, NULL, NULL), "");
  cr_assert_str_eq(run(NULL, "Dupont", NULL, NULL), "");
  cr_assert_str_eq(scrub_text(&sc, "écran cassé", NULL), "écran cassé");
}

Test(ords_csv, fields_quoted_only_when_needed)
{
  struct rl_buf b = {0};
  csv_buf_field(&b, "plain", 1);
  csv_buf_field(&b, "a,b", 0);
  csv_buf_field(&b, "say \"hi\"", 0);
  csv_buf_field(&b, NULL, 0);
  csv_buf_field(&b, "two\r\nlines", 0);
  csv_buf_row_end(&b);
  cr_assert_str_eq(b.data, "plain,\"a,b\",\"say \"\"hi\"\"\",,\"two\r\nlines\"\r\n");
  rl_buf_free(&b);
}
