/* The service's front door: the home page and the tracking help in both
 * languages, their links, the favicon and robots.txt, and the 404 and 429
 * answers that are pages for browsers and problems for programs. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/th.h"

#define BROWSER_ACCEPT "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

/* GET path with up to two extra headers (NULL: none). */
static struct th_resp *get2(const char *base, const char *path, const char *h1, const char *h2)
{
  const char *extra[] = {h1, h2, NULL};
  if (h1 == NULL) {
    extra[0] = h2;
    extra[1] = NULL;
  }
  return th_request_to(base, "GET", path, NULL, NULL, 0, extra[0] ? extra : NULL);
}

static struct th_resp *get(const char *path, const char *header)
{
  return get2(NULL, path, header, NULL);
}

static int has(const struct th_resp *r, const char *text)
{
  return r->body != NULL && strstr(r->body, text) != NULL;
}

static void assert_page(const struct th_resp *r, long status, const char *lang, const char *what)
{
  cr_assert_eq(r->status, status, "%s: %ld %.200s", what, r->status, r->body);
  const char *ct = th_header(r, "Content-Type");
  cr_assert(ct && strcmp(ct, "text/html; charset=utf-8") == 0, "%s: Content-Type %s", what, ct);
  char want[32];
  snprintf(want, sizeof want, "<html lang=\"%s\">", lang);
  cr_assert(has(r, want), "%s: not %s: %.300s", what, want, r->body);
  cr_assert(strncmp(r->body, "<!DOCTYPE html>", 15) == 0, "%s: not an HTML document", what);
  const char *csp = th_header(r, "Content-Security-Policy");
  cr_assert(csp && strncmp(csp, "default-src 'none';", 19) == 0, "%s: CSP %s", what, csp);
  cr_assert_str_eq(th_header(r, "X-Content-Type-Options"), "nosniff", "%s", what);
}

Test(home, home_page_is_french_by_default_and_says_what_the_service_is)
{
  struct th_resp *r = get("/", NULL);
  assert_page(r, 200, "fr", "GET /");
  cr_assert(has(r, "<h1>Le registre du repair café</h1>"), "%.400s", r->body);
  cr_assert(has(r, "programme de\nréemploi"), "does not say what the service is");
  cr_assert(has(r, "href=\"/help/tracking?lang=fr\""), "no link to the tracking help");
  cr_assert(has(r, "href=\"/openapi.yaml\""), "no link to the API description");
  cr_assert(!has(r, "href=\"/desk"), "links to a desk that does not exist yet");
  cr_assert(has(r, "bureau des bénévoles"), "the desk is not announced");
  cr_assert(has(r, "données ouvertes"), "open data is not announced");
  cr_assert_str_eq(th_header(r, "Vary"), "Accept-Language");
  cr_assert_null(strstr(r->body, "http://"), "a link to another origin");
  cr_assert_null(strstr(r->body, "https://"), "a link to another origin");
  th_free(r);
}

Test(home, home_page_in_english_by_accept_language_or_lang)
{
  struct th_resp *r = get("/", "Accept-Language: en-GB,en;q=0.9,fr;q=0.5");
  assert_page(r, 200, "en", "Accept-Language en");
  cr_assert(has(r, "<h1>The repair café's ledger</h1>"), "%.400s", r->body);
  cr_assert(has(r, "href=\"/help/tracking?lang=en\""));
  th_free(r);
  r = get("/?lang=EN", "Accept-Language: fr-FR");
  assert_page(r, 200, "en", "?lang=EN");
  th_free(r);
  r = get("/?lang=fr", "Accept-Language: en");
  assert_page(r, 200, "fr", "?lang=fr wins over Accept-Language");
  th_free(r);
  r = get("/?lang=de", "Accept-Language: de-DE, en;q=0.3");
  assert_page(r, 200, "en", "unknown lang, English preferred to French");
  th_free(r);
}

/* Every href of a page, relative to the service, answers 200. */
static void assert_links_work(const char *path, const char *lang_header, int min_links)
{
  struct th_resp *page = get(path, lang_header);
  cr_assert_eq(page->status, 200, "%s: %ld", path, page->status);
  int n = 0;
  for (const char *p = strstr(page->body, "href=\""); p; p = strstr(p, "href=\"")) {
    p += 6;
    size_t len = strcspn(p, "\"");
    char link[256];
    snprintf(link, sizeof link, "%.*s", (int)len, p);
    cr_assert(link[0] == '/', "%s links outside the service: %s", path, link);
    struct th_resp *r = get(link, lang_header);
    cr_assert_eq(r->status, 200, "%s: link %s answers %ld", path, link, r->status);
    th_free(r);
    n++;
  }
  cr_assert_geq(n, min_links, "%s has %d links", path, n);
  th_free(page);
}

Test(home, every_link_of_the_pages_works)
{
  assert_links_work("/", NULL, 3);
  assert_links_work("/?lang=en", NULL, 3);
  assert_links_work("/help/tracking", NULL, 2);
  assert_links_work("/help/tracking?lang=en", NULL, 2);
}

Test(home, tracking_help_says_what_to_do_with_the_receipt)
{
  struct th_resp *r = get("/help/tracking", NULL);
  assert_page(r, 200, "fr", "help fr");
  cr_assert(has(r, "<h1>Suivre votre réparation</h1>"), "%.400s", r->body);
  cr_assert(has(r, "code QR"));
  cr_assert(has(r, "reçu"));
  cr_assert(has(r, "personnel"), "does not say the link is personal");
  th_free(r);
  r = get("/help/tracking", "Accept-Language: en");
  assert_page(r, 200, "en", "help en");
  cr_assert(has(r, "<h1>Follow your repair</h1>"), "%.400s", r->body);
  cr_assert(has(r, "receipt"));
  th_free(r);
}

Test(home, favicon_is_an_svg_icon)
{
  struct th_resp *r = get("/favicon.ico", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "Content-Type"), "image/svg+xml");
  cr_assert(strncmp(r->body, "<svg ", 5) == 0 && has(r, "</svg>"), "%.100s", r->body);
  cr_assert(has(r, "xmlns=\"http://www.w3.org/2000/svg\""));
  cr_assert_lt(r->len, 2048, "a favicon of %zu bytes", r->len);
  cr_assert_str_eq(th_header(r, "Cache-Control"), "public, max-age=86400");
  th_free(r);
}

Test(home, robots_txt_keeps_crawlers_off_the_api_and_tracking_links)
{
  struct th_resp *r = get("/robots.txt", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  cr_assert_str_eq(th_header(r, "Content-Type"), "text/plain; charset=utf-8");
  cr_assert(has(r, "\nUser-agent: *\n"), "%s", r->body);
  cr_assert(has(r, "\nAllow: /\n"), "%s", r->body);
  cr_assert(has(r, "\nDisallow: /api/\n"), "%s", r->body);
  cr_assert(has(r, "\nDisallow: /t/\n"), "%s", r->body);
  th_free(r);
}

Test(home, unknown_path_is_a_page_for_browsers_and_a_problem_for_programs)
{
  struct th_resp *r = get2(NULL, "/no/such/page", BROWSER_ACCEPT, "Accept-Language: en");
  assert_page(r, 404, "en", "browser, unknown path");
  cr_assert(has(r, "<h1>Page not found</h1>"), "%.400s", r->body);
  cr_assert(has(r, "href=\"/?lang=en\""), "no way back home");
  cr_assert_str_eq(th_header(r, "Vary"), "Accept, Accept-Language");
  cr_assert_str_eq(th_header(r, "Cache-Control"), "no-store");
  th_free(r);
  r = get("/no/such/page?lang=fr", BROWSER_ACCEPT);
  assert_page(r, 404, "fr", "browser, unknown path, French");
  cr_assert(has(r, "<h1>Page introuvable</h1>"), "%.400s", r->body);
  th_free(r);

  const char *programs[] = {NULL, "Accept: application/json", "Accept: */*",
                            "Accept: text/html;q=0, application/json", "Accept: text/htmlx"};
  for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++) {
    r = get("/no/such/page", programs[i]);
    cr_assert(th_is_problem(r, 404), "%s: %ld %.200s", programs[i], r->status, r->body);
    cr_assert_str_eq(th_str(r, "detail"), "no such path");
    cr_assert_str_eq(th_header(r, "Vary"), "Accept");
    th_free(r);
  }
  /* Under /api/ a browser is an API client like any other. */
  r = get("/api/v1/no-such-thing", BROWSER_ACCEPT);
  cr_assert(th_is_problem(r, 404), "%ld %.200s", r->status, r->body);
  th_free(r);
}

/* Repeats a public request until it is limited (the limit is 2 a minute;
 * a window boundary can reset the count once). */
static struct th_resp *until_limited(const char *base, const char *path, const char *h1,
                                     const char *h2)
{
  for (int i = 0; i < 6; i++) {
    struct th_resp *r = get2(base, path, h1, h2);
    if (r->status == 429)
      return r;
    cr_assert(r->status == 404 || r->status == 200, "%s: %ld %.200s", path, r->status, r->body);
    th_free(r);
  }
  cr_assert_fail("%s was never limited", path);
  return NULL;
}

Test(home, too_many_requests_is_a_page_for_browsers_and_a_problem_for_programs, .timeout = 120)
{
  char url[64];
  const char *env[] = {"REPAIRD_PUBLIC_RATE_LIMIT=2", NULL};
  pid_t pid = th_server_start(url, sizeof url, env);
  cr_assert_gt(pid, 0, "repaird did not start");
  const char *token = "/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  struct th_resp *r = until_limited(url, token, BROWSER_ACCEPT, "Accept-Language: fr-FR");
  assert_page(r, 429, "fr", "browser, tracking page");
  cr_assert(has(r, "<h1>Trop de demandes</h1>"), "%.400s", r->body);
  long ra = atol(th_header(r, "Retry-After") ? th_header(r, "Retry-After") : "0");
  cr_assert(ra >= 1 && ra <= 60, "Retry-After %ld", ra);
  cr_assert_str_eq(th_header(r, "Vary"), "Accept, Accept-Language");
  cr_assert_str_eq(th_header(r, "Cache-Control"), "no-store");
  th_free(r);

  r = until_limited(url, "/d/RL-0000-0000", BROWSER_ACCEPT, "Accept-Language: en");
  assert_page(r, 429, "en", "browser, device page");
  cr_assert(has(r, "<h1>Too many requests</h1>"), "%.400s", r->body);
  th_free(r);

  r = until_limited(url, token, "Accept: */*", NULL);
  cr_assert(th_is_problem(r, 429), "program, tracking page: %.200s", r->body);
  cr_assert_not_null(th_header(r, "Retry-After"));
  cr_assert_str_eq(th_header(r, "Vary"), "Accept");
  th_free(r);

  /* The tracking JSON is an API route: a problem even for a browser. */
  r = until_limited(url, "/api/v1/track/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                    BROWSER_ACCEPT, NULL);
  cr_assert(th_is_problem(r, 429), "browser, tracking JSON: %.200s", r->body);
  th_free(r);
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}
