/* The public views a resident sees without a key: the tracking JSON and
 * page behind a receipt's token, the page a device's label opens, and the
 * 404 that unknown links get. Personal data is checked by value: every
 * private field gets a distinctive string that must appear nowhere. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers/th.h"
#include "tests/integration/device_support.h"

/* One tracked device and the private strings it was given. */
struct tracked {
  char site[96], site_name[128], address[128], hours[128];
  char code[CODE_CAP], token[80];
  char owner_name[96], email[128], phone[48], notes[96], brand[96], model[96], serial[96],
      dev_problem[96];
  char r_problem[96], r_diagnosis[96], r_actions[96], repairer[96], move_note[96];
};

static void copy(char *dst, size_t cap, const char *prefix)
{
  snprintf(dst, cap, "%s", th_unique(prefix));
}

static struct th_resp *pub(const char *path, const char *accept_language)
{
  char h[128];
  snprintf(h, sizeof h, "Accept-Language: %s", accept_language ? accept_language : "");
  const char *extra[] = {h, NULL};
  return th_req("GET", path, NULL, NULL, accept_language ? extra : NULL);
}

static void tk_move(const struct tracked *t, const char *to, const char *note)
{
  struct th_resp *r = ds_move_as(ds_vol(), t->code, to, note);
  cr_assert_eq(r->status, 200, "-> %s: %ld %s", to, r->status, r->body);
  th_free(r);
}

/* A site with a name, address and hours; a repair device with an owner,
 * notes and the rest; moved to diagnosing with a note; a fixed repair. */
static void tk_make(struct tracked *t, int with_repair)
{
  memset(t, 0, sizeof *t);
  copy(t->site, sizeof t->site, "tk-");
  snprintf(t->site_name, sizeof t->site_name, "Tiers-lieu %s", th_unique("N"));
  snprintf(t->address, sizeof t->address, "%s rue de la Réparation, Fontenay-sous-Bois",
           th_unique("12"));
  snprintf(t->hours, sizeof t->hours, "Samedi 10h-13h %s", th_unique("H"));
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", ds_admin(),
                              "{\"slug\":\"%s\",\"name\":\"%s\",\"address\":\"%s\","
                              "\"opening_hours\":\"%s\"}",
                              t->site, t->site_name, t->address, t->hours);
  cr_assert_eq(r->status, 201, "site: %ld %s", r->status, r->body);
  th_free(r);

  copy(t->owner_name, sizeof t->owner_name, "Ownername");
  snprintf(t->email, sizeof t->email, "%s@mail.example", th_unique("owner"));
  snprintf(t->phone, sizeof t->phone, "+33 6%s", th_unique(""));
  t->phone[sizeof "+33 6" + 12] = '\0';
  copy(t->notes, sizeof t->notes, "Privatenote");
  copy(t->brand, sizeof t->brand, "Brandx");
  copy(t->model, sizeof t->model, "Modelx");
  copy(t->serial, sizeof t->serial, "SERIALX");
  copy(t->dev_problem, sizeof t->dev_problem, "Devproblem");
  r = ds_post("{\"kind\":\"repair\",\"category\":\"laptop-medium\",\"site\":\"%s\","
              "\"brand\":\"%s\",\"model\":\"%s\",\"serial\":\"%s\",\"problem\":\"%s\","
              "\"owner\":{\"name\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\"},\"notes\":\"%s\"}",
              t->site, t->brand, t->model, t->serial, t->dev_problem, t->owner_name, t->email,
              t->phone, t->notes);
  cr_assert_eq(r->status, 201, "intake: %ld %s", r->status, r->body);
  snprintf(t->code, sizeof t->code, "%s", th_str(r, "code"));
  const char *tok = th_str(r, "tracking_token");
  cr_assert_not_null(tok, "%s", r->body);
  snprintf(t->token, sizeof t->token, "%s", tok);
  th_free(r);

  if (!with_repair)
    return;
  copy(t->move_note, sizeof t->move_note, "Movenote");
  tk_move(t, "diagnosing", t->move_note);
  copy(t->r_problem, sizeof t->r_problem, "Rproblem");
  copy(t->r_diagnosis, sizeof t->r_diagnosis, "Rdiagnosis");
  copy(t->r_actions, sizeof t->r_actions, "Ractions");
  copy(t->repairer, sizeof t->repairer, "Repairername");
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", t->code);
  r = th_reqf("POST", path, ds_vol(),
              "{\"outcome\":\"fixed\",\"problem\":\"%s\",\"diagnosis\":\"%s\","
              "\"actions\":\"%s\",\"repairer\":\"%s\",\"minutes\":40}",
              t->r_problem, t->r_diagnosis, t->r_actions, t->repairer);
  cr_assert_eq(r->status, 201, "repair: %ld %s", r->status, r->body);
  th_free(r);
}

/* None of the device's private strings is in body. */
static void assert_no_private_data(const struct tracked *t, const char *body, const char *what)
{
  const char *secrets[] = {t->owner_name, t->email,       t->phone,     t->notes,
                           t->serial,     t->dev_problem, t->r_problem, t->r_diagnosis,
                           t->r_actions,  t->repairer,    t->move_note, t->model};
  const char *names[] = {"owner name", "owner email",    "owner phone",     "notes",
                         "serial",     "device problem", "repair problem",  "diagnosis",
                         "actions",    "repairer",       "transition note", "model"};
  for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
    if (secrets[i][0])
      cr_assert_null(strstr(body, secrets[i]), "%s shows the %s (%s): %s", what, names[i],
                     secrets[i], body);
  /* The key that made the changes, and the internal note on them. */
  cr_assert_null(strstr(body, "test volunteer"), "%s shows the actor: %s", what, body);
  cr_assert_null(strstr(body, "repair outcome"), "%s shows an internal note: %s", what, body);
}

static void assert_keys(const json_t *obj, const char *const *keys, size_t n, const char *what)
{
  cr_assert(json_is_object(obj), "%s is not an object", what);
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)obj, k, v) {
    size_t i = 0;
    while (i < n && strcmp(keys[i], k) != 0)
      i++;
    cr_assert_lt(i, n, "%s has an unexpected member %s", what, k);
  }
  for (size_t i = 0; i < n; i++)
    cr_assert_not_null(json_object_get(obj, keys[i]), "%s lacks %s", what, keys[i]);
}

Test(tracking, json_has_status_timeline_site_messages_and_nothing_private)
{
  struct tracked t;
  tk_make(&t, 1);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/track/%s", t.token);
  struct th_resp *r = pub(path, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_not_null(r->json, "%s", r->body);
  cr_assert_str_eq(th_header(r, "Cache-Control"), "no-store");
  cr_assert_str_eq(th_header(r, "Access-Control-Allow-Origin"), "*");

  static const char *const top[] = {"code", "status", "category", "site", "timeline", "message"};
  assert_keys(r->json, top, 6, "tracking");
  cr_assert_str_eq(th_str(r, "code"), t.code);
  cr_assert_str_eq(th_str(r, "status"), "repaired");
  json_t *cat = json_object_get(r->json, "category");
  cr_assert_str_eq(json_string_value(json_object_get(cat, "name_fr")),
                   "Ordinateur portable (moyen)");
  cr_assert_str_eq(json_string_value(json_object_get(cat, "name_en")), "Laptop medium");
  json_t *site = json_object_get(r->json, "site");
  static const char *const site_keys[] = {"name", "address", "opening_hours"};
  assert_keys(site, site_keys, 3, "site");
  cr_assert_str_eq(json_string_value(json_object_get(site, "name")), t.site_name);
  cr_assert_str_eq(json_string_value(json_object_get(site, "address")), t.address);
  cr_assert_str_eq(json_string_value(json_object_get(site, "opening_hours")), t.hours);

  json_t *msg = json_object_get(r->json, "message");
  static const char *const langs[] = {"fr", "en"};
  assert_keys(msg, langs, 2, "message");
  cr_assert_not_null(strstr(json_string_value(json_object_get(msg, "fr")), "réparé"), "%s",
                     r->body);
  cr_assert_not_null(strstr(json_string_value(json_object_get(msg, "en")), "repaired"), "%s",
                     r->body);

  json_t *tl = json_object_get(r->json, "timeline");
  const char *want[] = {"received", "diagnosing", "repaired"};
  cr_assert_eq(json_array_size(tl), 3, "%s", r->body);
  double prev = 0;
  for (size_t i = 0; i < 3; i++) {
    json_t *step = json_array_get(tl, i);
    static const char *const step_keys[] = {"status", "at"};
    assert_keys(step, step_keys, 2, "timeline step");
    cr_assert_str_eq(json_string_value(json_object_get(step, "status")), want[i]);
    double at = ds_time(json_string_value(json_object_get(step, "at")));
    cr_assert_gt(at, 0, "not RFC 3339 UTC: %s", r->body);
    cr_assert_geq(at, prev, "timeline out of order: %s", r->body);
    prev = at;
  }

  assert_no_private_data(&t, r->body, "tracking JSON");
  cr_assert_null(strstr(r->body, t.brand), "tracking JSON shows the brand: %s", r->body);
  cr_assert_null(strstr(r->body, t.site), "tracking JSON shows the site slug: %s", r->body);
  cr_assert_null(strstr(r->body, t.token), "tracking JSON repeats the token: %s", r->body);
  th_free(r);
}

Test(tracking, timeline_follows_every_status_change)
{
  struct tracked t;
  tk_make(&t, 0);
  const char *moves[] = {"diagnosing", "in_repair", "awaiting_parts",
                         "in_repair",  "repaired",  "returned"};
  for (size_t i = 0; i < 6; i++)
    tk_move(&t, moves[i], NULL);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/track/%s", t.token);
  struct th_resp *r = pub(path, NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_str(r, "status"), "returned");
  json_t *tl = json_object_get(r->json, "timeline");
  cr_assert_eq(json_array_size(tl), 7, "%s", r->body);
  cr_assert_str_eq(json_string_value(json_object_get(json_array_get(tl, 0), "status")), "received");
  for (size_t i = 0; i < 6; i++)
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(tl, i + 1), "status")),
                     moves[i], "step %zu: %s", i + 1, r->body);
  cr_assert_not_null(
      strstr(json_string_value(json_object_get(json_object_get(r->json, "message"), "fr")),
             "rendu"),
      "%s", r->body);
  th_free(r);
}

Test(tracking, page_is_french_by_default_english_on_request)
{
  struct tracked t;
  tk_make(&t, 1);
  char path[160], path_en[180];
  snprintf(path, sizeof path, "/t/%s", t.token);
  snprintf(path_en, sizeof path_en, "/t/%s?lang=en", t.token);

  struct {
    const char *path, *accept, *lang;
  } cases[] = {
      {path, NULL, "fr"},
      {path, "fr-FR,fr;q=0.9,en;q=0.8", "fr"},
      {path, "de-DE,de;q=0.9", "fr"},
      {path, "en-US,en;q=0.9", "en"},
      {path, "en-GB", "en"},
      {path, "fr;q=0.3,en;q=0.7", "en"},
      {path_en, NULL, "en"},
      {path_en, "fr-FR", "en"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct th_resp *r = pub(cases[i].path, cases[i].accept);
    const char *ctx = cases[i].accept ? cases[i].accept : cases[i].path;
    cr_assert_eq(r->status, 200, "%s: %ld %s", ctx, r->status, r->body);
    cr_assert_not_null(strstr(th_header(r, "Content-Type"), "text/html"), "%s", ctx);
    cr_assert_not_null(strstr(th_header(r, "Content-Type"), "utf-8"), "%s", ctx);
    char lang_attr[32];
    snprintf(lang_attr, sizeof lang_attr, "<html lang=\"%s\"", cases[i].lang);
    cr_assert_not_null(strstr(r->body, lang_attr), "%s: want %s", ctx, lang_attr);
    int en = strcmp(cases[i].lang, "en") == 0;
    cr_assert_not_null(strstr(r->body, en ? "Repaired" : "Réparé"), "%s: status", ctx);
    cr_assert_not_null(strstr(r->body, en ? "Good news" : "Bonne nouvelle"), "%s: message", ctx);
    cr_assert_not_null(strstr(r->body, en ? "Laptop medium" : "Ordinateur portable (moyen)"),
                       "%s: category", ctx);
    cr_assert_not_null(strstr(r->body, "<h1>"), "%s: no h1", ctx);
    cr_assert_not_null(strstr(r->body, "<h2"), "%s: no h2", ctx);
    cr_assert_not_null(strstr(r->body, t.site_name), "%s: site name", ctx);
    cr_assert_not_null(strstr(r->body, t.address), "%s: address", ctx);
    cr_assert_not_null(strstr(r->body, t.hours), "%s: hours", ctx);
    cr_assert_not_null(strstr(r->body, t.code), "%s: code", ctx);
    cr_assert_not_null(strstr(r->body, "name=\"viewport\""), "%s: not for a phone", ctx);
    assert_no_private_data(&t, r->body, "tracking page");
    cr_assert_null(strstr(r->body, t.brand), "%s: brand", ctx);
    /* Self-contained: nothing fetched from anywhere. */
    const char *outside[] = {"<script", "<link",   "<img",     "<iframe", "src=", "@import",
                             "url(",    "http://", "https://", "//fonts", "cdn"};
    for (size_t k = 0; k < sizeof outside / sizeof outside[0]; k++)
      cr_assert_null(strstr(r->body, outside[k]), "%s: page has %s", ctx, outside[k]);
    const char *csp = th_header(r, "Content-Security-Policy");
    cr_assert_not_null(csp, "%s: no CSP", ctx);
    cr_assert_not_null(strstr(csp, "default-src 'none'"), "%s: %s", ctx, csp);
    cr_assert_str_eq(th_header(r, "Cache-Control"), "no-store");
    th_free(r);
  }
  /* The timeline is in the page too, oldest first, dated dd/mm/yyyy. */
  struct th_resp *r = pub(path, NULL);
  const char *a = strstr(r->body, "Déposé"), *b = strstr(r->body, "En diagnostic");
  cr_assert(a && b && a < b, "timeline steps missing or out of order");
  cr_assert_not_null(strstr(r->body, "<time datetime=\""));
  th_free(r);
}

Test(tracking, page_escapes_what_it_shows)
{
  struct tracked t;
  tk_make(&t, 0);
  char path[160];
  snprintf(path, sizeof path, "/api/v1/sites/%s", t.site);
  struct th_resp *r = th_req("PATCH", path, ds_admin(),
                             "{\"name\":\"Caf\\u00e9 <script>alert(1)</script> & \\\"Co\\\"\","
                             "\"address\":\"<b>1 rue</b>\"}",
                             NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  snprintf(path, sizeof path, "/t/%s", t.token);
  r = pub(path, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_null(strstr(r->body, "<script>alert(1)"), "unescaped site name: %s", r->body);
  cr_assert_null(strstr(r->body, "<b>1 rue"), "unescaped address");
  cr_assert_not_null(
      strstr(r->body, "Café &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"), "%s",
      r->body);
  th_free(r);
  snprintf(path, sizeof path, "/d/%s", t.code);
  r = pub(path, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_null(strstr(r->body, "<script>alert(1)"), "unescaped site name: %s", r->body);
  th_free(r);
}

Test(tracking, device_page_shows_category_status_site_only)
{
  struct tracked t;
  tk_make(&t, 0);
  tk_move(&t, "diagnosing", NULL);
  char lower[CODE_CAP];
  for (size_t i = 0; i <= strlen(t.code); i++)
    lower[i] = (char)((t.code[i] >= 'A' && t.code[i] <= 'Z') ? t.code[i] + 32 : t.code[i]);
  char path[160];
  const char *variants[] = {t.code, lower};
  for (size_t v = 0; v < 2; v++) {
    snprintf(path, sizeof path, "/d/%s", variants[v]);
    struct th_resp *r = pub(path, NULL);
    cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
    cr_assert_not_null(strstr(th_header(r, "Content-Type"), "text/html"));
    cr_assert_not_null(strstr(r->body, "<html lang=\"fr\""));
    cr_assert_not_null(strstr(r->body, "<h1>"));
    cr_assert_not_null(strstr(r->body, "Ordinateur portable (moyen)"), "category: %s", r->body);
    cr_assert_not_null(strstr(r->body, "En diagnostic"), "status: %s", r->body);
    cr_assert_not_null(strstr(r->body, t.site_name), "site: %s", r->body);
    cr_assert_not_null(strstr(r->body, t.code));
    assert_no_private_data(&t, r->body, "device page");
    cr_assert_null(strstr(r->body, t.token), "device page leaks the tracking token");
    cr_assert_null(strstr(r->body, t.brand), "device page shows the brand");
    cr_assert_null(strstr(r->body, t.address), "device page shows more than the site name");
    cr_assert_null(strstr(r->body, "<script"));
    cr_assert_null(strstr(r->body, "http://"));
    cr_assert_null(strstr(r->body, "https://"));
    th_free(r);
  }
  snprintf(path, sizeof path, "/d/%s?lang=en", t.code);
  struct th_resp *r = pub(path, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_not_null(strstr(r->body, "<html lang=\"en\""));
  cr_assert_not_null(strstr(r->body, "Laptop medium"));
  cr_assert_not_null(strstr(r->body, "Being diagnosed"));
  th_free(r);

  /* A donation has no owner and no token, but a page all the same. */
  r = ds_post("{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\",\"brand\":\"B\"}",
              t.site);
  cr_assert_eq(r->status, 201, "%ld %s", r->status, r->body);
  cr_assert_null(json_object_get(r->json, "tracking_token"), "%s", r->body);
  snprintf(path, sizeof path, "/d/%s", th_str(r, "code"));
  th_free(r);
  r = pub(path, NULL);
  cr_assert_eq(r->status, 200);
  cr_assert_not_null(strstr(r->body, "Bouilloire"), "%s", r->body);
  th_free(r);
}

/* A random token of the service's shape (43 base64url characters). */
static void random_token(char *out, size_t len)
{
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < len; i++)
    out[i] = a[rand() % 64];
  out[len] = '\0';
}

Test(tracking, unknown_and_malformed_tokens_get_the_same_404)
{
  struct tracked t;
  tk_make(&t, 0);
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  char well[48], longer[80], flipped[80], shorter[80];
  random_token(well, 43);
  random_token(longer, 65);
  snprintf(flipped, sizeof flipped, "%s", t.token);
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  snprintf(shorter, sizeof shorter, "%s", t.token);
  shorter[strlen(shorter) - 1] = '\0';
  const char *tokens[] = {well,
                          longer,
                          flipped,
                          shorter,
                          "abc",
                          "x",
                          "%27%20OR%201%3D1--",
                          "..%2F..%2Fetc",
                          "%C3%A9t%C3%A9aaaaaaaaaaaaaaaaaaaaaaaa",
                          "AAAAAAAAAAAAAAAAAAAAAA"};
  size_t n = sizeof tokens / sizeof tokens[0];

  const char *prefixes[] = {"/api/v1/track/", "/t/", "/t/"};
  const char *suffixes[] = {"", "", "?lang=en"};
  for (size_t p = 0; p < 3; p++) {
    char *first = NULL, *first_ct = NULL;
    for (size_t i = 0; i < n; i++) {
      char path[256];
      snprintf(path, sizeof path, "%s%s%s", prefixes[p], tokens[i], suffixes[p]);
      struct th_resp *r = pub(path, NULL);
      cr_assert_eq(r->status, 404, "%s: %ld %s", path, r->status, r->body);
      const char *ct = th_header(r, "Content-Type");
      cr_assert_not_null(ct, "%s", path);
      if (p == 0)
        cr_assert(th_is_problem(r, 404), "%s: %s", path, r->body);
      else
        cr_assert_not_null(strstr(ct, "text/html"), "%s: %s", path, ct);
      if (first == NULL) {
        first = strdup(r->body);
        first_ct = strdup(ct);
      } else {
        cr_assert_str_eq(r->body, first, "%s: a different 404 tells tokens apart", path);
        cr_assert_str_eq(ct, first_ct, "%s", path);
      }
      th_free(r);
    }
    if (p > 0) {
      cr_assert_not_null(strstr(first, p == 2 ? "<html lang=\"en\"" : "<html lang=\"fr\""));
      cr_assert_not_null(strstr(first, "<h1>"));
    }
    free(first);
    free(first_ct);
  }
}

Test(tracking, unknown_device_codes_get_the_same_404_page)
{
  /* A well-formed code nobody has, a typo'd one, and things that are not codes. */
  char body7[8], unknown[CODE_CAP] = "", typo[CODE_CAP] = "";
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  for (int i = 0; i < 7; i++)
    body7[i] = ds_alphabet[rand() % 32];
  body7[7] = '\0';
  for (int k = 0; k < 32; k++) {
    char c[CODE_CAP], path[64];
    snprintf(c, sizeof c, "RL-%.4s-%.3s%c", body7, body7 + 4, ds_alphabet[k]);
    snprintf(path, sizeof path, "/d/%s", c);
    struct th_resp *r = pub(path, NULL);
    cr_assert_eq(r->status, 404, "%s: %ld", path, r->status);
    th_free(r);
    struct th_resp *a = ds_get(ds_reader(), c);
    if (a->status == 404)
      snprintf(unknown, sizeof unknown, "%s", c);
    else if (typo[0] == '\0')
      snprintf(typo, sizeof typo, "%s", c);
    th_free(a);
  }
  cr_assert(unknown[0] && typo[0]);
  const char *codes[] = {unknown, typo, "nope", "RL-", "%3Cb%3E"};
  char *first = NULL;
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    char path[64];
    snprintf(path, sizeof path, "/d/%s", codes[i]);
    struct th_resp *r = pub(path, NULL);
    cr_assert_eq(r->status, 404, "%s: %ld %s", path, r->status, r->body);
    cr_assert_not_null(strstr(th_header(r, "Content-Type"), "text/html"), "%s", path);
    if (first == NULL)
      first = strdup(r->body);
    else
      cr_assert_str_eq(r->body, first, "%s", path);
    th_free(r);
  }
  free(first);
}
