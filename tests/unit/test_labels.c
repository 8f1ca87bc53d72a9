/*
 * tests/unit/test_labels.c — the labels module, checked the way a user would:
 * every QR decoded with zbarimg (PNG output, and PDF rasterised by pdftoppm
 * at 300 dpi), page sizes and counts read back with pdfinfo, text with
 * pdftotext, SVG parsed by xmllint, ZPL structure, and bad input refused.
 * Needs poppler-utils, zbar-tools and libxml2-utils on PATH; temporary files
 * live in a mkdtemp directory removed after each test.
 */
#include <criterion/criterion.h>

#include <cairo.h>
#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "labels/label.h"
#include "labels/label_internal.h"

#define MM_PER_PT (25.4 / 72.0)
#define DOT300_MM (25.4 / 300.0)

static char tmp[64];

static void setup(void)
{
  strcpy(tmp, "/tmp/test_labels.XXXXXX");
  cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
  /* Drop cairo's and fontconfig's process-wide caches so that valgrind's leak
   * check sees only what the test itself left behind. FcFini is looked up
   * rather than linked: the labels module needs no direct fontconfig link. */
  cairo_debug_reset_static_data();
  void *sym = dlsym(RTLD_DEFAULT, "FcFini");
  if (sym) {
    void (*fc_fini)(void);
    memcpy(&fc_fini, &sym, sizeof fc_fini);
    fc_fini();
  }

  DIR *d = opendir(tmp);
  if (!d)
    return;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(path, sizeof path, "%s/%s", tmp, e->d_name);
      unlink(path);
    }
  }
  closedir(d);
  rmdir(tmp);
}

TestSuite(labels, .init = setup, .fini = teardown, .timeout = 120);

/* ---------- helpers ---------- */

struct device {
  char code[32], qr[96];
  struct label_item item;
};

static void device_init(struct device *d, unsigned i)
{
  snprintf(d->code, sizeof d->code, "RL-%04u-9M2X", i);
  snprintf(d->qr, sizeof d->qr, "https://example.org/d/%s", d->code);
  d->item = (struct label_item){
      .title = d->code,
      .lines = {"Ordinateur portable", "Lenovo ThinkPad T440", "Entrée le 14/03/2025",
                "Tiers-lieu de Fontenay-sous-Bois"},
      .n_lines = 4,
      .qr = d->qr,
  };
}

static const struct label_item receipt = {
    .title = "RL-4K7Q-9M2X",
    .lines = {"Déposé le 14 mars 2025", "Tiers-lieu de Fontenay-sous-Bois",
              "Horaires :\nmercredi 14 h – 18 h\nsamedi 10 h – 13 h"},
    .n_lines = 3,
    .caption = "Suivez votre réparation : scannez ce code",
    .qr = "https://example.org/t/q3Zt8mWc1KpXv7LbN2dRfA",
};

static int render(unsigned char **out, size_t *len, const char *tpl, const char *fmt,
                  const struct label_item *items, size_t n, const struct label_options *opt)
{
  enum label_format f;
  cr_assert_eq(label_format_parse(fmt, &f), 0);
  return label_render(out, len, label_template_find(tpl), f, items, n, opt);
}

/* Renders (must succeed) and writes tmp/name; returns the bytes (caller frees). */
static unsigned char *render_file(const char *name, size_t *len, const char *tpl, const char *fmt,
                                  const struct label_item *items, size_t n,
                                  const struct label_options *opt)
{
  unsigned char *out = NULL;
  int rc = render(&out, len, tpl, fmt, items, n, opt);
  cr_assert_eq(rc, 0, "render %s/%s: %s", tpl, fmt, label_strerror(rc));
  cr_assert_not_null(out);
  cr_assert_gt(*len, 0);
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  FILE *fp = fopen(path, "wb");
  cr_assert_not_null(fp);
  cr_assert_eq(fwrite(out, 1, *len, fp), *len);
  cr_assert_eq(fclose(fp), 0);
  return out;
}

/* Runs a shell command (stderr discarded); returns its stdout (caller frees). */
static char *run(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *run(int *status, const char *fmt, ...)
{
  char cmd[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd - 16, fmt, ap);
  va_end(ap);
  strcat(cmd, " 2>/dev/null");

  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p, "popen %s", cmd);
  size_t len = 0, cap = 4096;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
    len += got;
    if (cap - len < 2) {
      cap *= 2;
      buf = realloc(buf, cap);
    }
  }
  buf[len] = '\0';
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return buf;
}

/* Runs `<cmd> tmp/<file> <tail>`, which must succeed; returns stdout (caller frees). */
static char *run_ok(const char *cmd, const char *file, const char *tail)
{
  int st;
  char *out = run(&st, "%s %s/%s %s", cmd, tmp, file, tail);
  cr_assert_eq(st, 0, "command failed: %s %s", cmd, file);
  return out;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* zbarimg on tmp/name: number of symbols, sorted into sym[] (caller frees each). */
static size_t decode(const char *name, char **sym, size_t max)
{
  int st;
  char *out = run(&st, "zbarimg --raw -q %s/%s", tmp, name);
  size_t n = 0;
  for (char *save, *line = strtok_r(out, "\n", &save); line && n < max;
       line = strtok_r(NULL, "\n", &save))
    sym[n++] = strdup(line);
  free(out);
  qsort(sym, n, sizeof *sym, cmp_str);
  return n;
}

static void assert_decodes_to(const char *name, const char *expected)
{
  char *sym[4];
  size_t n = decode(name, sym, 4);
  cr_assert_eq(n, 1, "%s: %zu symbols decoded", name, n);
  cr_assert_str_eq(sym[0], expected, "%s", name);
  free(sym[0]);
}

/* pdftoppm -r 300: one PNG per page, tmp/<prefix>-<page>.png. */
static void rasterise(const char *pdf, const char *prefix)
{
  int st;
  free(run(&st, "pdftoppm -r 300 -png %s/%s %s/%s", tmp, pdf, tmp, prefix));
  cr_assert_eq(st, 0, "pdftoppm %s", pdf);
}

/* Name pdftoppm gave to page `page` of n (it pads to the digits of n). */
static void page_png(char *buf, size_t cap, const char *prefix, int page, int n)
{
  int digits = n >= 100 ? 3 : n >= 10 ? 2 : 1;
  snprintf(buf, cap, "%s-%0*d.png", prefix, digits, page);
}

static int pdf_pages(const char *pdf)
{
  int st, pages = -1;
  char *out = run(&st, "pdfinfo %s/%s", tmp, pdf);
  cr_assert_eq(st, 0, "pdfinfo %s", pdf);
  char *p = strstr(out, "Pages:");
  cr_assert_not_null(p);
  sscanf(p, "Pages: %d", &pages);
  free(out);
  return pages;
}

static void pdf_page_mm(const char *pdf, int page, double *w, double *h)
{
  int st;
  char *out = run(&st, "pdfinfo -f %d -l %d %s/%s", page, page, tmp, pdf);
  cr_assert_eq(st, 0);
  char *p = strstr(out, "size:");
  cr_assert_not_null(p, "no page size in pdfinfo output");
  cr_assert_eq(sscanf(p, "size: %lf x %lf", w, h), 2);
  *w *= MM_PER_PT;
  *h *= MM_PER_PT;
  free(out);
}

static void assert_page_mm(const char *pdf, int page, double w, double h)
{
  double pw, ph;
  pdf_page_mm(pdf, page, &pw, &ph);
  cr_assert(fabs(pw - w) < 0.05 && fabs(ph - h) < 0.05,
            "%s page %d: %.2f x %.2f mm, expected %.2f x %.2f", pdf, page, pw, ph, w, h);
}

static unsigned be32(const unsigned char *p)
{
  return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* PNG signature and IHDR: width, height; asserts 8-bit greyscale. */
static void png_size(const unsigned char *png, size_t len, unsigned *w, unsigned *h)
{
  cr_assert_gt(len, 33);
  cr_assert_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
  cr_assert_eq(memcmp(png + 12, "IHDR", 4), 0);
  *w = be32(png + 16);
  *h = be32(png + 20);
  cr_assert_eq(png[24], 8, "bit depth");
  cr_assert_eq(png[25], 0, "colour type: greyscale");
}

static size_t count(const char *hay, const char *needle)
{
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

static char *dup_n(const unsigned char *p, size_t n)
{
  char *s = malloc(n + 1);
  memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

/* ---------- templates and formats ---------- */

Test(labels, template_table)
{
  const char *ids[] = {"62x29", "62-receipt", "29x90", "l7160"};
  cr_assert_eq(label_template_count(), 4);
  for (size_t i = 0; i < 4; i++) {
    const struct label_template *t = label_template_find(ids[i]);
    cr_assert_not_null(t, "%s", ids[i]);
    cr_assert_str_eq(t->id, ids[i]);
    cr_assert_eq(label_template_at(i), t);
    if (t->png_w) /* PNG pixels are exactly the printable area at the native dpi */
      cr_assert_eq(t->png_w, (unsigned)lround(t->area_w_mm * t->dpi / 25.4), "%s", t->id);
    if (t->png_h)
      cr_assert_eq(t->png_h, (unsigned)lround(t->area_h_mm * t->dpi / 25.4), "%s", t->id);
  }
  cr_assert_null(label_template_at(4));
  cr_assert_null(label_template_find("62X29"));
  cr_assert_null(label_template_find("a4"));
  cr_assert_null(label_template_find(""));
  cr_assert_null(label_template_find(NULL));

  /* The sheet grid stays on the A4 page with equal side margins. */
  const struct label_template *s = label_template_find("l7160");
  double right = s->first_x_mm + (s->cols - 1) * s->pitch_x_mm + s->label_w_mm;
  double bottom = s->first_y_mm + (s->rows - 1) * s->pitch_y_mm + s->label_h_mm;
  cr_assert(fabs((s->page_w_mm - right) - s->first_x_mm) < 0.02);
  cr_assert(fabs((s->page_h_mm - bottom) - s->first_y_mm) < 0.02);
}

Test(labels, formats)
{
  enum label_format f;
  cr_assert_eq(label_format_parse("pdf", &f), 0);
  cr_assert_eq(f, LABEL_FMT_PDF);
  cr_assert_eq(label_format_parse("PNG", &f), 0);
  cr_assert_eq(f, LABEL_FMT_PNG);
  cr_assert_eq(label_format_parse("svg", &f), 0);
  cr_assert_eq(f, LABEL_FMT_SVG);
  cr_assert_eq(label_format_parse("zpl", &f), 0);
  cr_assert_eq(f, LABEL_FMT_ZPL);
  cr_assert_eq(label_format_parse("jpeg", &f), LABEL_EINVALID);
  cr_assert_eq(label_format_parse("", &f), LABEL_EINVALID);
  cr_assert_eq(label_format_parse(NULL, &f), LABEL_EINVALID);
  cr_assert_str_eq(label_format_mime(LABEL_FMT_PDF), "application/pdf");
  cr_assert_str_eq(label_format_mime(LABEL_FMT_PNG), "image/png");
  cr_assert_str_eq(label_format_mime(LABEL_FMT_SVG), "image/svg+xml");
  cr_assert_str_eq(label_format_mime(LABEL_FMT_ZPL), "text/plain; charset=utf-8");
  cr_assert_str_eq(label_format_ext(LABEL_FMT_ZPL), "zpl");
  cr_assert_str_eq(label_strerror(LABEL_EQR), "QR payload too long for this label");
  cr_assert_not_null(label_strerror(12345));
}

/* ---------- PNG ---------- */

Test(labels, png_62x29_native_size_and_qr)
{
  struct device d;
  device_init(&d, 1);
  size_t len;
  unsigned w, h;
  unsigned char *png = render_file("a.png", &len, "62x29", "png", &d.item, 1, NULL);
  png_size(png, len, &w, &h);
  cr_assert_eq(w, 696);
  cr_assert_eq(h, 271);
  free(png);
  assert_decodes_to("a.png", d.qr);
}

Test(labels, png_29x90_native_size_and_qr)
{
  struct device d;
  device_init(&d, 2);
  size_t len;
  unsigned w, h;
  unsigned char *png = render_file("a.png", &len, "29x90", "png", &d.item, 1, NULL);
  png_size(png, len, &w, &h);
  cr_assert_eq(w, 991);
  cr_assert_eq(h, 306);
  free(png);
  assert_decodes_to("a.png", d.qr);
}

Test(labels, png_receipt_fits_content)
{
  size_t len;
  unsigned w, h, h_short;
  unsigned char *png = render_file("r.png", &len, "62-receipt", "png", &receipt, 1, NULL);
  png_size(png, len, &w, &h);
  free(png);
  cr_assert_eq(w, 696);
  assert_decodes_to("r.png", receipt.qr);

  /* Fewer lines, shorter roll. */
  struct label_item shorter = receipt;
  shorter.n_lines = 1;
  png = render_file("s.png", &len, "62-receipt", "png", &shorter, 1, NULL);
  png_size(png, len, &w, &h_short);
  free(png);
  cr_assert_lt(h_short, h);
  cr_assert_gt(h_short, 300); /* still holds title, caption and a 30 mm QR */
  assert_decodes_to("s.png", receipt.qr);
}

/* ---------- PDF ---------- */

Test(labels, pdf_62x29_page_size_fonts_qr)
{
  struct device d;
  device_init(&d, 3);
  size_t len;
  free(render_file("a.pdf", &len, "62x29", "pdf", &d.item, 1, NULL));
  cr_assert_eq(pdf_pages("a.pdf"), 1);
  assert_page_mm("a.pdf", 1, 62.0, 29.0);
  rasterise("a.pdf", "p");
  assert_decodes_to("p-1.png", d.qr);

  /* Fonts: DejaVu Sans and its bold, embedded. */
  char *fonts = run_ok("pdffonts", "a.pdf", "");
  cr_assert_not_null(strstr(fonts, "DejaVuSans-Bold"));
  cr_assert_not_null(strstr(fonts, "DejaVuSans"));
  size_t font_lines = 0;
  char *save;
  for (char *line = strtok_r(fonts, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (!strstr(line, "DejaVu"))
      continue;
    char *tok[16];
    size_t nt = 0;
    char *s2;
    for (char *t = strtok_r(line, " ", &s2); t && nt < 16; t = strtok_r(NULL, " ", &s2))
      tok[nt++] = t;
    cr_assert_geq(nt, 6);
    cr_assert_str_eq(tok[nt - 5], "yes", "font not embedded");
    font_lines++;
  }
  cr_assert_eq(font_lines, 2);
  free(fonts);
}

Test(labels, pdf_29x90_page_size_and_qr)
{
  struct device d;
  device_init(&d, 4);
  size_t len;
  free(render_file("a.pdf", &len, "29x90", "pdf", &d.item, 1, NULL));
  assert_page_mm("a.pdf", 1, 90.0, 29.0);
  rasterise("a.pdf", "p");
  assert_decodes_to("p-1.png", d.qr);
}

Test(labels, pdf_receipt_length_matches_png)
{
  size_t len;
  unsigned w, h;
  unsigned char *png = render_file("r.png", &len, "62-receipt", "png", &receipt, 1, NULL);
  png_size(png, len, &w, &h);
  free(png);
  free(render_file("r.pdf", &len, "62-receipt", "pdf", &receipt, 1, NULL));
  /* The PDF page is the printable length plus a 35-dot feed margin at each end. */
  assert_page_mm("r.pdf", 1, 62.0, (h + 70) * DOT300_MM);
  rasterise("r.pdf", "p");
  assert_decodes_to("p-1.png", receipt.qr);
}

Test(labels, pdf_roll_batch_one_page_per_label)
{
  struct device d[5];
  struct label_item items[5];
  for (unsigned i = 0; i < 5; i++) {
    device_init(&d[i], 100 + i);
    items[i] = d[i].item;
  }
  size_t len;
  free(render_file("b.pdf", &len, "62x29", "pdf", items, 5, NULL));
  cr_assert_eq(pdf_pages("b.pdf"), 5);
  rasterise("b.pdf", "p");
  for (int i = 0; i < 5; i++) {
    char name[64];
    assert_page_mm("b.pdf", i + 1, 62.0, 29.0);
    page_png(name, sizeof name, "p", i + 1, 5);
    assert_decodes_to(name, d[i].qr);
  }
}

Test(labels, pdf_receipt_batch_pages_have_own_length)
{
  struct label_item items[2] = {receipt, receipt};
  items[1].n_lines = 1;
  items[1].qr = "https://example.org/t/AAAAAAAAAAAAAAAAAAAAAA";
  size_t len;
  free(render_file("b.pdf", &len, "62-receipt", "pdf", items, 2, NULL));
  cr_assert_eq(pdf_pages("b.pdf"), 2);
  double w1, h1, w2, h2;
  pdf_page_mm("b.pdf", 1, &w1, &h1);
  pdf_page_mm("b.pdf", 2, &w2, &h2);
  cr_assert(fabs(w1 - 62.0) < 0.05 && fabs(w2 - 62.0) < 0.05);
  cr_assert_gt(h1, h2 + 5.0);
  rasterise("b.pdf", "p");
  assert_decodes_to("p-1.png", items[0].qr);
  assert_decodes_to("p-2.png", items[1].qr);
}

Test(labels, pdf_sheet_all_21_positions_decode)
{
  struct device d[21];
  struct label_item items[21];
  char *expected[21];
  for (unsigned i = 0; i < 21; i++) {
    device_init(&d[i], 200 + i);
    items[i] = d[i].item;
    expected[i] = d[i].qr;
  }
  size_t len;
  free(render_file("s.pdf", &len, "l7160", "pdf", items, 21, NULL));
  cr_assert_eq(pdf_pages("s.pdf"), 1);
  assert_page_mm("s.pdf", 1, 210.0, 297.0);
  rasterise("s.pdf", "p");
  char *sym[32];
  size_t n = decode("p-1.png", sym, 32);
  cr_assert_eq(n, 21, "decoded %zu of 21", n);
  qsort(expected, 21, sizeof *expected, cmp_str);
  for (size_t i = 0; i < n; i++) {
    cr_assert_str_eq(sym[i], expected[i]);
    free(sym[i]);
  }
}

/* Decodes one label position of a 300-dpi sheet raster; NULL if blank. */
static char *decode_slot(const char *pdf, int page, unsigned slot)
{
  const struct label_template *t = label_template_find("l7160");
  double px = 300 / 25.4;
  int x = (int)((t->first_x_mm + (slot % t->cols) * t->pitch_x_mm) * px);
  int y = (int)((t->first_y_mm + (slot / t->cols) * t->pitch_y_mm) * px);
  int w = (int)(t->label_w_mm * px), h = (int)(t->label_h_mm * px);
  int st;
  free(run(&st,
           "pdftoppm -r 300 -png -singlefile -f %d -l %d -x %d -y %d -W %d -H %d %s/%s %s/slot",
           page, page, x, y, w, h, tmp, pdf, tmp));
  cr_assert_eq(st, 0);
  char *sym[4];
  size_t n = decode("slot.png", sym, 4);
  cr_assert_leq(n, 1);
  return n ? sym[0] : NULL;
}

Test(labels, pdf_sheet_skip_and_pages)
{
  struct device d[20];
  struct label_item items[20];
  for (unsigned i = 0; i < 20; i++) {
    device_init(&d[i], 300 + i);
    items[i] = d[i].item;
  }
  struct label_options opt = {.skip = 5};
  size_t len;
  free(render_file("s.pdf", &len, "l7160", "pdf", items, 20, &opt));
  cr_assert_eq(pdf_pages("s.pdf"), 2); /* 5 empty + 16 on page 1, 4 on page 2 */
  assert_page_mm("s.pdf", 2, 210.0, 297.0);

  for (unsigned slot = 0; slot < 5; slot++)
    cr_assert_null(decode_slot("s.pdf", 1, slot), "slot %u should be empty", slot);
  char *s = decode_slot("s.pdf", 1, 5); /* first item, row 2 column 3 */
  cr_assert_str_eq(s, d[0].qr);
  free(s);
  s = decode_slot("s.pdf", 1, 20);
  cr_assert_str_eq(s, d[15].qr);
  free(s);
  s = decode_slot("s.pdf", 2, 0);
  cr_assert_str_eq(s, d[16].qr);
  free(s);
  s = decode_slot("s.pdf", 2, 3);
  cr_assert_str_eq(s, d[19].qr);
  free(s);
  cr_assert_null(decode_slot("s.pdf", 2, 4));
}

Test(labels, pdf_sheet_batch_1000)
{
  static struct device d[1000];
  static struct label_item items[1000];
  for (unsigned i = 0; i < 1000; i++) {
    device_init(&d[i], i);
    items[i] = d[i].item;
  }
  size_t len;
  free(render_file("big.pdf", &len, "l7160", "pdf", items, 1000, NULL));
  cr_assert_eq(pdf_pages("big.pdf"), 48); /* ceil(1000 / 21) */
  char *s = decode_slot("big.pdf", 48, 999 % 21);
  cr_assert_str_eq(s, d[999].qr);
  free(s);
  cr_assert_null(decode_slot("big.pdf", 48, 999 % 21 + 1));
}

Test(labels, pdf_offset_shifts_everything)
{
  struct device d;
  device_init(&d, 5);
  struct label_options opt = {.offset_x_mm = 2.0, .offset_y_mm = -1.0};
  size_t len;
  free(render_file("a.pdf", &len, "62x29", "pdf", &d.item, 1, NULL));
  free(render_file("b.pdf", &len, "62x29", "pdf", &d.item, 1, &opt));
  double x[2], y[2];
  const char *names[2] = {"a.pdf", "b.pdf"};
  for (int i = 0; i < 2; i++) {
    char *out = run_ok("pdftotext -bbox", names[i], "-");
    char *wp = strstr(out, "<word ");
    cr_assert_not_null(wp);
    cr_assert_eq(sscanf(wp, "<word xMin=\"%lf\" yMin=\"%lf\"", &x[i], &y[i]), 2);
    free(out);
  }
  cr_assert(fabs((x[1] - x[0]) * MM_PER_PT - 2.0) < 0.05, "dx %.3f mm", (x[1] - x[0]) * MM_PER_PT);
  cr_assert(fabs((y[1] - y[0]) * MM_PER_PT + 1.0) < 0.05, "dy %.3f mm", (y[1] - y[0]) * MM_PER_PT);
  rasterise("b.pdf", "p");
  assert_decodes_to("p-1.png", d.qr);
}

/* ---------- text ---------- */

static const char *long_model =
    "Lenovo ThinkPad T440 avec station d'accueil, chargeur d'origine et sacoche véritable";

/* Every word's box, in mm, must stay inside the printable area. */
static void assert_words_inside(const char *pdf, double min_x, double min_y, double max_x,
                                double max_y)
{
  char *out = run_ok("pdftotext -bbox", pdf, "-");
  size_t words = 0;
  for (char *p = out; (p = strstr(p, "<word ")); p++) {
    double x0, y0, x1, y1;
    cr_assert_eq(
        sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0, &x1, &y1),
        4);
    x0 *= MM_PER_PT, y0 *= MM_PER_PT, x1 *= MM_PER_PT, y1 *= MM_PER_PT;
    cr_assert(x0 >= min_x - 0.05 && x1 <= max_x + 0.05 && y0 >= min_y - 0.3 && y1 <= max_y + 0.3,
              "word [%.2f, %.2f]-[%.2f, %.2f] mm outside [%.2f, %.2f]-[%.2f, %.2f]", x0, y0, x1, y1,
              min_x, min_y, max_x, max_y);
    words++;
  }
  cr_assert_gt(words, 5);
  free(out);
}

Test(labels, overlong_text_gets_ellipsis_everywhere)
{
  struct device d;
  device_init(&d, 6);
  d.item.lines[1] = long_model;
  const char *tpls[] = {"62x29", "29x90", "l7160", "62-receipt"};
  for (size_t i = 0; i < 4; i++) {
    const struct label_template *t = label_template_find(tpls[i]);
    size_t len;
    struct label_item it = d.item;
    if (t->media == LABEL_MEDIA_CONTINUOUS) /* receipts wrap; a one-line title gets cut */
      it.title = "RL-4K7Q-9M2X-RL-4K7Q-9M2X-RL-4K7Q-9M2X";
    free(render_file("e.pdf", &len, tpls[i], "pdf", &it, 1, NULL));
    char *text = run_ok("pdftotext", "e.pdf", "-");
    cr_assert_not_null(strstr(text, "\xE2\x80\xA6"), "%s: no ellipsis in\n%s", tpls[i], text);
    if (t->media != LABEL_MEDIA_CONTINUOUS)
      cr_assert_null(strstr(text, "véritable"), "%s: tail not cut", tpls[i]);
    else
      cr_assert_not_null(strstr(text, "véritable"), "receipt lines wrap, not cut");
    free(text);
    double x = t->first_x_mm + t->area_x_mm, y = t->first_y_mm + t->area_y_mm;
    double bottom = t->media == LABEL_MEDIA_CONTINUOUS ? 1e9 : y + t->area_h_mm;
    assert_words_inside("e.pdf", x, y, x + t->area_w_mm, bottom);
  }
}

Test(labels, too_many_lines_stay_inside_the_label)
{
  struct label_item it = {.title = "RL-4K7Q-9M2X",
                          .n_lines = LABEL_MAX_LINES,
                          .caption = long_model,
                          .qr = "https://example.org/d/RL-4K7Q-9M2X"};
  for (size_t i = 0; i < LABEL_MAX_LINES; i++)
    it.lines[i] = i % 2 ? long_model : "Ligne courte";
  const char *tpls[] = {"62x29", "29x90", "l7160"};
  for (size_t i = 0; i < 3; i++) {
    const struct label_template *t = label_template_find(tpls[i]);
    size_t len;
    free(render_file("m.pdf", &len, tpls[i], "pdf", &it, 1, NULL));
    double x = t->first_x_mm + t->area_x_mm, y = t->first_y_mm + t->area_y_mm;
    assert_words_inside("m.pdf", x, y, x + t->area_w_mm, y + t->area_h_mm);
    char *text = run_ok("pdftotext", "m.pdf", "-");
    cr_assert_not_null(strstr(text, "RL-4K7Q-9M2X"), "%s: the code always shows", tpls[i]);
    cr_assert_not_null(strstr(text, "\xE2\x80\xA6"), "%s: dropped lines are marked", tpls[i]);
    free(text);
    rasterise("m.pdf", "p");
    assert_decodes_to("p-1.png", it.qr);
  }
}

Test(labels, accents_survive_into_pdf_text)
{
  struct label_item it = {
      .title = "CAFÉ-1",
      .lines = {"Cafetière à piston", "Garçon de café", "Cœur de l'œuvre", "Noël à Évry"},
      .n_lines = 4,
      .qr = "https://example.org/d/CAFE-1",
  };
  size_t len;
  free(render_file("a.pdf", &len, "29x90", "pdf", &it, 1, NULL));
  char *text = run_ok("pdftotext", "a.pdf", "-");
  const char *want[] = {"CAFÉ-1", "Cafetière", "à", "Garçon", "Cœur", "l'œuvre", "Noël", "Évry"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    cr_assert_not_null(strstr(text, want[i]), "missing %s in\n%s", want[i], text);
  free(text);
}

Test(labels, text_helpers_sanitize_and_fit)
{
  char out[LABEL_TEXT_MAX + 8];
  label_text_sanitize(out, sizeof out,
                      "ok\xC3(\x01"
                      "\xE2\x82"
                      "z\xF0\x9F\x98\x80",
                      false);
  cr_assert_str_eq(out, "ok\xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBDz\xF0\x9F\x98\x80");
  label_text_sanitize(out, sizeof out, "a\r\nb", true);
  cr_assert_str_eq(out, "a\nb");
  label_text_sanitize(out, sizeof out, "a\r\nb", false);
  cr_assert_str_eq(out, "a  b");
  label_text_sanitize(out, sizeof out, NULL, false);
  cr_assert_str_eq(out, "");
  label_text_sanitize(out, sizeof out, "\xC0\xAF\xED\xA0\x80", false); /* overlong, surrogate */
  cr_assert_eq(strstr(out, "\xC0"), NULL);
  cr_assert_eq(strstr(out, "\xED\xA0"), NULL);

  char big[5000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  size_t n = label_text_sanitize(out, sizeof out, big, false);
  cr_assert_leq(n, LABEL_TEXT_MAX);
  cr_assert_str_eq(out + n - 3, "\xE2\x80\xA6");

  cr_assert_eq(label_text_check_payload("https://example.org/d/X"), 0);
  cr_assert_eq(label_text_check_payload("bad\n"), LABEL_EINVALID);
  cr_assert_eq(label_text_check_payload("bad\xFF"), LABEL_EINVALID);
  cr_assert_eq(label_text_check_payload(big), LABEL_EQR);
}

/* ---------- SVG ---------- */

Test(labels, svg_is_xml_at_physical_size)
{
  struct device d;
  device_init(&d, 7);
  size_t len;
  unsigned char *svg = render_file("a.svg", &len, "62x29", "svg", &d.item, 1, NULL);
  char *s = dup_n(svg, len);
  cr_assert_not_null(strstr(s, "width=\"62mm\""));
  cr_assert_not_null(strstr(s, "height=\"29mm\""));
  free(s);
  free(svg);
  free(run_ok("xmllint --noout", "a.svg", ""));

  struct device ds[21];
  struct label_item items[21];
  for (unsigned i = 0; i < 21; i++) {
    device_init(&ds[i], 400 + i);
    items[i] = ds[i].item;
  }
  svg = render_file("s.svg", &len, "l7160", "svg", items, 21, NULL);
  s = dup_n(svg, len);
  cr_assert_not_null(strstr(s, "width=\"210mm\""));
  free(s);
  free(svg);
  free(run_ok("xmllint --noout", "s.svg", ""));

  svg = render_file("r.svg", &len, "62-receipt", "svg", &receipt, 1, NULL);
  free(svg);
  free(run_ok("xmllint --noout", "r.svg", ""));
}

/* ---------- ZPL ---------- */

Test(labels, zpl_structure)
{
  struct device d;
  device_init(&d, 8);
  unsigned char *out;
  size_t len;
  cr_assert_eq(render(&out, &len, "62x29", "zpl", &d.item, 1, NULL), 0);
  char *z = dup_n(out, len);
  free(out);
  cr_assert_eq(strncmp(z, "^XA", 3), 0);
  cr_assert_eq(strcmp(z + len - 4, "^XZ\n"), 0);
  cr_assert_not_null(strstr(z, "^CI28"));
  cr_assert_not_null(strstr(z, "^PW496")); /* 62 mm at 8 dots/mm */
  cr_assert_not_null(strstr(z, "^LL232"));
  cr_assert_not_null(strstr(z, "^BQN,2,"));
  cr_assert_not_null(strstr(z, "^A0N,"));
  char want[160];
  snprintf(want, sizeof want, "^FDQA,%s^FS", d.qr);
  cr_assert_not_null(strstr(z, want), "%s", z);
  cr_assert_not_null(strstr(z, "^FDEntrée le 14/03/2025^FS"), "UTF-8 text kept");
  unsigned mag = 0;
  cr_assert_eq(sscanf(strstr(z, "^BQN,2,"), "^BQN,2,%u", &mag), 1);
  cr_assert(mag >= 2 && mag <= 10, "magnification %u", mag);
  free(z);
}

Test(labels, zpl_batch_dpmm_offset_and_escapes)
{
  struct device d[3];
  struct label_item items[3];
  for (unsigned i = 0; i < 3; i++) {
    device_init(&d[i], 500 + i);
    items[i] = d[i].item;
  }
  items[2].title = "^XZ~JR_x";
  unsigned char *out;
  size_t len;
  cr_assert_eq(render(&out, &len, "29x90", "zpl", items, 3, NULL), 0);
  char *z = dup_n(out, len);
  free(out);
  cr_assert_eq(count(z, "^XA"), 3);
  cr_assert_eq(count(z, "^XZ"), 3, "title must not inject ^XZ");
  cr_assert_eq(count(z, "^CI28"), 3);
  cr_assert_not_null(strstr(z, "^FH_^FD_5EXZ_7EJR_5Fx^FS"));
  for (unsigned i = 0; i < 2; i++) {
    char want[160];
    snprintf(want, sizeof want, "^FDQA,%s^FS", d[i].qr);
    cr_assert_not_null(strstr(z, want));
  }
  cr_assert_not_null(strstr(z, "^PW720")); /* 90 mm */
  unsigned x0, y0;
  cr_assert_eq(sscanf(strstr(z, "^FO"), "^FO%u,%u", &x0, &y0), 2);
  free(z);

  struct label_options opt = {.zpl_dpmm = 12, .offset_x_mm = 2.0};
  cr_assert_eq(render(&out, &len, "29x90", "zpl", items, 1, &opt), 0);
  z = dup_n(out, len);
  free(out);
  cr_assert_not_null(strstr(z, "^PW1080"));
  opt.zpl_dpmm = 8;
  free(z);
  cr_assert_eq(render(&out, &len, "29x90", "zpl", items, 1, &opt), 0);
  z = dup_n(out, len);
  free(out);
  unsigned x1, y1;
  cr_assert_eq(sscanf(strstr(z, "^FO"), "^FO%u,%u", &x1, &y1), 2);
  cr_assert_eq(x1, x0 + 16); /* 2 mm at 8 dots/mm */
  cr_assert_eq(y1, y0);
  free(z);

  cr_assert_eq(render(&out, &len, "62-receipt", "zpl", &receipt, 1, NULL), 0);
  z = dup_n(out, len);
  free(out);
  cr_assert_not_null(strstr(z, "^MNN"));
  char want[160];
  snprintf(want, sizeof want, "^FDQA,%s^FS", receipt.qr);
  cr_assert_not_null(strstr(z, want));
  free(z);
}

/* ---------- QR geometry (white box) ---------- */

static double fake_width(void *ctx, const char *s, double size, bool bold)
{
  (void)ctx;
  return (double)label_text_codepoints(s) * size * (bold ? 0.7 : 0.55);
}

Test(labels, qr_whole_dots_quiet_zone_ecc)
{
  const struct label_measure m = {fake_width, NULL};
  struct label_layout *L = calloc(1, sizeof *L);
  cr_assert_not_null(L);
  for (size_t i = 0; i < label_template_count(); i++) {
    const struct label_template *t = label_template_at(i);
    const double grids[] = {t->dpi / 25.4, 8.0, 12.0};
    for (size_t g = 0; g < 3; g++) {
      const struct label_item *it = t->layout == LABEL_LAYOUT_STACK ? &receipt : NULL;
      struct device d;
      device_init(&d, 9);
      if (!it)
        it = &d.item;
      cr_assert_eq(label_layout_item(L, t, it, grids[g], &m), 0, "%s", t->id);
      double mod = L->qr_module, q = 4 * mod, side = L->qr->width * mod;
      cr_assert_geq(mod, ceil(0.25 * grids[g] - 1e-9), "%s: module under 0.25 mm", t->id);
      cr_assert_eq(L->qr_x, floor(L->qr_x), "%s: QR off the dot grid", t->id);
      cr_assert_eq(L->qr_y, floor(L->qr_y));
      cr_assert_geq(L->qr_x - q, L->area_x, "%s: quiet zone left", t->id);
      cr_assert_geq(L->qr_y - q, L->area_y, "%s: quiet zone top", t->id);
      cr_assert_leq(L->qr_y + side + q, L->area_y + L->area_h, "%s: quiet zone bottom", t->id);
      for (size_t k = 0; k < L->n_text; k++) /* no text in the quiet zone */
        cr_assert(L->text[k].x >= L->qr_x + side + q || L->text[k].y < L->qr_y - q ||
                      L->text[k].y - L->text[k].size > L->qr_y + side + q,
                  "%s: text over the QR", t->id);

      /* ECC: identical to libqrencode's M or Q symbol of the same version. */
      QRcode *mq = QRcode_encodeString(it->qr, L->qr->version, QR_ECLEVEL_M, QR_MODE_8, 1);
      QRcode *qq = QRcode_encodeString(it->qr, L->qr->version, QR_ECLEVEL_Q, QR_MODE_8, 1);
      size_t cells = (size_t)L->qr->width * (size_t)L->qr->width;
      bool is_m = mq && mq->width == L->qr->width && !memcmp(mq->data, L->qr->data, cells);
      bool is_q = qq && qq->width == L->qr->width && !memcmp(qq->data, L->qr->data, cells);
      cr_assert(is_m || is_q, "%s: ECC below M", t->id);
      QRcode_free(mq);
      if (qq)
        QRcode_free(qq);
      label_layout_release(L);
    }
  }
  free(L);
}

/* ---------- bad input ---------- */

Test(labels, bad_requests_are_refused)
{
  struct device d;
  device_init(&d, 10);
  const struct label_template *roll = label_template_find("62x29");
  const struct label_template *sheet = label_template_find("l7160");
  unsigned char *out = (unsigned char *)"sentinel";
  size_t len = 99;

#define REFUSED(code, t, f, items, n, opt)                                                         \
  do {                                                                                             \
    cr_assert_eq(label_render(&out, &len, t, f, items, n, opt), code, "line %d", __LINE__);        \
    cr_assert_null(out);                                                                           \
    cr_assert_eq(len, 0);                                                                          \
  } while (0)

  REFUSED(LABEL_EINVALID, label_template_find("nope"), LABEL_FMT_PDF, &d.item, 1, NULL);
  REFUSED(LABEL_EINVALID, sheet, LABEL_FMT_PNG, &d.item, 1, NULL);
  REFUSED(LABEL_EINVALID, sheet, LABEL_FMT_ZPL, &d.item, 1, NULL);
  REFUSED(LABEL_EINVALID, roll, (enum label_format)42, &d.item, 1, NULL);
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_PDF, &d.item, 0, NULL);
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_PDF, NULL, 1, NULL);

  struct label_item *many = calloc(LABEL_MAX_ITEMS + 1, sizeof *many);
  for (size_t i = 0; i <= LABEL_MAX_ITEMS; i++)
    many[i] = d.item;
  REFUSED(LABEL_EINVALID, sheet, LABEL_FMT_PDF, many, LABEL_MAX_ITEMS + 1, NULL);
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_PNG, many, 2, NULL); /* PNG: one image */
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_SVG, many, 2, NULL); /* SVG: one page */
  REFUSED(LABEL_EINVALID, sheet, LABEL_FMT_SVG, many, 22, NULL);
  struct label_options skip = {.skip = 1};
  REFUSED(LABEL_EINVALID, sheet, LABEL_FMT_SVG, many, 21, &skip);
  free(many);

  const double bad_offsets[] = {10.01, -10.5, NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof bad_offsets / sizeof bad_offsets[0]; i++) {
    struct label_options ox = {.offset_x_mm = bad_offsets[i]};
    struct label_options oy = {.offset_y_mm = bad_offsets[i]};
    REFUSED(LABEL_EINVALID, roll, LABEL_FMT_PDF, &d.item, 1, &ox);
    REFUSED(LABEL_EINVALID, roll, LABEL_FMT_ZPL, &d.item, 1, &oy);
  }
  struct label_options o = {.skip = 21};
  REFUSED(LABEL_EINVALID, sheet, LABEL_FMT_PDF, &d.item, 1, &o);
  o.skip = 1;
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_PDF, &d.item, 1, &o);
  o = (struct label_options){.zpl_dpmm = 7};
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_ZPL, &d.item, 1, &o);

  struct label_item it = d.item;
  it.n_lines = LABEL_MAX_LINES + 1;
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_PDF, &it, 1, NULL);
  it = d.item;
  it.qr = "https://example.org/\x01";
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_ZPL, &it, 1, NULL);
  it.qr = "https://example.org/\xC3";
  REFUSED(LABEL_EINVALID, roll, LABEL_FMT_PDF, &it, 1, NULL);

  char payload[LABEL_QR_MAX + 2];
  memset(payload, 'a', sizeof payload - 1);
  payload[sizeof payload - 1] = '\0';
  it.qr = payload; /* over LABEL_QR_MAX */
  REFUSED(LABEL_EQR, roll, LABEL_FMT_PDF, &it, 1, NULL);
  payload[500] = '\0'; /* encodable, but needs 0.25 mm modules over more than 23 mm */
  REFUSED(LABEL_EQR, roll, LABEL_FMT_PNG, &it, 1, NULL);
  cr_assert_eq(
      label_render(&out, &len, label_template_find("62-receipt"), LABEL_FMT_PNG, &it, 1, NULL), 0,
      "the receipt has room for it");
  free(out);

  cr_assert_eq(label_render(NULL, &len, roll, LABEL_FMT_PDF, &d.item, 1, NULL), LABEL_EINVALID);
  cr_assert_eq(label_render(&out, NULL, roll, LABEL_FMT_PDF, &d.item, 1, NULL), LABEL_EINVALID);
#undef REFUSED
}

Test(labels, hostile_strings_render_in_every_format)
{
  char *huge = malloc(200001);
  memset(huge, 'W', 200000);
  huge[200000] = '\0';
  static const char *bad[] = {
      "\xFF\xFE\xFD invalid",
      "ctrl\x01\x02\x1b[31m\x7f",
      "",
      "   ",
      "tab\there",
      "\xE2\x80\xAE right-to-left override",
      "emoji \xF0\x9F\x94\xA7 fix",
      "^XA^FDinjected^FS^XZ",
      "<svg>&amp;</svg>\"'",
  };
  struct label_item it = {.title = huge,
                          .n_lines = LABEL_MAX_LINES,
                          .caption = "\xC3",
                          .qr = "https://example.org/d/X"};
  for (size_t i = 0; i < LABEL_MAX_LINES; i++)
    it.lines[i] = i < sizeof bad / sizeof bad[0] ? bad[i] : NULL;
  struct label_item nothing = {.n_lines = 3}; /* all NULL: a blank label */

  const char *tpls[] = {"62x29", "62-receipt", "29x90", "l7160"};
  const char *fmts[] = {"pdf", "png", "svg", "zpl"};
  for (size_t t = 0; t < 4; t++) {
    for (size_t f = 0; f < 4; f++) {
      enum label_format fmt;
      label_format_parse(fmts[f], &fmt);
      if (!label_template_supports(label_template_find(tpls[t]), fmt))
        continue;
      const struct label_item *cases[] = {&it, &nothing};
      for (size_t c = 0; c < 2; c++) {
        unsigned char *out;
        size_t len;
        int rc = render(&out, &len, tpls[t], fmts[f], cases[c], 1, NULL);
        cr_assert_eq(rc, 0, "%s/%s case %zu: %s", tpls[t], fmts[f], c, label_strerror(rc));
        if (fmt == LABEL_FMT_ZPL) {
          char *z = dup_n(out, len);
          cr_assert_eq(count(z, "^XA"), 1, "%s", z);
          cr_assert_eq(count(z, "^XZ"), 1);
          for (size_t k = 0; k < len; k++)
            cr_assert(out[k] >= 0x20 || out[k] == '\n', "control byte in ZPL");
          free(z);
        }
        if (fmt == LABEL_FMT_SVG) {
          char path[512];
          snprintf(path, sizeof path, "%s/h.svg", tmp);
          FILE *fp = fopen(path, "wb");
          fwrite(out, 1, len, fp);
          fclose(fp);
          free(run_ok("xmllint --noout", "h.svg", ""));
        }
        free(out);
      }
    }
  }
  free(huge);
}

/* ---------- threads ---------- */

struct worker {
  const unsigned char *png_ref, *zpl_ref;
  size_t png_len, zpl_len;
  int failures;
};

static void *work(void *p)
{
  struct worker *w = p;
  struct device d;
  device_init(&d, 11);
  for (int i = 0; i < 10; i++) {
    unsigned char *out;
    size_t len;
    if (render(&out, &len, "62x29", "png", &d.item, 1, NULL) != 0 || len != w->png_len ||
        memcmp(out, w->png_ref, len) != 0)
      w->failures++;
    free(out);
    if (render(&out, &len, "62x29", "zpl", &d.item, 1, NULL) != 0 || len != w->zpl_len ||
        memcmp(out, w->zpl_ref, len) != 0)
      w->failures++;
    free(out);
    if (render(&out, &len, "l7160", "pdf", &d.item, 1, NULL) != 0)
      w->failures++;
    free(out);
  }
  return NULL;
}

Test(labels, concurrent_renders_match_serial_output)
{
  struct device d;
  device_init(&d, 11);
  unsigned char *png, *zpl;
  size_t png_len, zpl_len;
  cr_assert_eq(render(&png, &png_len, "62x29", "png", &d.item, 1, NULL), 0);
  cr_assert_eq(render(&zpl, &zpl_len, "62x29", "zpl", &d.item, 1, NULL), 0);
  pthread_t th[8];
  struct worker w[8];
  for (int i = 0; i < 8; i++) {
    w[i] = (struct worker){png, zpl, png_len, zpl_len, 0};
    cr_assert_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(w[i].failures, 0, "thread %d", i);
  }
  free(png);
  free(zpl);
}
