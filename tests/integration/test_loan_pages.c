/* A loan's documents and the public catalogue over HTTP: the agreement PDF
 * (read back by pdfinfo, pdftotext and zbarimg, as a printer and a phone
 * see it), the loan's public page behind its token, and the catalogue's
 * counts. Devices go through the API; members, waiting lists and loans are
 * written by SQL (their API lives on other branches), with the member's
 * personal data given distinctive values that must appear nowhere public. */
#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp[64];

static void setup(void)
{
  snprintf(tmp, sizeof tmp, "/tmp/rl-loan-pages.XXXXXX");
  cr_assert_not_null(mkdtemp(tmp), "mkdtemp");
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static void teardown(void)
{
  if (tmp[0])
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(loan_pages, .init = setup, .fini = teardown, .timeout = 120);

/* ---- test data -------------------------------------------------------- */

/* Member numbers carry a check symbol like device codes (core/code.c):
 * the sum over GF(32) (x^5 + x^2 + 1) of each symbol times x^(position+1).
 * The database does not verify it; the numbers here are right anyway, so
 * that the data looks like the desk's. */
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

static void random_symbols(char *out, size_t n, const char *alphabet, unsigned *seed)
{
  size_t k = strlen(alphabet);
  for (size_t i = 0; i < n; i++)
    out[i] = alphabet[(size_t)rand_r(seed) % k];
  out[n] = '\0';
}

struct loan {
  char site[96], site_name[128], address[128], hours[128], cond_fr[160], cond_en[160];
  char code[CODE_CAP], number[16], member_name[96], email[128], phone[48], notes[96];
  char token[48], condition[96];
  long long id;
};

static unsigned seed_once(void)
{
  static __thread unsigned seed;
  if (seed == 0)
    seed = (unsigned)time(NULL) ^ ((unsigned)getpid() << 8) ^ (unsigned)(uintptr_t)&seed;
  return seed++;
}

/* A site with conditions in both languages; an available donated laptop. */
static void make_site_and_device(struct loan *l)
{
  snprintf(l->site, sizeof l->site, "%s", th_unique("lp-"));
  snprintf(l->site_name, sizeof l->site_name, "Atelier %s", th_unique("N"));
  snprintf(l->address, sizeof l->address, "%s rue du Prêt, Fontenay", th_unique("7"));
  snprintf(l->hours, sizeof l->hours, "Jeudi 16h-19h %s", th_unique("H"));
  snprintf(l->cond_fr, sizeof l->cond_fr, "Rendre propre et complet %s", th_unique("CF"));
  snprintf(l->cond_en, sizeof l->cond_en, "Bring it back clean %s", th_unique("CE"));
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(),
                              "{\"slug\":\"%s\",\"name\":\"%s\",\"address\":\"%s\","
                              "\"opening_hours\":\"%s\",\"loan_conditions_fr\":\"%s\","
                              "\"loan_conditions_en\":\"%s\"}",
                              l->site, l->site_name, l->address, l->hours, l->cond_fr, l->cond_en);
  cr_assert_eq(r->status, 201, "site: %ld %s", r->status, r->body);
  th_free(r);
  ds_device(l->code, "donation", l->site, "Lenovo");
  const char *to_available[] = {"diagnosing", "repaired", "available", NULL};
  ds_drive(l->code, to_available);
}

/* A member (language lang) with a contact and notes; its number into l. */
static long long make_member(struct loan *l, const char *lang)
{
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  unsigned seed = seed_once();
  char body[8];
  random_symbols(body, 5, alphabet, &seed);
  int sum = 0, weight = 1;
  for (int i = 0; i < 5; i++) {
    weight = gf32_mul(weight, 2);
    sum ^= gf32_mul((int)(strchr(alphabet, body[i]) - alphabet), weight);
  }
  body[5] = alphabet[sum];
  body[6] = '\0';
  snprintf(l->number, sizeof l->number, "M-%.3s-%.3s", body, body + 3);
  snprintf(l->member_name, sizeof l->member_name, "Awa %s", th_unique("Diallo"));
  snprintf(l->email, sizeof l->email, "%s@mail.example", th_unique("awa"));
  snprintf(l->phone, sizeof l->phone, "+33 6 %08u", (unsigned)rand_r(&seed) % 100000000u);
  snprintf(l->notes, sizeof l->notes, "Note %s", th_unique("privee"));
  const char *id = ds_sql("INSERT INTO members (number, number_body, language, loan_limit, notes)"
                          " VALUES ('%s', '%s', '%s', 2, '%s') RETURNING id",
                          l->number, body, lang, l->notes);
  cr_assert_not_null(id, "member insert");
  long long member = atoll(id);
  cr_assert_not_null(ds_sql("INSERT INTO member_contacts (member_id, name, email, phone)"
                            " VALUES (%lld, '%s', '%s', '%s') RETURNING member_id",
                            member, l->member_name, l->email, l->phone));
  return member;
}

/* Lends the device: due in `due_in` days from today (negative: overdue),
 * with a 50 cash deposit when deposit; the device moves to on_loan as a
 * checkout would. */
static void make_loan(struct loan *l, const char *lang, int due_in, int deposit)
{
  make_site_and_device(l);
  long long member = make_member(l, lang);
  unsigned seed = seed_once();
  random_symbols(l->token, 32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                 &seed);
  snprintf(l->condition, sizeof l->condition, "Rayure %s", th_unique("C"));
  const char *id = ds_sql(
      "WITH today AS (SELECT (rl_now() AT TIME ZONE 'Europe/Paris')::date AS d)"
      " INSERT INTO loans (device_id, member_id, site_id, category, token, start_date, due_date,"
      " checkout_condition, deposit_amount, deposit_method)"
      " SELECT dv.id, %lld, dv.site_id, dv.category, '%s', today.d - 30, today.d + %d, '%s', %s, %s"
      " FROM devices dv, today WHERE dv.code = '%s' RETURNING id",
      member, l->token, due_in, l->condition, deposit ? "50" : "NULL", deposit ? "'cash'" : "NULL",
      l->code);
  cr_assert_not_null(id, "loan insert");
  l->id = atoll(id);
  cr_assert_not_null(
      ds_sql("UPDATE devices SET status = 'on_loan' WHERE code = '%s' RETURNING id", l->code));
}

/* ---- reading documents ------------------------------------------------ */

static char *run(int *rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *run(int *rc, const char *fmt, ...)
{
  char *cmd = NULL;
  va_list ap;
  va_start(ap, fmt);
  cr_assert_geq(vasprintf(&cmd, fmt, ap), 0);
  va_end(ap);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p, "popen %s", cmd);
  size_t cap = 4096, len = 0, got;
  char *out = malloc(cap);
  while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (cap - len < 1024)
      out = realloc(out, cap *= 2);
  }
  out[len] = '\0';
  int st = pclose(p);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  free(cmd);
  return out;
}

static const char *save(const struct th_resp *r, const char *name)
{
  static char path[4][256];
  static unsigned k;
  char *p = path[k++ % 4];
  snprintf(p, 256, "%s/%s", tmp, name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f, "cannot write %s", p);
  cr_assert_eq(fwrite(r->body, 1, r->len, f), r->len);
  fclose(f);
  return p;
}

/* Text of a PDF with every run of white space as one space. */
static char *pdf_text(const char *pdf)
{
  int rc;
  char *out = run(&rc, "pdftotext -enc UTF-8 '%s' - 2>&1", pdf);
  cr_assert_eq(rc, 0, "pdftotext: %s", out);
  char *w = out;
  int space = 0;
  for (char *p = out; *p; p++) {
    if (strchr(" \n\t\r\f", *p)) {
      space = 1;
      continue;
    }
    if (space && w != out)
      *w++ = ' ';
    space = 0;
    *w++ = *p;
  }
  *w = '\0';
  return out;
}

static void page_size(const char *pdf, double *w, double *h)
{
  int rc;
  char *out = run(&rc, "pdfinfo '%s' 2>&1", pdf);
  cr_assert_eq(rc, 0, "pdfinfo: %s", out);
  const char *p = strstr(out, "\nPage size:");
  cr_assert_not_null(p, "%s", out);
  cr_assert_eq(sscanf(p + 11, " %lf x %lf pts", w, h), 2, "%s", out);
  *w *= 25.4 / 72, *h *= 25.4 / 72;
  free(out);
}

/* The QR codes on page 1, rasterised at 300 dpi, one per line. */
static char *qr_of(const char *pdf)
{
  int rc;
  free(run(&rc, "pdftoppm -r 300 -png -f 1 -l 1 -singlefile '%s' '%s-p1' 2>&1", pdf, pdf));
  cr_assert_eq(rc, 0, "pdftoppm failed on %s", pdf);
  char *out = run(&rc, "zbarimg --raw -q -Sdisable -Sqrcode.enable '%s-p1.png' 2>/dev/null", pdf);
  out[strcspn(out, "\n")] = '\0';
  return out;
}

static struct th_resp *agreement(const struct loan *l, const char *query, const char *key)
{
  char path[160];
  snprintf(path, sizeof path, "/api/v1/loans/%lld/agreement%s", l->id, query);
  return th_req("GET", path, key, NULL, NULL);
}

/* ---- the agreement ---------------------------------------------------- */

Test(loan_pages, a4_agreement_holds_the_loan_in_the_members_language_without_the_name)
{
  struct loan l;
  make_loan(&l, "fr", 14, 1);
  struct th_resp *r = agreement(&l, "", ds_vol());
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "Content-Type"), "application/pdf");
  cr_assert_str_eq(th_header(r, "Cache-Control"), "private, no-store");
  cr_assert(r->len > 1000 && memcmp(r->body, "%PDF-", 5) == 0, "not a PDF");
  const char *pdf = save(r, "a4.pdf");
  th_free(r);
  double w, h;
  page_size(pdf, &w, &h);
  cr_assert(fabs(w - 210) < 0.5 && fabs(h - 297) < 0.5, "page %.1f x %.1f mm", w, h);

  char *text = pdf_text(pdf);
  char due[16];
  snprintf(due, sizeof due, "%s",
           ds_sql("SELECT to_char(due_date, 'FMDD') FROM loans WHERE id = %lld", l.id));
  const char *want[] = {"Contrat de prêt d'appareil",
                        l.code,
                        "Ordinateur portable",
                        "Lenovo",
                        l.number,
                        l.condition,
                        "50,00 EUR, en espèces",
                        l.site_name,
                        l.address,
                        l.hours,
                        l.cond_fr,
                        "Le membre",
                        "Pour le repair café",
                        "Date et signature"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert(strstr(text, want[i]), "agreement lacks \"%s\": %s", want[i], text);
  /* Dates are words in French: "12 décembre 2026". */
  const char *months[] = {"janvier", "février", "mars",      "avril",   "mai",      "juin",
                          "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
  int month = atoi(ds_sql("SELECT extract(month FROM due_date) FROM loans WHERE id = %lld", l.id));
  char due_words[96];
  snprintf(due_words, sizeof due_words, "%s%s %s", due, strcmp(due, "1") == 0 ? "er" : "",
           months[month - 1]);
  cr_assert(strstr(text, due_words), "no due date \"%s\": %s", due_words, text);
  const char *absent[] = {l.member_name, l.email, l.phone, l.notes, l.cond_en};
  for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
    cr_assert_null(strstr(text, absent[i]), "agreement shows \"%s\"", absent[i]);
  free(text);

  char url[256];
  snprintf(url, sizeof url, "%s/l/%s", th_url(), l.token);
  char *qr = qr_of(pdf);
  cr_assert_str_eq(qr, url);
  free(qr);
}

Test(loan_pages, name_only_when_asked_and_english_on_request_or_by_the_member)
{
  struct loan l;
  make_loan(&l, "fr", 10, 0);
  struct th_resp *r = agreement(&l, "?name=true&lang=en", ds_vol());
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "Content-Language"), "en");
  char *text = pdf_text(save(r, "named.pdf"));
  th_free(r);
  const char *want[] = {"Device loan agreement", l.member_name, "No deposit", "Laptop", l.cond_en,
                        "Date and signature"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert(strstr(text, want[i]), "agreement lacks \"%s\": %s", want[i], text);
  cr_assert_null(strstr(text, l.cond_fr));
  cr_assert_null(strstr(text, l.email), "only the name is printed");
  free(text);

  r = agreement(&l, "?name=false", ds_admin());
  cr_assert_eq(r->status, 200);
  text = pdf_text(save(r, "unnamed.pdf"));
  th_free(r);
  cr_assert_null(strstr(text, l.member_name));
  cr_assert(strstr(text, "Aucune caution"), "%s", text);
  free(text);

  struct loan e;
  make_loan(&e, "en", 5, 1);
  r = agreement(&e, "", ds_vol());
  cr_assert_eq(r->status, 200);
  text = pdf_text(save(r, "english.pdf"));
  th_free(r);
  cr_assert(strstr(text, "Device loan agreement") && strstr(text, "50.00 EUR, in cash") &&
                strstr(text, e.cond_en),
            "an English member's agreement is in English: %s", text);
  free(text);
}

Test(loan_pages, receipt_is_62_mm_wide_with_the_same_facts_and_the_qr)
{
  struct loan l;
  make_loan(&l, "fr", 14, 1);
  struct th_resp *r = agreement(&l, "?format=receipt&name=true", ds_vol());
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(strstr(th_header(r, "Content-Disposition"), "receipt"));
  const char *pdf = save(r, "receipt.pdf");
  th_free(r);
  double w, h;
  page_size(pdf, &w, &h);
  cr_assert(fabs(w - 62) < 0.2 && h > 100 && h < 1000, "receipt %.1f x %.1f mm", w, h);
  char *text = pdf_text(pdf);
  const char *want[] = {l.code, l.number, l.member_name, "50,00 EUR", l.site_name, l.cond_fr};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert(strstr(text, want[i]), "receipt lacks \"%s\": %s", want[i], text);
  free(text);
  char url[256];
  snprintf(url, sizeof url, "%s/l/%s", th_url(), l.token);
  char *qr = qr_of(pdf);
  cr_assert_str_eq(qr, url);
  free(qr);
}

Test(loan_pages, agreement_refuses_bad_ids_keys_and_parameters)
{
  struct loan l;
  make_loan(&l, "fr", 14, 0);
  struct th_resp *r = agreement(&l, "", ds_reader());
  cr_assert(th_is_problem(r, 403), "reader: %ld", r->status);
  th_free(r);
  r = agreement(&l, "", NULL);
  cr_assert(th_is_problem(r, 401), "no key: %ld", r->status);
  th_free(r);
  const char *queries[] = {"?format=a5", "?name=yes", "?lang=de", "?template=62x29",
                           "?format=a4&format=receipt"};
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    r = agreement(&l, queries[i], ds_vol());
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", queries[i], r->status, r->body);
    th_free(r);
  }
  const char *ids[] = {"abc", "0", "-3", "1.5", "99999999999999999999", "%27%20OR%201%3D1"};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    char path[128];
    snprintf(path, sizeof path, "/api/v1/loans/%s/agreement", ids[i]);
    /* Not an id names nothing, as everywhere an id is in a path. */
    r = th_req("GET", path, ds_vol(), NULL, NULL);
    cr_assert(th_is_problem(r, 404), "%s: %ld %s", ids[i], r->status, r->body);
    th_free(r);
  }
  r = th_req("GET", "/api/v1/loans/999999999999/agreement", ds_vol(), NULL, NULL);
  cr_assert(th_is_problem(r, 404), "unknown loan: %ld %s", r->status, r->body);
  th_free(r);
}

/* ---- the loan's public page ------------------------------------------- */

static struct th_resp *page(const char *path, const char *accept_language)
{
  char h[128];
  snprintf(h, sizeof h, "Accept-Language: %s", accept_language ? accept_language : "");
  const char *extra[] = {h, NULL};
  return th_req("GET", path, NULL, NULL, accept_language ? extra : NULL);
}

static void assert_nothing_personal(const struct loan *l, const char *html)
{
  const char *secret[] = {l->member_name, l->email, l->phone,    l->notes,
                          l->number,      l->code,  l->condition};
  for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
    cr_assert_null(strstr(html, secret[i]), "the page shows \"%s\"", secret[i]);
}

Test(loan_pages, loan_page_says_category_due_date_and_site_and_nothing_personal)
{
  struct loan l;
  make_loan(&l, "en", 14, 1);
  char path[128];
  snprintf(path, sizeof path, "/l/%s", l.token);
  struct th_resp *r = page(path, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert(strncmp(th_header(r, "Content-Type"), "text/html", 9) == 0);
  cr_assert_str_eq(th_header(r, "Cache-Control"), "no-store");
  cr_assert_str_eq(th_header(r, "Referrer-Policy"), "no-referrer");
  const char *due = ds_sql("SELECT due_date FROM loans WHERE id = %lld", l.id);
  char datetime[64];
  snprintf(datetime, sizeof datetime, "datetime=\"%s\"", due);
  const char *want[] = {"lang=\"fr\"", "Votre prêt", "Ordinateur portable", "En prêt", datetime,
                        l.site_name,   l.hours};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert(strstr(r->body, want[i]), "page lacks \"%s\": %s", want[i], r->body);
  assert_nothing_personal(&l, r->body);
  th_free(r);

  r = page(path, "en-GB,en;q=0.9");
  cr_assert_eq(r->status, 200);
  cr_assert(strstr(r->body, "lang=\"en\"") && strstr(r->body, "Your loan") &&
                strstr(r->body, "On loan") && strstr(r->body, "Laptop"),
            "%s", r->body);
  assert_nothing_personal(&l, r->body);
  th_free(r);
}

Test(loan_pages, loan_page_words_overdue_and_returned_loans)
{
  struct loan late;
  make_loan(&late, "fr", -3, 0);
  char path[128];
  snprintf(path, sizeof path, "/l/%s", late.token);
  struct th_resp *r = page(path, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert(strstr(r->body, "En retard") && strstr(r->body, "il y a 3 jours") &&
                strstr(r->body, "status overdue"),
            "%s", r->body);
  th_free(r);
  snprintf(path, sizeof path, "/l/%s?lang=en&utm_source=sms", late.token);
  r = page(path, NULL);
  cr_assert(strstr(r->body, "Overdue") && strstr(r->body, "3 days ago"), "%s", r->body);
  th_free(r);

  /* Due today is not overdue yet. */
  struct loan today;
  make_loan(&today, "fr", 0, 0);
  snprintf(path, sizeof path, "/l/%s", today.token);
  r = page(path, NULL);
  cr_assert(strstr(r->body, "En prêt") && !strstr(r->body, "En retard"), "%s", r->body);
  th_free(r);

  cr_assert_not_null(ds_sql("UPDATE loans SET returned_at = rl_now(), return_condition = 'ok'"
                            " WHERE id = %lld RETURNING id",
                            late.id));
  snprintf(path, sizeof path, "/l/%s", late.token);
  r = page(path, NULL);
  cr_assert(strstr(r->body, "Rendu") && strstr(r->body, "rapporté le") &&
                !strstr(r->body, "En retard"),
            "%s", r->body);
  assert_nothing_personal(&late, r->body);
  th_free(r);
}

Test(loan_pages, unknown_loan_tokens_get_the_404_page)
{
  struct loan l;
  make_loan(&l, "fr", 14, 0);
  char flipped[48];
  snprintf(flipped, sizeof flipped, "%s", l.token);
  flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
  const char *tokens[] = {flipped, "abc", "%27%20OR%201%3D1--", "AAAAAAAAAAAAAAAAAAAAAA"};
  for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
    char path[128];
    snprintf(path, sizeof path, "/l/%s", tokens[i]);
    struct th_resp *r = page(path, NULL);
    cr_assert_eq(r->status, 404, "%s: %ld", path, r->status);
    cr_assert(strstr(r->body, "Lien non reconnu"), "%s", r->body);
    cr_assert_null(strstr(r->body, l.site_name));
    th_free(r);
  }
}

/* ---- the catalogue ---------------------------------------------------- */

static const json_t *find_site(const json_t *c, const char *slug)
{
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(c, "sites"), i, s) {
    if (strcmp(json_string_value(json_object_get(s, "slug")), slug) == 0)
      return s;
  }
  return NULL;
}

static const json_t *find_category(const json_t *list, const char *slug)
{
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "category")), slug) == 0)
      return e;
  }
  return NULL;
}

static long long any_site_waiting(const char *category)
{
  struct th_resp *r = th_req("GET", "/api/v1/catalogue", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200);
  const json_t *e = find_category(json_object_get(r->json, "waiting_any_site"), category);
  long long n = e ? json_integer_value(json_object_get(e, "waiting")) : 0;
  th_free(r);
  return n;
}

Test(loan_pages, catalogue_counts_available_unheld_devices_and_waiting_members)
{
  /* One laptop on loan (make_loan); two fans available, one of them held;
   * a resident's own fan (never lent); a member waiting at the site, the
   * holder too, another at any site. Fans: no other test lends or waits
   * for one, so the member waiting at any site holds no one else's. */
  struct loan l;
  make_loan(&l, "fr", 14, 0);
  char held[CODE_CAP], free_one[CODE_CAP], own[CODE_CAP];
  const char *to_available[] = {"diagnosing", "repaired", "available", NULL};
  const char *cat = "fan";
  ds_device(held, "donation", l.site, "Dell");
  ds_device(free_one, "donation", l.site, "HP");
  ds_device(own, "repair", l.site, "Apple");
  cr_assert_not_null(ds_sql("UPDATE devices SET category = '%s' WHERE code IN ('%s', '%s', '%s')"
                            " RETURNING id",
                            cat, held, free_one, own));
  ds_drive(held, to_available);
  ds_drive(free_one, to_available);
  long long before = any_site_waiting(cat);
  struct loan w1, w2, w3;
  long long m1 = make_member(&w1, "fr"), m2 = make_member(&w2, "fr"), m3 = make_member(&w3, "en");
  cr_assert_not_null(ds_sql(
      "INSERT INTO waitlist (member_id, category, site_id, status, held_device_id, held_at,"
      " held_until, actor) SELECT %lld, '%s', d.site_id, 'held', d.id, rl_now(),"
      " rl_now() + interval '3 days', 'test' FROM devices d WHERE d.code = '%s' RETURNING id",
      m1, cat, held));
  cr_assert_not_null(ds_sql("UPDATE devices SET held_for = %lld, held_until = rl_now() + interval"
                            " '3 days' WHERE code = '%s' RETURNING id",
                            m1, held));
  cr_assert_not_null(ds_sql("INSERT INTO waitlist (member_id, category, site_id, actor)"
                            " SELECT %lld, '%s', id, 'test' FROM sites WHERE slug = '%s'"
                            " RETURNING id",
                            m2, cat, l.site));
  cr_assert_not_null(ds_sql("INSERT INTO waitlist (member_id, category, actor)"
                            " VALUES (%lld, '%s', 'test') RETURNING id",
                            m3, cat));
  char empty[96], closed[96];
  ds_site(empty, sizeof empty, 1);
  ds_site(closed, sizeof closed, 0);

  struct th_resp *r = th_req("GET", "/api/v1/catalogue", NULL, NULL, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "Cache-Control"), "public, max-age=60");
  const json_t *site = find_site(r->json, l.site);
  cr_assert_not_null(site, "the site is listed");
  cr_assert_str_eq(json_string_value(json_object_get(site, "opening_hours")), l.hours);
  const json_t *cats = json_object_get(site, "categories");
  cr_assert_eq(json_array_size(cats), 1, "only fans here (a repair is never lent): %s", r->body);
  const json_t *fans = find_category(cats, cat);
  cr_assert_not_null(fans);
  cr_assert_eq(json_integer_value(json_object_get(fans, "available")), 1,
               "on loan and held are not available: %s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(fans, "waiting")), 2, "waiting and held");
  cr_assert_str_eq(json_string_value(json_object_get(fans, "name_fr")), "Ventilateur");
  const json_t *e = find_site(r->json, empty);
  cr_assert(e && json_array_size(json_object_get(e, "categories")) == 0, "an empty site: %s",
            r->body);
  cr_assert_null(find_site(r->json, closed), "inactive sites are not listed");
  const char *secret[] = {l.code, held, free_one, w1.number, w1.member_name, w3.email};
  for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
    cr_assert_null(strstr(r->body, secret[i]), "the catalogue shows \"%s\"", secret[i]);
  th_free(r);
  cr_assert_eq(any_site_waiting(cat), before + 1, "the member waiting at any site");

  /* The hold ends: the device counts again, its holder no longer waits. */
  cr_assert_not_null(ds_sql("UPDATE waitlist SET status = 'expired', ended_at = rl_now()"
                            " WHERE member_id = %lld RETURNING id",
                            m1));
  cr_assert_not_null(ds_sql("UPDATE devices SET held_for = NULL, held_until = NULL"
                            " WHERE code = '%s' RETURNING id",
                            held));
  r = th_req("GET", "/api/v1/catalogue", NULL, NULL, NULL);
  fans = find_category(json_object_get(find_site(r->json, l.site), "categories"), cat);
  cr_assert_eq(json_integer_value(json_object_get(fans, "available")), 2, "%s", r->body);
  cr_assert_eq(json_integer_value(json_object_get(fans, "waiting")), 1);
  th_free(r);

  r = page("/catalogue", NULL);
  cr_assert_eq(r->status, 200, "%ld", r->status);
  cr_assert_str_eq(th_header(r, "Cache-Control"), "public, max-age=60");
  cr_assert(strstr(r->body, "lang=\"fr\"") && strstr(r->body, l.site_name) &&
                strstr(r->body, "2 disponibles") && strstr(r->body, "1 personne en attente") &&
                !strstr(r->body, "<script"),
            "%s", r->body);
  for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
    cr_assert_null(strstr(r->body, secret[i]), "the page shows \"%s\"", secret[i]);
  th_free(r);
  r = page("/catalogue?lang=en", NULL);
  cr_assert(strstr(r->body, "lang=\"en\"") && strstr(r->body, "Devices to borrow") &&
                strstr(r->body, "2 available") && strstr(r->body, "Waiting at any site"),
            "%s", r->body);
  th_free(r);

  r = th_req("GET", "/api/v1/catalogue?site=x", NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 400), "the API takes no parameter: %ld", r->status);
  th_free(r);
}
