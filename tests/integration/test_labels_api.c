/* Labels and receipts over HTTP, checked the way a printer or a phone sees
 * them: every QR is decoded (zbarimg, PDFs rasterised by pdftoppm), PDF page
 * sizes read by pdfinfo, PNG sizes from the IHDR chunk, SVG parsed by
 * xmllint, ZPL read block by block, printed text extracted by pdftotext.
 * The renderer's own details are unit-tested in tests/unit/test_labels.c. */
#include "tests/helpers/th.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- temporary files -------------------------------------------------- */

static char tmp[64];

static void setup(void)
{
  snprintf(tmp, sizeof tmp, "/tmp/rl-labels-api.XXXXXX");
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

TestSuite(labels_api, .init = setup, .fini = teardown, .timeout = 120);

/* Writes bytes to tmp/name; returns the path (static, one per call site use). */
static const char *save(const char *name, const void *data, size_t len)
{
  static char path[8][256];
  static unsigned k;
  char *p = path[k++ % 8];
  snprintf(p, 256, "%s/%s", tmp, name);
  FILE *f = fopen(p, "wb");
  cr_assert_not_null(f, "cannot write %s", p);
  cr_assert_eq(fwrite(data, 1, len, f), len);
  fclose(f);
  return p;
}

/* Runs a shell command; its stdout in a malloc'd string (caller frees);
 * *rc its exit status. */
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
  size_t cap = 4096, len = 0;
  char *out = malloc(cap);
  size_t got;
  while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (cap - len < 1024)
      out = realloc(out, cap *= 2);
  }
  out[len] = '\0';
  int st = pclose(p);
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  if (rc)
    *rc = code;
  free(cmd);
  return out;
}

/* Collapses every run of white space into one space, so that text wrapped
 * by the label layout or split by pdftotext still compares. */
static void squash(char *s)
{
  char *w = s;
  int space = 0;
  for (char *r = s; *r; r++) {
    if (*r == ' ' || *r == '\n' || *r == '\t' || *r == '\r' || *r == '\f') {
      space = 1;
      continue;
    }
    if (space && w != s)
      *w++ = ' ';
    space = 0;
    *w++ = *r;
  }
  *w = '\0';
}

/* ---- readers of the documents ----------------------------------------- */

/* QR payloads in a PNG, one per line (only QR symbols are looked for). */
static char *qr_decode(const char *png)
{
  int rc;
  char *out = run(&rc, "zbarimg --raw -q -Sdisable -Sqrcode.enable '%s' 2>/dev/null", png);
  return out; /* rc 4 = nothing found: the caller compares the text */
}

/* Page `page` of a PDF rasterised at 300 dpi; returns the PNG path. */
static const char *raster(const char *pdf, int page)
{
  static char out[8][300];
  static unsigned k;
  char *o = out[k++ % 8];
  snprintf(o, 300, "%s-p%d", pdf, page);
  int rc;
  free(run(&rc, "pdftoppm -r 300 -png -f %d -l %d -singlefile '%s' '%s' 2>&1", page, page, pdf, o));
  cr_assert_eq(rc, 0, "pdftoppm failed on page %d of %s", page, pdf);
  strcat(o, ".png");
  return o;
}

/* Splits a zbarimg output into lines (in place); returns the count. */
static size_t lines_of(char *s, char **v, size_t cap)
{
  size_t n = 0;
  for (char *save_p = NULL, *t = strtok_r(s, "\n", &save_p); t; t = strtok_r(NULL, "\n", &save_p))
    if (*t && n < cap)
      v[n++] = t;
  return n;
}

/* The one QR in a PNG must be exactly want. */
static void expect_single_qr(const char *png, const char *want, const char *what)
{
  char *out = qr_decode(png);
  char *v[8];
  size_t n = lines_of(out, v, 8);
  cr_assert_eq(n, 1, "%s: %zu QR codes decoded, want 1", what, n);
  cr_assert_str_eq(v[0], want, "%s: QR decodes to %s, want %s", what, v[0], want);
  free(out);
}

struct pdf_info {
  int pages;
  double w_mm, h_mm; /* page 1 */
};

static struct pdf_info pdf_info(const char *pdf)
{
  int rc;
  char *out = run(&rc, "pdfinfo '%s' 2>&1", pdf);
  cr_assert_eq(rc, 0, "pdfinfo: %s", out);
  struct pdf_info i = {0, 0, 0};
  char *p = strstr(out, "\nPages:");
  cr_assert_not_null(p, "pdfinfo: no page count: %s", out);
  i.pages = atoi(p + 7);
  p = strstr(out, "\nPage size:");
  cr_assert_not_null(p, "pdfinfo: no page size: %s", out);
  double w, h;
  cr_assert_eq(sscanf(p + 11, " %lf x %lf pts", &w, &h), 2, "%s", out);
  i.w_mm = w * 25.4 / 72.0;
  i.h_mm = h * 25.4 / 72.0;
  free(out);
  return i;
}

/* Sizes of every page of a PDF must be w × h mm (to a tenth of a mm). */
static void expect_all_pages(const char *pdf, int pages, double w, double h)
{
  int rc;
  char *out = run(&rc, "pdfinfo -f 1 -l %d '%s' 2>&1", pages, pdf);
  cr_assert_eq(rc, 0, "pdfinfo: %s", out);
  int seen = 0;
  for (char *p = strstr(out, "\nPage "); p; p = strstr(p + 1, "\nPage ")) {
    int no;
    double pw, ph;
    if (sscanf(p, "\nPage %d size: %lf x %lf pts", &no, &pw, &ph) != 3)
      continue;
    seen++;
    cr_assert(fabs(pw * 25.4 / 72 - w) < 0.05 && fabs(ph * 25.4 / 72 - h) < 0.05,
              "page %d is %.2f x %.2f mm, want %.1f x %.1f", no, pw * 25.4 / 72, ph * 25.4 / 72, w,
              h);
  }
  cr_assert_eq(seen, pages, "pdfinfo listed %d page sizes, want %d", seen, pages);
  free(out);
}

static char *pdf_text(const char *pdf)
{
  int rc;
  char *out = run(&rc, "pdftotext -enc UTF-8 '%s' - 2>&1", pdf);
  cr_assert_eq(rc, 0, "pdftotext: %s", out);
  squash(out);
  return out;
}

static void png_size(const struct th_resp *r, unsigned *w, unsigned *h)
{
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  cr_assert_gt(r->len, 33, "PNG too short");
  cr_assert(memcmp(r->body, sig, 8) == 0, "not a PNG");
  cr_assert(memcmp(r->body + 12, "IHDR", 4) == 0, "PNG without IHDR first");
  const unsigned char *b = (const unsigned char *)r->body + 16;
  *w = (unsigned)b[0] << 24 | (unsigned)b[1] << 16 | (unsigned)b[2] << 8 | b[3];
  *h = (unsigned)b[4] << 24 | (unsigned)b[5] << 16 | (unsigned)b[6] << 8 | b[7];
}

static void expect_xml(const char *svg)
{
  int rc;
  char *out = run(&rc, "xmllint --noout '%s' 2>&1", svg);
  cr_assert_eq(rc, 0, "xmllint: %s", out);
  free(out);
}

/* Counts occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + strlen(needle), needle))
    n++;
  return n;
}

/* ZPL: n blocks, each ^XA … ^XZ holding a model-2 QR with payload urls[i]
 * (in order). */
static void expect_zpl(const struct th_resp *r, size_t n, const char *const *urls)
{
  cr_assert_eq(strlen(r->body), r->len, "ZPL with a NUL byte");
  const char *p = r->body;
  while (*p == ' ' || *p == '\n' || *p == '\r')
    p++;
  cr_assert(strncmp(p, "^XA", 3) == 0, "ZPL does not start with ^XA: %.40s", r->body);
  const char *end = r->body + r->len;
  while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
    end--;
  cr_assert(end - p >= 3 && strncmp(end - 3, "^XZ", 3) == 0, "ZPL does not end with ^XZ");
  cr_assert_eq((size_t)count(r->body, "^XA"), n, "%d ^XA, want %zu", count(r->body, "^XA"), n);
  cr_assert_eq((size_t)count(r->body, "^XZ"), n);
  const char *block = p;
  for (size_t i = 0; i < n; i++) {
    const char *xa = strstr(block, "^XA"), *xz = strstr(block, "^XZ");
    cr_assert(xa && xz && xa < xz, "block %zu is not ^XA…^XZ", i);
    const char *next = strstr(xa + 3, "^XA");
    cr_assert(next == NULL || next > xz, "block %zu opens before the last closed", i);
    char *b = strndup(xa, (size_t)(xz - xa + 3));
    cr_assert_not_null(strstr(b, "^BQN,2,"), "block %zu without ^BQN,2,: %s", i, b);
    char want[600];
    snprintf(want, sizeof want, "^FDQA,%s^FS", urls[i]);
    cr_assert_not_null(strstr(b, want), "block %zu lacks %s: %s", i, want, b);
    free(b);
    block = xz + 3;
  }
}

/* ---- test data through the API ---------------------------------------- */

#define HOURS_1 "Mardi 14h-18h"
#define HOURS_2 "Samedi 10h-12h30"

struct site {
  char slug[96], name[96];
};

static struct site make_site(void)
{
  struct site s;
  snprintf(s.slug, sizeof s.slug, "%s", th_unique("lbl"));
  snprintf(s.name, sizeof s.name, "Atelier Nord");
  struct th_resp *r = th_reqf("POST", "/api/v1/sites", th_admin_key(),
                              "{\"slug\":\"%s\",\"name\":\"%s\",\"address\":\"1 rue du Port\","
                              "\"opening_hours\":\"" HOURS_1 "\\n" HOURS_2 "\"}",
                              s.slug, s.name);
  cr_assert_eq(r->status, 201, "site: %ld %s", r->status, r->body);
  th_free(r);
  return s;
}

struct device {
  char code[32], token[128], received_at[40];
};

static struct device make_device(const struct site *s, const char *kind)
{
  struct device d;
  memset(&d, 0, sizeof d);
  struct th_resp *r;
  if (strcmp(kind, "repair") == 0)
    r = th_reqf("POST", "/api/v1/devices", th_key("volunteer"),
                "{\"kind\":\"repair\",\"category\":\"laptop-medium\",\"site\":\"%s\","
                "\"brand\":\"Lenovo\",\"model\":\"ThinkPad T440\",\"owner\":{\"name\":\"X\"}}",
                s->slug);
  else
    r = th_reqf("POST", "/api/v1/devices", th_key("volunteer"),
                "{\"kind\":\"donation\",\"category\":\"laptop-medium\",\"site\":\"%s\","
                "\"brand\":\"Dell\",\"model\":\"Latitude\"}",
                s->slug);
  cr_assert_eq(r->status, 201, "device: %ld %s", r->status, r->body);
  snprintf(d.code, sizeof d.code, "%s", th_str(r, "code"));
  const char *t = th_str(r, "tracking_token");
  snprintf(d.token, sizeof d.token, "%s", t ? t : "");
  snprintf(d.received_at, sizeof d.received_at, "%s", th_str(r, "received_at"));
  cr_assert_eq(strlen(d.code), 12, "code %s", d.code);
  th_free(r);
  return d;
}

static void device_url(char *out, size_t cap, const char *code)
{
  snprintf(out, cap, "%s/d/%s", th_url(), code);
}

/* The check symbol of printed codes (core/code.c, rl_code_check_symbol):
 * the sum over GF(32) (x^5 + x^2 + 1) of each symbol times x^(position + 1). */
static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

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

static char check_symbol(const char *body, size_t n)
{
  int sum = 0, weight = 1;
  for (size_t i = 0; i < n; i++) {
    weight = gf32_mul(weight, 2);
    sum ^= gf32_mul((int)(strchr(alphabet, body[i]) - alphabet), weight);
  }
  return alphabet[sum];
}

/* A well-formed code with a valid check symbol that no device has. */
static void unknown_code(char *out)
{
  char body[9];
  unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);
  for (int i = 0; i < 7; i++)
    body[i] = alphabet[rand_r(&seed) % 32];
  body[7] = check_symbol(body, 7);
  body[8] = '\0';
  sprintf(out, "RL-%.4s-%.4s", body, body + 4);
}

/* A device code with one symbol changed: the check symbol no longer matches. */
static void mistype(char *out, const char *code)
{
  strcpy(out, code);
  char c = out[4];
  out[4] = c == '7' ? '8' : '7';
}

/* The ETag of reply r, then If-None-Match with it on the same GET → 304. */
static void expect_etag_304(const struct th_resp *r, const char *path)
{
  const char *e = th_header(r, "ETag");
  cr_assert_not_null(e, "%s: no ETag", path);
  cr_assert_gt(strlen(e), 2);
  char h[160];
  snprintf(h, sizeof h, "If-None-Match: %s", e);
  char etag[128];
  snprintf(etag, sizeof etag, "%s", e);
  const char *hs[] = {h, NULL};
  struct th_resp *again = th_req("GET", path, th_key("volunteer"), NULL, hs);
  cr_assert_eq(again->status, 304, "%s with If-None-Match: %ld", path, again->status);
  cr_assert_eq(again->len, 0, "a 304 with a body");
  const char *e2 = th_header(again, "ETag");
  cr_assert(e2 && strcmp(e2, etag) == 0, "%s: 304 without the same ETag", path);
  th_free(again);
  /* A different tag gets the document again. */
  const char *other[] = {"If-None-Match: \"0000000000000000\"", NULL};
  again = th_req("GET", path, th_key("volunteer"), NULL, other);
  cr_assert_eq(again->status, 200, "%s with a stale tag: %ld", path, again->status);
  th_free(again);
}

/* Content-Type exactly mime (parameters allowed after ';' when mime has
 * none) and an attachment/inline file name holding code and .ext. */
static void expect_headers(const struct th_resp *r, const char *mime, const char *code,
                           const char *ext, const char *what)
{
  const char *ct = th_header(r, "Content-Type");
  cr_assert_not_null(ct, "%s: no Content-Type", what);
  cr_assert(strncmp(ct, mime, strlen(mime)) == 0, "%s: Content-Type %s, want %s", what, ct, mime);
  const char *cd = th_header(r, "Content-Disposition");
  cr_assert_not_null(cd, "%s: no Content-Disposition", what);
  char disp[512];
  snprintf(disp, sizeof disp, "%s", cd);
  char *fn = strstr(disp, "filename=");
  cr_assert_not_null(fn, "%s: Content-Disposition without filename: %s", what, disp);
  fn += 9;
  if (*fn == '"')
    fn++;
  char *q = strpbrk(fn, "\";");
  if (q)
    *q = '\0';
  cr_assert_not_null(strstr(fn, code), "%s: file name %s does not hold the code %s", what, fn,
                     code);
  char dot_ext[16];
  snprintf(dot_ext, sizeof dot_ext, ".%s", ext);
  size_t fl = strlen(fn), el = strlen(dot_ext);
  cr_assert(fl > el && strcmp(fn + fl - el, dot_ext) == 0, "%s: file name %s does not end in %s",
            what, fn, dot_ext);
  cr_assert_null(strpbrk(fn, "/\\"), "%s: file name with a path separator: %s", what, fn);
}

static void expect_field(const struct th_resp *r, long status, const char *field)
{
  cr_assert(th_is_problem(r, status), "want %ld problem naming %s, got %ld %s", status, field,
            r->status, r->body);
  json_t *errors = json_object_get(r->json, "errors");
  size_t i;
  json_t *e;
  int found = 0;
  json_array_foreach(errors, i, e) {
    found |= strcmp(json_string_value(json_object_get(e, "field")), field) == 0;
  }
  cr_assert(found, "no error for %s in %s", field, r->body);
}

static struct th_resp *get(const char *path)
{
  return th_req("GET", path, th_key("volunteer"), NULL, NULL);
}

/* What a phone does after the scan: the URL in the QR opens a public page
 * (no key) of this service, about this device. */
static void expect_qr_target(const char *url, const char *needle)
{
  size_t base = strlen(th_url());
  cr_assert(strncmp(url, th_url(), base) == 0, "QR URL %s is not on %s", url, th_url());
  struct th_resp *r = th_req("GET", url + base, NULL, NULL, NULL);
  cr_assert_eq(r->status, 200, "GET %s (the QR's page): %ld", url, r->status);
  if (needle)
    cr_assert_not_null(strstr(r->body, needle), "the page of %s does not show %s", url, needle);
  th_free(r);
}

/* ---- single device labels --------------------------------------------- */

struct expect {
  const char *tpl, *fmt; /* NULL: the default */
  const char *mime, *ext;
  double w_mm, h_mm;     /* PDF */
  unsigned png_w, png_h; /* PNG */
};

static const struct expect label_cases[] = {
    {NULL, NULL, "application/pdf", "pdf", 62.0, 29.0, 0, 0},
    {"62x29", "pdf", "application/pdf", "pdf", 62.0, 29.0, 0, 0},
    {"62x29", "png", "image/png", "png", 0, 0, 696, 271},
    {"62x29", "svg", "image/svg+xml", "svg", 0, 0, 0, 0},
    {"62x29", "zpl", "text/plain", "zpl", 0, 0, 0, 0},
    {"29x90", "pdf", "application/pdf", "pdf", 90.0, 29.0, 0, 0},
    {"29x90", "png", "image/png", "png", 0, 0, 991, 306},
    {"29x90", "svg", "image/svg+xml", "svg", 0, 0, 0, 0},
    {"29x90", "zpl", "text/plain", "zpl", 0, 0, 0, 0},
    {"l7160", "pdf", "application/pdf", "pdf", 210.0, 297.0, 0, 0},
    {"l7160", "svg", "image/svg+xml", "svg", 0, 0, 0, 0},
};

Test(labels_api, every_template_and_format_of_a_device_label)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  char url[256];
  device_url(url, sizeof url, d.code);
  /* "2026-11-29T…Z" → "Reçu le 29/11/2026", the date in Paris (the
   * service's default REPAIRD_TIMEZONE). */
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  cr_assert_not_null(strptime(d.received_at, "%Y-%m-%dT%H:%M:%S", &tm));
  time_t at = timegm(&tm);
  setenv("TZ", "Europe/Paris", 1);
  tzset();
  struct tm local;
  localtime_r(&at, &local);
  char received[64];
  strftime(received, sizeof received, "Reçu le %d/%m/%Y", &local);

  expect_qr_target(url, d.code);

  for (size_t i = 0; i < sizeof label_cases / sizeof label_cases[0]; i++) {
    const struct expect *c = &label_cases[i];
    char path[256], what[64];
    int n = snprintf(path, sizeof path, "/api/v1/devices/%s/label", d.code);
    if (c->tpl)
      n += snprintf(path + n, sizeof path - (size_t)n, "%ctemplate=%s", '?', c->tpl);
    if (c->fmt)
      snprintf(path + n, sizeof path - (size_t)n, "%cformat=%s", c->tpl ? '&' : '?', c->fmt);
    snprintf(what, sizeof what, "label %s/%s", c->tpl ? c->tpl : "(default)",
             c->fmt ? c->fmt : "(default)");

    struct th_resp *r = get(path);
    cr_assert_eq(r->status, 200, "%s: %ld %s", what, r->status, r->body);
    expect_headers(r, c->mime, d.code, c->ext, what);
    char file[64];
    snprintf(file, sizeof file, "label-%zu.%s", i, c->ext);
    const char *f = save(file, r->body, r->len);

    if (strcmp(c->ext, "pdf") == 0) {
      cr_assert(strncmp(r->body, "%PDF-", 5) == 0, "%s: not a PDF", what);
      struct pdf_info pi = pdf_info(f);
      cr_assert_eq(pi.pages, 1, "%s: %d pages", what, pi.pages);
      cr_assert(fabs(pi.w_mm - c->w_mm) < 0.05 && fabs(pi.h_mm - c->h_mm) < 0.05,
                "%s: page %.2f x %.2f mm, want %.1f x %.1f", what, pi.w_mm, pi.h_mm, c->w_mm,
                c->h_mm);
      expect_single_qr(raster(f, 1), url, what);
      char *text = pdf_text(f);
      cr_assert_not_null(strstr(text, d.code), "%s: no code in: %s", what, text);
      cr_assert_not_null(strstr(text, "Ordinateur portable (moyen)"),
                         "%s: no French category in: %s", what, text);
      cr_assert_not_null(strstr(text, "Lenovo ThinkPad T440"), "%s: no brand/model in: %s", what,
                         text);
      cr_assert_not_null(strstr(text, received), "%s: no \"%s\" in: %s", what, received, text);
      cr_assert_not_null(strstr(text, s.name), "%s: no site in: %s", what, text);
      free(text);
    } else if (strcmp(c->ext, "png") == 0) {
      unsigned w, h;
      png_size(r, &w, &h);
      cr_assert(w == c->png_w && h == c->png_h, "%s: %u x %u px, want %u x %u", what, w, h,
                c->png_w, c->png_h);
      expect_single_qr(f, url, what);
    } else if (strcmp(c->ext, "svg") == 0) {
      expect_xml(f);
      cr_assert_not_null(strstr(r->body, "<svg"), "%s: no <svg> element", what);
    } else {
      const char *urls[] = {url};
      expect_zpl(r, 1, urls);
      cr_assert_not_null(strstr(r->body, d.code), "%s: ZPL without the code", what);
      cr_assert_not_null(strstr(r->body, "Ordinateur portable (moyen)"),
                         "%s: ZPL without the French category", what);
      cr_assert_not_null(strstr(r->body, received), "%s: ZPL without \"%s\"", what, received);
    }
    expect_etag_304(r, path);
    th_free(r);
  }
}

Test(labels_api, code_in_the_path_is_case_and_dash_insensitive)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  char url[256];
  device_url(url, sizeof url, d.code);
  /* "RL-4K7Q-9M2X" typed as "rl4k7q9m2x": same label, canonical code in the QR. */
  char typed[32];
  size_t n = 0;
  for (const char *p = d.code; *p; p++)
    if (*p != '-')
      typed[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
  typed[n] = '\0';
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/label?format=png", typed);
  struct th_resp *r = get(path);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  expect_single_qr(save("typed.png", r->body, r->len), url, "label by a typed code");
  th_free(r);
}

Test(labels_api, etag_changes_when_the_device_changes)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  char path[128];
  snprintf(path, sizeof path, "/api/v1/devices/%s/label?format=pdf", d.code);
  struct th_resp *r = get(path);
  cr_assert_eq(r->status, 200);
  char before[128], inm[160];
  snprintf(before, sizeof before, "%s", th_header(r, "ETag"));
  th_free(r);

  char dev[96];
  snprintf(dev, sizeof dev, "/api/v1/devices/%s", d.code);
  r = th_req("PATCH", dev, th_key("volunteer"), "{\"model\":\"ThinkPad X220\"}", NULL);
  cr_assert_eq(r->status, 200, "patch: %ld %s", r->status, r->body);
  th_free(r);

  snprintf(inm, sizeof inm, "If-None-Match: %s", before);
  const char *h[] = {inm, NULL};
  r = th_req("GET", path, th_key("volunteer"), NULL, h);
  cr_assert_eq(r->status, 200, "a changed device still answers 304 to the old tag");
  cr_assert_str_neq(th_header(r, "ETag"), before);
  char *text = pdf_text(save("changed.pdf", r->body, r->len));
  cr_assert_not_null(strstr(text, "Lenovo ThinkPad X220"), "old model printed: %s", text);
  free(text);
  th_free(r);
}

/* ---- receipts --------------------------------------------------------- */

Test(labels_api, receipt_pdf_and_png)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  cr_assert_gt(strlen(d.token), 0, "a repair device without tracking token");
  char url[256];
  snprintf(url, sizeof url, "%s/t/%s", th_url(), d.token);
  expect_qr_target(url, NULL);

  const char *paths[] = {"/api/v1/devices/%s/receipt", "/api/v1/devices/%s/receipt?format=pdf",
                         "/api/v1/devices/%s/receipt?format=png",
                         "/api/v1/devices/%s/receipt?template=62-receipt&format=png"};
  for (size_t i = 0; i < 4; i++) {
    char path[160];
    snprintf(path, sizeof path, paths[i], d.code);
    int png = strstr(path, "png") != NULL;
    struct th_resp *r = get(path);
    cr_assert_eq(r->status, 200, "%s: %ld %s", path, r->status, r->body);
    /* The file name is checked on its own below (receipt_file_name_…). */
    expect_headers(r, png ? "image/png" : "application/pdf", "", png ? "png" : "pdf", path);
    char file[32];
    snprintf(file, sizeof file, "receipt-%zu.%s", i, png ? "png" : "pdf");
    const char *f = save(file, r->body, r->len);
    if (png) {
      unsigned w, h;
      png_size(r, &w, &h);
      cr_assert_eq(w, 696, "%s: %u px wide, want 696", path, w);
      cr_assert_gt(h, 271, "%s: %u px high: too short for a receipt", path, h);
      expect_single_qr(f, url, path);
    } else {
      struct pdf_info pi = pdf_info(f);
      cr_assert_eq(pi.pages, 1);
      cr_assert(fabs(pi.w_mm - 62.0) < 0.05, "%s: %.2f mm wide, want 62.0", path, pi.w_mm);
      cr_assert(pi.h_mm > 29.0 && pi.h_mm < 300.0, "%s: %.2f mm long", path, pi.h_mm);
      expect_single_qr(raster(f, 1), url, path);
      char *text = pdf_text(f);
      cr_assert_not_null(strstr(text, d.code), "no code in: %s", text);
      cr_assert_not_null(strstr(text, "Suivez votre réparation"), "no tracking text in: %s", text);
      cr_assert_not_null(strstr(text, HOURS_1), "no opening hours in: %s", text);
      cr_assert_not_null(strstr(text, HOURS_2), "no second line of hours in: %s", text);
      cr_assert_not_null(strstr(text, s.name), "no site in: %s", text);
      char date[16];
      snprintf(date, sizeof date, "%.2s/%.2s/%.4s", d.received_at + 8, d.received_at + 5,
               d.received_at);
      cr_assert_not_null(strstr(text, date), "no date %s in: %s", date, text);
      cr_assert_null(strstr(text, "/d/"), "a receipt shows the device URL");
      free(text);
    }
    expect_etag_304(r, path);
    th_free(r);
  }
}

/* Printed at the desk one after the other, receipts saved by a browser must
 * not all be called receipt-62-receipt.pdf: the name holds the device code,
 * as the label's does. */
Test(labels_api, receipt_file_name_holds_the_code)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  const char *fmts[] = {"pdf", "png"};
  for (int i = 0; i < 2; i++) {
    char path[160];
    snprintf(path, sizeof path, "/api/v1/devices/%s/receipt?format=%s", d.code, fmts[i]);
    struct th_resp *r = get(path);
    cr_assert_eq(r->status, 200, "%s: %ld", path, r->status);
    expect_headers(r, i ? "image/png" : "application/pdf", d.code, fmts[i], path);
    th_free(r);
  }
}

/* Opening hours are free text, and volunteers leave blank lines between
 * days. Each line of text, blank or not, must not cost a slot of the
 * receipt's 8 printed lines, let alone run past them. This runs on a
 * private server so that a crash cannot take the shared one down. */
Test(labels_api, receipt_with_blank_lines_in_opening_hours)
{
  char slug[96];
  snprintf(slug, sizeof slug, "%s", th_unique("lblh"));
  char hours[1000];
  size_t n = (size_t)snprintf(hours, sizeof hours, "%s", HOURS_1);
  for (int i = 0; i < 300; i++)
    n += (size_t)snprintf(hours + n, sizeof hours - n, "\\n");
  snprintf(hours + n, sizeof hours - n, "%s", HOURS_2);
  struct th_resp *r =
      th_reqf("POST", "/api/v1/sites", th_admin_key(),
              "{\"slug\":\"%s\",\"name\":\"Atelier Sud\",\"opening_hours\":\"%s\"}", slug, hours);
  cr_assert_eq(r->status, 201, "site: %ld %s", r->status, r->body);
  th_free(r);
  struct site s;
  snprintf(s.slug, sizeof s.slug, "%s", slug);
  struct device d = make_device(&s, "repair");

  char base[128];
  pid_t pid = th_server_start(base, sizeof base, NULL);
  cr_assert_gt(pid, 0, "cannot start a private server");
  char path[160];
  snprintf(path, sizeof path, "/api/v1/devices/%s/receipt", d.code);
  r = th_request_to(base, "GET", path, th_key("volunteer"), NULL, 0, NULL);
  long status = r->status;
  if (status == 200) {
    char *text = pdf_text(save("hours.pdf", r->body, r->len));
    cr_assert_not_null(strstr(text, HOURS_1), "first line of hours lost: %s", text);
    cr_assert_not_null(strstr(text, HOURS_2), "line after the blank ones lost: %s", text);
    free(text);
  }
  th_free(r);
  r = th_request_to(base, "GET", "/healthz", NULL, NULL, 0, NULL);
  long alive = r->status;
  th_free(r);
  int rc = th_server_stop(pid, SIGTERM);
  cr_assert_eq(status, 200, "receipt with 300 blank lines in the opening hours: %ld%s", status,
               alive == 200 ? "" : " (the server died)");
  cr_assert_eq(alive, 200, "the server died");
  cr_assert_eq(rc, 0, "the server exited with %d", rc);
}

Test(labels_api, receipt_refusals)
{
  struct site s = make_site();
  struct device gift = make_device(&s, "donation");
  struct device rep = make_device(&s, "repair");
  char path[160];

  snprintf(path, sizeof path, "/api/v1/devices/%s/receipt", gift.code);
  struct th_resp *r = get(path);
  cr_assert(th_is_problem(r, 409), "receipt of a donation: %ld %s", r->status, r->body);
  th_free(r);

  snprintf(path, sizeof path, "/api/v1/devices/%s/receipt?format=svg", rep.code);
  r = get(path);
  expect_field(r, 400, "format");
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/devices/%s/receipt?format=zpl", rep.code);
  r = get(path);
  expect_field(r, 400, "format");
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/devices/%s/receipt?template=62x29", rep.code);
  r = get(path);
  expect_field(r, 400, "template");
  th_free(r);
}

/* ---- refusals of the single label ------------------------------------- */

Test(labels_api, bad_template_or_format_is_400_naming_the_field)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  static const struct {
    const char *query, *field;
  } bad[] = {
      {"template=a4", "template"},
      {"template=62X29", "template"},
      {"template=", "template"},
      {"template=62-receipt%27%3B--", "template"},
      {"format=jpeg", "format"},
      {"format=", "format"},
      {"template=l7160&format=png", "format"},
      {"template=l7160&format=zpl", "format"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char path[200];
    snprintf(path, sizeof path, "/api/v1/devices/%s/label?%s", d.code, bad[i].query);
    struct th_resp *r = get(path);
    cr_assert(th_is_problem(r, 400), "%s: %ld %s", bad[i].query, r->status, r->body);
    expect_field(r, 400, bad[i].field);
    th_free(r);
  }
}

Test(labels_api, keys_and_roles)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  const char *fmt[] = {"/api/v1/devices/%s/label", "/api/v1/devices/%s/receipt"};
  for (int i = 0; i < 2; i++) {
    char path[160];
    snprintf(path, sizeof path, fmt[i], d.code);
    struct th_resp *r = th_req("GET", path, NULL, NULL, NULL);
    cr_assert(th_is_problem(r, 401), "%s without key: %ld", path, r->status);
    th_free(r);
    r = th_req("GET", path, th_key("reader"), NULL, NULL);
    cr_assert(th_is_problem(r, 403), "%s as reader: %ld", path, r->status);
    th_free(r);
    r = th_req("GET", path, th_admin_key(), NULL, NULL);
    cr_assert_eq(r->status, 200, "%s as admin: %ld", path, r->status);
    th_free(r);
  }
  char body[128];
  snprintf(body, sizeof body, "{\"codes\":[\"%s\"]}", d.code);
  struct th_resp *r = th_req("POST", "/api/v1/labels", NULL, body, NULL);
  cr_assert(th_is_problem(r, 401), "batch without key: %ld", r->status);
  th_free(r);
  r = th_req("POST", "/api/v1/labels", th_key("reader"), body, NULL);
  cr_assert(th_is_problem(r, 403), "batch as reader: %ld", r->status);
  th_free(r);
}

Test(labels_api, malformed_and_unknown_codes)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  char code[32], path[160];
  const char *malformed[] = {"RL-4K7Q", "RL-4K7Q-9M2U", "RL-4K7Q-9M2X-4K7Q", "12-4K7Q-9M2X",
                             "%27%3BDROP%20TABLE%20devices"};
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    snprintf(path, sizeof path, "/api/v1/devices/%s/label", malformed[i]);
    struct th_resp *r = get(path);
    expect_field(r, 400, "code");
    th_free(r);
    snprintf(path, sizeof path, "/api/v1/devices/%s/receipt", malformed[i]);
    r = get(path);
    cr_assert(th_is_problem(r, 400), "receipt %s: %ld %s", malformed[i], r->status, r->body);
    th_free(r);
  }
  mistype(code, d.code);
  snprintf(path, sizeof path, "/api/v1/devices/%s/label", code);
  struct th_resp *r = get(path);
  expect_field(r, 400, "code");
  cr_assert_not_null(strstr(r->body, "mistyped"), "mistyped %s: %s", code, r->body);
  th_free(r);

  unknown_code(code);
  snprintf(path, sizeof path, "/api/v1/devices/%s/label", code);
  r = get(path);
  cr_assert(th_is_problem(r, 404), "unknown %s: %ld %s", code, r->status, r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/devices/%s/receipt", code);
  r = get(path);
  cr_assert(th_is_problem(r, 404), "receipt of unknown %s: %ld %s", code, r->status, r->body);
  th_free(r);

  /* The service is still there. */
  snprintf(path, sizeof path, "/api/v1/devices/%s/label?format=zpl", d.code);
  r = get(path);
  cr_assert_eq(r->status, 200);
  th_free(r);
}

/* ---- batches ---------------------------------------------------------- */

#define SHEET 21

static char *codes_json(char (*codes)[32], size_t n)
{
  size_t cap = n * 40 + 16, len = 0;
  char *s = malloc(cap);
  s[len++] = '[';
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(s + len, cap - len, "%s\"%s\"", i ? "," : "", codes[i]);
  s[len++] = ']';
  s[len] = '\0';
  return s;
}

static struct th_resp *batch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static struct th_resp *batch(const char *fmt, ...)
{
  char *body = NULL;
  va_list ap;
  va_start(ap, fmt);
  cr_assert_geq(vasprintf(&body, fmt, ap), 0);
  va_end(ap);
  struct th_resp *r = th_req("POST", "/api/v1/labels", th_key("volunteer"), body, NULL);
  free(body);
  return r;
}

/* Page `page` of an L7160 PDF, cell by cell: positions [first, first + n)
 * hold the QRs of codes[0..n) in order, every other position no QR at all.
 * The page is rasterised once at 300 dpi (PGM: simple to cut in pieces) and
 * each label cell, with a small margin for calibration offsets, is decoded
 * on its own, which also proves that skip and order put each label in its
 * box. (zbarimg on the whole anti-aliased A4 page sometimes misses one of
 * 21 symbols that it reads without fail on its own.) */
static void expect_sheet_page(const char *pdf, int page, int first, char (*codes)[32], int n)
{
  char base[300];
  snprintf(base, sizeof base, "%s-g%d", pdf, page);
  int rc;
  free(run(&rc, "pdftoppm -r 300 -gray -f %d -l %d -singlefile '%s' '%s' 2>&1", page, page, pdf,
           base));
  cr_assert_eq(rc, 0, "pdftoppm -gray failed on page %d", page);
  char file[320];
  snprintf(file, sizeof file, "%s.pgm", base);
  FILE *f = fopen(file, "rb");
  cr_assert_not_null(f);
  int w, h, maxv;
  cr_assert_eq(fscanf(f, "P5 %d %d %d", &w, &h, &maxv), 3, "not a PGM");
  fgetc(f);
  cr_assert(maxv == 255 && w > 2400 && w < 2560 && h > 3450 && h < 3560, "page raster %d x %d", w,
            h);
  unsigned char *px = malloc((size_t)w * (size_t)h);
  cr_assert_eq(fread(px, 1, (size_t)w * (size_t)h, f), (size_t)w * (size_t)h);
  fclose(f);
  remove(file);

  const double dot = 300.0 / 25.4;
  int found = 0;
  for (int pos = 0; pos < SHEET; pos++) {
    int col = pos % 3, row = pos / 3;
    int x0 = (int)((7.21 + col * 66.04 - 1.0) * dot), y0 = (int)((15.15 + row * 38.1 - 1.5) * dot);
    int cw = (int)(65.5 * dot), ch = (int)(41.1 * dot);
    if (x0 + cw > w)
      cw = w - x0;
    if (y0 + ch > h)
      ch = h - y0;
    char cell[340];
    snprintf(cell, sizeof cell, "%s-%d.pgm", base, pos);
    FILE *o = fopen(cell, "wb");
    cr_assert_not_null(o);
    fprintf(o, "P5\n%d %d\n255\n", cw, ch);
    for (int y = y0; y < y0 + ch; y++)
      fwrite(px + (size_t)y * (size_t)w + (size_t)x0, 1, (size_t)cw, o);
    fclose(o);
    char *out = qr_decode(cell);
    remove(cell);
    char *v[4];
    size_t m = lines_of(out, v, 4);
    if (pos >= first && pos < first + n) {
      char want[256];
      device_url(want, sizeof want, codes[pos - first]);
      cr_assert_eq(m, 1, "page %d position %d: %zu QR codes, want %s", page, pos, m, want);
      cr_assert_str_eq(v[0], want, "page %d position %d: %s, want %s", page, pos, v[0], want);
      found++;
    } else {
      cr_assert_eq(m, 0, "page %d position %d should be empty, holds %s", page, pos, v[0]);
    }
    free(out);
  }
  cr_assert_eq(found, n);
  free(px);
}

Test(labels_api, sheet_of_21_skip_and_svg, .timeout = 180)
{
  struct site s = make_site();
  char codes[SHEET + 1][32];
  for (int i = 0; i < SHEET + 1; i++)
    snprintf(codes[i], 32, "%s", make_device(&s, "repair").code);
  char *list = codes_json(codes, SHEET);

  /* 21 labels fill one A4 sheet; every QR reads. */
  struct th_resp *r = batch("{\"codes\":%s,\"template\":\"l7160\",\"format\":\"pdf\"}", list);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  expect_headers(r, "application/pdf", "labels", "pdf", "batch");
  cr_assert_not_null(th_header(r, "ETag"), "batch without ETag");
  const char *f = save("sheet.pdf", r->body, r->len);
  struct pdf_info pi = pdf_info(f);
  cr_assert_eq(pi.pages, 1, "21 labels on %d pages", pi.pages);
  cr_assert(fabs(pi.w_mm - 210.0) < 0.05 && fabs(pi.h_mm - 297.0) < 0.05, "%.2f x %.2f mm", pi.w_mm,
            pi.h_mm);
  expect_sheet_page(f, 1, 0, codes, SHEET);
  char *text = pdf_text(f);
  for (int i = 0; i < SHEET; i++)
    cr_assert_not_null(strstr(text, codes[i]), "code %s not printed", codes[i]);
  free(text);
  th_free(r);

  /* Defaults: l7160 and pdf. */
  r = batch("{\"codes\":%s}", list);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  struct pdf_info pd = pdf_info(save("default.pdf", r->body, r->len));
  cr_assert(pd.pages == 1 && fabs(pd.w_mm - 210.0) < 0.05 && fabs(pd.h_mm - 297.0) < 0.05,
            "defaults are not one A4 l7160 sheet");
  th_free(r);

  /* skip 5: 16 on the first sheet, 5 on a second. */
  r = batch("{\"codes\":%s,\"template\":\"l7160\",\"skip\":5,"
            "\"offset_mm\":{\"x\":0.5,\"y\":-1}}",
            list);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  f = save("skip5.pdf", r->body, r->len);
  pi = pdf_info(f);
  cr_assert_eq(pi.pages, 2, "skip 5 + 21 labels on %d pages", pi.pages);
  expect_all_pages(f, 2, 210.0, 297.0);
  expect_sheet_page(f, 1, 5, codes, 16);
  expect_sheet_page(f, 2, 0, codes + 16, 5);
  th_free(r);

  /* skip 20 leaves one position: fine; 21 leaves none. */
  r = batch("{\"codes\":[\"%s\"],\"skip\":20}", codes[0]);
  cr_assert_eq(r->status, 200, "skip 20: %ld %s", r->status, r->body);
  f = save("skip20.pdf", r->body, r->len);
  cr_assert_eq(pdf_info(f).pages, 1);
  expect_sheet_page(f, 1, 20, codes, 1);
  th_free(r);
  r = batch("{\"codes\":%s,\"skip\":21}", list);
  expect_field(r, 400, "skip");
  th_free(r);
  r = batch("{\"codes\":%s,\"skip\":-1}", list);
  expect_field(r, 400, "skip");
  th_free(r);
  /* skip on roll stock has no meaning. */
  r = batch("{\"codes\":%s,\"template\":\"62x29\",\"skip\":1}", list);
  expect_field(r, 400, "skip");
  th_free(r);

  /* SVG: one sheet holds 21; a 22nd label does not fit. */
  r = batch("{\"codes\":%s,\"template\":\"l7160\",\"format\":\"svg\"}", list);
  cr_assert_eq(r->status, 200, "svg sheet: %ld %s", r->status, r->body);
  expect_headers(r, "image/svg+xml", "labels", "svg", "svg batch");
  expect_xml(save("sheet.svg", r->body, r->len));
  th_free(r);
  free(list);
  list = codes_json(codes, SHEET + 1);
  r = batch("{\"codes\":%s,\"template\":\"l7160\",\"format\":\"svg\"}", list);
  cr_assert(th_is_problem(r, 400), "22 labels in one SVG sheet: %ld %s", r->status, r->body);
  th_free(r);
  free(list);
}

Test(labels_api, batch_on_roll_stock_pdf_and_zpl)
{
  struct site s = make_site();
  char codes[3][32];
  char urls[3][256];
  const char *u[3];
  for (int i = 0; i < 3; i++) {
    snprintf(codes[i], 32, "%s", make_device(&s, "repair").code);
    device_url(urls[i], sizeof urls[i], codes[i]);
    u[i] = urls[i];
  }
  char *list = codes_json(codes, 3);

  struct th_resp *r = batch("{\"codes\":%s,\"template\":\"62x29\",\"format\":\"zpl\"}", list);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  expect_headers(r, "text/plain", "labels", "zpl", "zpl batch");
  expect_zpl(r, 3, u);
  th_free(r);

  r = batch("{\"codes\":%s,\"template\":\"29x90\",\"format\":\"pdf\"}", list);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  const char *f = save("roll.pdf", r->body, r->len);
  cr_assert_eq(pdf_info(f).pages, 3, "3 roll labels, not 3 pages");
  expect_all_pages(f, 3, 90.0, 29.0);
  for (int p = 1; p <= 3; p++)
    expect_single_qr(raster(f, p), urls[p - 1], "roll batch page");
  th_free(r);

  /* ZPL and PNG are not for sheets; PNG is not a batch format at all. */
  r = batch("{\"codes\":%s,\"format\":\"zpl\"}", list);
  expect_field(r, 400, "format");
  th_free(r);
  r = batch("{\"codes\":%s,\"template\":\"62x29\",\"format\":\"png\"}", list);
  expect_field(r, 400, "format");
  th_free(r);
  r = batch("{\"codes\":%s,\"template\":\"a4\"}", list);
  expect_field(r, 400, "template");
  th_free(r);
  free(list);
}

Test(labels_api, batch_refusals)
{
  struct site s = make_site();
  char codes[4][32];
  for (int i = 0; i < 3; i++)
    snprintf(codes[i], 32, "%s", make_device(&s, "repair").code);

  /* One unknown code among known ones: 422 listing exactly it. */
  char unknown[32];
  unknown_code(unknown);
  snprintf(codes[3], 32, "%s", codes[2]);
  snprintf(codes[2], 32, "%s", unknown);
  char *list = codes_json(codes, 4);
  struct th_resp *r = batch("{\"codes\":%s}", list);
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  json_t *uc = json_object_get(r->json, "unknown_codes");
  cr_assert_eq(json_array_size(uc), 1, "unknown_codes: %s", r->body);
  cr_assert_str_eq(json_string_value(json_array_get(uc, 0)), unknown);
  th_free(r);
  free(list);

  /* A mistyped code: 400 naming codes[1]. */
  char typo[32];
  mistype(typo, codes[1]);
  r = batch("{\"codes\":[\"%s\",\"%s\",\"%s\"]}", codes[0], typo, codes[3]);
  expect_field(r, 400, "codes[1]");
  th_free(r);
  r = batch("{\"codes\":[\"%s\",\"not a code\"]}", codes[0]);
  expect_field(r, 400, "codes[1]");
  th_free(r);

  /* Calibration offsets stay within ±10 mm. */
  r = batch("{\"codes\":[\"%s\"],\"offset_mm\":{\"x\":11}}", codes[0]);
  expect_field(r, 400, "offset_mm.x");
  th_free(r);
  r = batch("{\"codes\":[\"%s\"],\"offset_mm\":{\"x\":0,\"y\":-10.5}}", codes[0]);
  expect_field(r, 400, "offset_mm.y");
  th_free(r);
  r = batch("{\"codes\":[\"%s\"],\"offset_mm\":{\"x\":\"1\"}}", codes[0]);
  expect_field(r, 400, "offset_mm.x");
  th_free(r);
  r = batch("{\"codes\":[\"%s\"],\"offset_mm\":{\"x\":10,\"y\":-10}}", codes[0]);
  cr_assert_eq(r->status, 200, "offsets at the limit: %ld %s", r->status, r->body);
  th_free(r);

  /* Shapes of the body. */
  r = batch("{\"codes\":[]}");
  expect_field(r, 400, "codes");
  th_free(r);
  r = batch("{}");
  expect_field(r, 400, "codes");
  th_free(r);
  r = batch("{\"codes\":\"%s\"}", codes[0]);
  expect_field(r, 400, "codes");
  th_free(r);
  r = batch("{\"codes\":[\"%s\"],\"colour\":\"red\"}", codes[0]);
  expect_field(r, 400, "colour");
  th_free(r);
  r = batch("{\"codes\":[\"%s\"", codes[0]);
  cr_assert(th_is_problem(r, 400), "truncated JSON: %ld", r->status);
  th_free(r);

  /* 1,001 codes: too many, whatever they are. */
  size_t cap = 1001 * 20 + 32, len = 0;
  char *big = malloc(cap);
  len += (size_t)snprintf(big + len, cap - len, "{\"codes\":[");
  for (int i = 0; i < 1001; i++)
    len += (size_t)snprintf(big + len, cap - len, "%s\"%s\"", i ? "," : "", codes[0]);
  snprintf(big + len, cap - len, "]}");
  r = th_req("POST", "/api/v1/labels", th_key("volunteer"), big, NULL);
  expect_field(r, 400, "codes");
  th_free(r);
  free(big);
}

Test(labels_api, batch_of_1000_labels_is_48_pages, .timeout = 300)
{
  struct site s = make_site();
  enum { N = 1000, DISTINCT = 100 };
  char(*codes)[32] = calloc(N, sizeof *codes);
  for (int i = 0; i < DISTINCT; i++)
    snprintf(codes[i], 32, "%s", make_device(&s, "repair").code);
  /* Labels for 100 devices, ten copies each, in an order that ends on
   * known codes: the last page holds labels 988..1000. */
  for (int i = DISTINCT; i < N; i++)
    memcpy(codes[i], codes[(i * 37) % DISTINCT], 32);
  char *list = codes_json(codes, N);
  /* How fast is make bench's business (labels per second), not a test's. */
  struct th_resp *r = batch("{\"codes\":%s,\"template\":\"l7160\",\"format\":\"pdf\"}", list);
  cr_assert_eq(r->status, 200, "%ld %.300s", r->status, r->body);
  const char *f = save("thousand.pdf", r->body, r->len);
  cr_assert_eq(pdf_info(f).pages, 48);
  expect_all_pages(f, 48, 210.0, 297.0);
  /* The last sheet: 1000 − 47 × 21 = 13 labels, those of the last codes. */
  expect_sheet_page(f, 48, 0, codes + 47 * SHEET, N - 47 * SHEET);
  th_free(r);
  free(list);
  free(codes);
}

/* ---- parts bins --------------------------------------------------------- */

struct part {
  char sku[64];
};

/* A part made by an admin; its sku in upper case, as it is stored. */
static struct part make_part(const char *name)
{
  struct part p;
  snprintf(p.sku, sizeof p.sku, "%s", th_unique("BIN-"));
  for (char *c = p.sku; *c; c++)
    *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
  struct th_resp *r = th_reqf("POST", "/api/v1/parts", th_admin_key(),
                              "{\"sku\":\"%s\",\"name\":\"%s\","
                              "\"categories\":[\"laptop-medium\",\"tablet\",\"mobile\","
                              "\"kettle\"]}",
                              p.sku, name);
  cr_assert_eq(r->status, 201, "part: %ld %s", r->status, r->body);
  th_free(r);
  return p;
}

static void part_url(char *out, size_t cap, const char *sku)
{
  snprintf(out, cap, "%s/p/%s", th_url(), sku);
}

Test(labels_api, every_template_and_format_of_a_part_label)
{
  struct part p = make_part("Chargeur 19 V");
  char url[256];
  part_url(url, sizeof url, p.sku);
  expect_qr_target(url, "Chargeur 19 V");

  for (size_t i = 0; i < sizeof label_cases / sizeof label_cases[0]; i++) {
    const struct expect *c = &label_cases[i];
    char path[256], what[64];
    int n = snprintf(path, sizeof path, "/api/v1/parts/%s/label", p.sku);
    if (c->tpl)
      n += snprintf(path + n, sizeof path - (size_t)n, "%ctemplate=%s", '?', c->tpl);
    if (c->fmt)
      snprintf(path + n, sizeof path - (size_t)n, "%cformat=%s", c->tpl ? '&' : '?', c->fmt);
    snprintf(what, sizeof what, "part label %s/%s", c->tpl ? c->tpl : "(default)",
             c->fmt ? c->fmt : "(default)");

    struct th_resp *r = get(path);
    cr_assert_eq(r->status, 200, "%s: %ld %s", what, r->status, r->body);
    expect_headers(r, c->mime, p.sku, c->ext, what);
    char disp[160];
    snprintf(disp, sizeof disp, "inline; filename=\"%s-%s.%s\"", p.sku, c->tpl ? c->tpl : "62x29",
             c->ext);
    cr_assert_str_eq(th_header(r, "Content-Disposition"), disp, "%s", what);
    char file[64];
    snprintf(file, sizeof file, "part-%zu.%s", i, c->ext);
    const char *f = save(file, r->body, r->len);

    if (strcmp(c->ext, "pdf") == 0) {
      struct pdf_info pi = pdf_info(f);
      cr_assert_eq(pi.pages, 1, "%s: %d pages", what, pi.pages);
      cr_assert(fabs(pi.w_mm - c->w_mm) < 0.05 && fabs(pi.h_mm - c->h_mm) < 0.05,
                "%s: page %.2f x %.2f mm, want %.1f x %.1f", what, pi.w_mm, pi.h_mm, c->w_mm,
                c->h_mm);
      expect_single_qr(raster(f, 1), url, what);
      char *text = pdf_text(f);
      cr_assert_not_null(strstr(text, p.sku), "%s: no sku in: %s", what, text);
      cr_assert_not_null(strstr(text, "Chargeur 19 V"), "%s: no name in: %s", what, text);
      /* Two categories a line each, the others together on the last. */
      cr_assert(strstr(text, "Ordinateur portable (moyen)") && strstr(text, "Tablette") &&
                    strstr(text, "Téléphone mobile, Bouilloire"),
                "%s: not every French category in: %s", what, text);
      free(text);
    } else if (strcmp(c->ext, "png") == 0) {
      unsigned w, h;
      png_size(r, &w, &h);
      cr_assert(w == c->png_w && h == c->png_h, "%s: %u x %u px, want %u x %u", what, w, h,
                c->png_w, c->png_h);
      expect_single_qr(f, url, what);
    } else if (strcmp(c->ext, "svg") == 0) {
      expect_xml(f);
      cr_assert_not_null(strstr(r->body, "<svg"), "%s: no <svg> element", what);
    } else {
      const char *urls[] = {url};
      expect_zpl(r, 1, urls);
      cr_assert_not_null(strstr(r->body, p.sku), "%s: ZPL without the sku", what);
      cr_assert_not_null(strstr(r->body, "Chargeur 19 V"), "%s: ZPL without the name", what);
    }
    expect_etag_304(r, path);
    th_free(r);
  }
}

Test(labels_api, part_label_by_any_case_refusals_and_roles)
{
  struct part p = make_part("Nappe clavier");
  char url[256], path[160], low[64];
  part_url(url, sizeof url, p.sku);
  size_t k = 0;
  for (; p.sku[k]; k++)
    low[k] = (char)(p.sku[k] >= 'A' && p.sku[k] <= 'Z' ? p.sku[k] - 'A' + 'a' : p.sku[k]);
  low[k] = '\0';
  /* Typed in lower case: the same label, the sku as stored in the QR. */
  snprintf(path, sizeof path, "/api/v1/parts/%s/label?format=png", low);
  struct th_resp *r = get(path);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  expect_single_qr(save("part-typed.png", r->body, r->len), url, "part label by a typed sku");
  char before[128];
  snprintf(before, sizeof before, "%s", th_header(r, "ETag"));
  th_free(r);

  /* A renamed part prints its new name under a new ETag. */
  char part[128];
  snprintf(part, sizeof part, "/api/v1/parts/%s", p.sku);
  r = th_req("PATCH", part, th_admin_key(), "{\"name\":\"Nappe clavier T440\"}", NULL);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/parts/%s/label", p.sku);
  char inm[160];
  snprintf(inm, sizeof inm, "If-None-Match: %s", before);
  const char *h[] = {inm, NULL};
  r = th_req("GET", path, th_key("volunteer"), NULL, h);
  cr_assert_eq(r->status, 200, "a renamed part still answers 304: %ld", r->status);
  char *text = pdf_text(save("part-renamed.pdf", r->body, r->len));
  cr_assert_not_null(strstr(text, "Nappe clavier T440"), "old name printed: %s", text);
  free(text);
  th_free(r);

  const char *malformed[] = {"-x", "a%20b", "%27%3BDROP%20TABLE%20parts",
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
  for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
    snprintf(path, sizeof path, "/api/v1/parts/%s/label", malformed[i]);
    r = get(path);
    expect_field(r, 400, "sku");
    th_free(r);
  }
  r = get("/api/v1/parts/NO-SUCH-BIN-ANYWHERE/label");
  cr_assert(th_is_problem(r, 404), "%ld %s", r->status, r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/parts/%s/label?template=a4", p.sku);
  r = get(path);
  expect_field(r, 400, "template");
  th_free(r);

  snprintf(path, sizeof path, "/api/v1/parts/%s/label", p.sku);
  r = th_req("GET", path, NULL, NULL, NULL);
  cr_assert(th_is_problem(r, 401), "without key: %ld", r->status);
  th_free(r);
  r = th_req("GET", path, th_key("reader"), NULL, NULL);
  cr_assert(th_is_problem(r, 403), "as reader: %ld", r->status);
  th_free(r);
}

Test(labels_api, batch_with_skus_alone_or_with_codes)
{
  struct site s = make_site();
  struct device d = make_device(&s, "repair");
  struct part a = make_part("Thermostat"), b = make_part("Résistance");
  char ua[256], ub[256], ud[256];
  part_url(ua, sizeof ua, a.sku);
  part_url(ub, sizeof ub, b.sku);
  device_url(ud, sizeof ud, d.code);

  /* skus alone, on roll stock: one page each, in the order given. */
  struct th_resp *r = batch("{\"skus\":[\"%s\",\"%s\"],\"template\":\"62x29\"}", b.sku, a.sku);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  expect_headers(r, "application/pdf", "labels", "pdf", "skus batch");
  const char *f = save("skus.pdf", r->body, r->len);
  cr_assert_eq(pdf_info(f).pages, 2);
  expect_single_qr(raster(f, 1), ub, "skus batch page 1");
  expect_single_qr(raster(f, 2), ua, "skus batch page 2");
  th_free(r);

  /* With codes: devices first, then parts; skus in any case. */
  char low[64];
  size_t k = 0;
  for (; a.sku[k]; k++)
    low[k] = (char)(a.sku[k] >= 'A' && a.sku[k] <= 'Z' ? a.sku[k] - 'A' + 'a' : a.sku[k]);
  low[k] = '\0';
  r = batch("{\"skus\":[\"%s\",\"%s\"],\"codes\":[\"%s\"],\"template\":\"29x90\"}", low, b.sku,
            d.code);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  f = save("mixed.pdf", r->body, r->len);
  cr_assert_eq(pdf_info(f).pages, 3);
  expect_single_qr(raster(f, 1), ud, "mixed batch page 1");
  expect_single_qr(raster(f, 2), ua, "mixed batch page 2");
  expect_single_qr(raster(f, 3), ub, "mixed batch page 3");
  th_free(r);
  r = batch("{\"codes\":[\"%s\"],\"skus\":[\"%s\"],\"template\":\"62x29\",\"format\":\"zpl\"}",
            d.code, a.sku);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  const char *urls[] = {ud, ua};
  expect_zpl(r, 2, urls);
  th_free(r);
  /* On a sheet by default. */
  r = batch("{\"skus\":[\"%s\",\"%s\"]}", a.sku, b.sku);
  cr_assert_eq(r->status, 200, "%ld %s", r->status, r->body);
  f = save("skus-sheet.pdf", r->body, r->len);
  struct pdf_info pi = pdf_info(f);
  cr_assert(pi.pages == 1 && fabs(pi.w_mm - 210.0) < 0.05, "not one A4 sheet");
  char *text = pdf_text(f);
  cr_assert(strstr(text, a.sku) && strstr(text, b.sku) && strstr(text, "Résistance"), "%s", text);
  free(text);
  th_free(r);

  /* Unknown skus: 422 listing them as sent, with unknown codes if any. */
  char unknown[32];
  unknown_code(unknown);
  r = batch("{\"skus\":[\"%s\",\"nowhere-%s\"]}", a.sku, a.sku);
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  json_t *us = json_object_get(r->json, "unknown_skus");
  cr_assert_eq(json_array_size(us), 1, "%s", r->body);
  char want[96];
  snprintf(want, sizeof want, "nowhere-%s", a.sku);
  cr_assert_str_eq(json_string_value(json_array_get(us, 0)), want);
  cr_assert_null(json_object_get(r->json, "unknown_codes"), "%s", r->body);
  th_free(r);
  r = batch("{\"codes\":[\"%s\"],\"skus\":[\"nowhere-%s\"]}", unknown, a.sku);
  cr_assert(th_is_problem(r, 422), "%ld %s", r->status, r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "unknown_skus")), 1, "%s", r->body);
  cr_assert_eq(json_array_size(json_object_get(r->json, "unknown_codes")), 1, "%s", r->body);
  th_free(r);

  /* Malformed skus: 400 naming them. */
  r = batch("{\"skus\":[\"%s\",\"-x\"]}", a.sku);
  expect_field(r, 400, "skus[1]");
  th_free(r);
  r = batch("{\"skus\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}");
  expect_field(r, 400, "skus[0]");
  th_free(r);
  r = batch("{\"skus\":[]}");
  expect_field(r, 400, "skus");
  th_free(r);
  r = batch("{\"skus\":\"%s\"}", a.sku);
  expect_field(r, 400, "skus");
  th_free(r);

  /* 1,000 labels at most, codes and skus together. */
  size_t cap = 1000 * 20 + 128, len = 0;
  char *big = malloc(cap);
  len += (size_t)snprintf(big + len, cap - len, "{\"skus\":[\"%s\"],\"codes\":[", a.sku);
  for (int i = 0; i < 1000; i++)
    len += (size_t)snprintf(big + len, cap - len, "%s\"%s\"", i ? "," : "", d.code);
  snprintf(big + len, cap - len, "]}");
  r = th_req("POST", "/api/v1/labels", th_key("volunteer"), big, NULL);
  expect_field(r, 400, "skus");
  th_free(r);
  free(big);
}
