/*
 * tests/bench/bench_labels.c — throughput of label_render() per format:
 * one 62x29 label in each format, and 1,000-label batches (l7160 PDF sheets,
 * 62x29 ZPL). Each measurement runs for about one second; the whole run
 * takes well under 20 s. Numbers go to stdout, one line per measurement.
 *
 * With --samples DIR, also writes the documentation samples (sample data of
 * docs/labels.md) to DIR: label-62x29.png, label-29x90.png, receipt-62.png,
 * sheet-l7160.pdf and label-62x29.zpl, and exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labels/label.h"

#define BUDGET_S 1.0

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct label_item device(char *qr, size_t cap, const char *code)
{
  snprintf(qr, cap, "https://example.org/d/%s", code);
  return (struct label_item){
      .title = code,
      .lines = {"Ordinateur portable", "Lenovo ThinkPad T440", "Entrée le 14/03/2025",
                "Tiers-lieu de Fontenay-sous-Bois"},
      .n_lines = 4,
      .qr = qr,
  };
}

static const struct label_item receipt = {
    .title = "RL-4K7Q-9M2X",
    .lines = {"Déposé le 14 mars 2025", "Tiers-lieu de Fontenay-sous-Bois",
              "Horaires de l'atelier :\nmercredi 14 h – 18 h\nsamedi 10 h – 13 h"},
    .n_lines = 3,
    .caption = "Suivez votre réparation : scannez ce code",
    .qr = "https://example.org/t/q3Zt8mWc1KpXv7LbN2dRfA",
};

static int bench(const char *fmt_name, const char *tpl, const char *what,
                 const struct label_item *items, size_t n)
{
  enum label_format f;
  const struct label_template *t = label_template_find(tpl);
  if (label_format_parse(fmt_name, &f) != 0 || !t)
    return 1;

  size_t labels = 0;
  double start = now(), elapsed;
  do {
    unsigned char *out;
    size_t len;
    int rc = label_render(&out, &len, t, f, items, n, NULL);
    if (rc != 0) {
      fprintf(stderr, "%s %s %s: %s\n", fmt_name, tpl, what, label_strerror(rc));
      return 1;
    }
    free(out);
    labels += n;
    elapsed = now() - start;
  } while (elapsed < BUDGET_S);
  printf("labels  %-4s %-10s %-12s %10.1f labels/s\n", fmt_name, tpl, what,
         (double)labels / elapsed);
  fflush(stdout);
  return 0;
}

static int write_sample(const char *dir, const char *name, const char *tpl, const char *fmt_name,
                        const struct label_item *items, size_t n)
{
  enum label_format f;
  unsigned char *out;
  size_t len;
  char path[4096];

  if (label_format_parse(fmt_name, &f) != 0)
    return 1;
  int rc = label_render(&out, &len, label_template_find(tpl), f, items, n, NULL);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", name, label_strerror(rc));
    return 1;
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "wb");
  size_t written = fp ? fwrite(out, 1, len, fp) : 0;
  free(out);
  if (!fp || fclose(fp) != 0 || written != len) {
    perror(path);
    return 1;
  }
  printf("wrote %s (%zu bytes)\n", path, len);
  return 0;
}

static int samples(const char *dir)
{
  static const char *codes[] = {"RL-4K7Q-9M2X", "RL-8C3D-2P5H", "RL-7TWN-4J6R", "RL-3M9B-Q8ZE",
                                "RL-5HX2-K7VA", "RL-9F4L-6NC1", "RL-2QR8-W3YD"};
  char qr[7][64];
  struct label_item sheet[7];
  for (size_t i = 0; i < 7; i++)
    sheet[i] = device(qr[i], sizeof qr[i], codes[i]);
  sheet[1].lines[1] = "Fairphone 4";
  sheet[1].lines[0] = "Téléphone";
  sheet[2].lines[1] = "Seb Cookeo CE851";
  sheet[2].lines[0] = "Multicuiseur";
  struct label_item part = {
      .title = "PWR-19V-65W",
      .lines = {"Chargeur 19 V 65 W, embout 7,4 mm", "Bac B3"},
      .n_lines = 2,
      .qr = "https://example.org/p/PWR-19V-65W",
  };
  sheet[6] = part;

  return write_sample(dir, "label-62x29.png", "62x29", "png", &sheet[0], 1) ||
         write_sample(dir, "label-29x90.png", "29x90", "png", &sheet[0], 1) ||
         write_sample(dir, "receipt-62.png", "62-receipt", "png", &receipt, 1) ||
         write_sample(dir, "sheet-l7160.pdf", "l7160", "pdf", sheet, 7) ||
         write_sample(dir, "label-62x29.zpl", "62x29", "zpl", &sheet[0], 1);
}

int main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--samples") == 0)
    return samples(argv[2]);
  if (argc != 1) {
    fprintf(stderr, "usage: %s [--samples DIR]\n", argv[0]);
    return 2;
  }

  char qr[64];
  struct label_item one = device(qr, sizeof qr, "RL-4K7Q-9M2X");
  struct label_item *batch = calloc(1000, sizeof *batch);
  char(*qrs)[64] = calloc(1000, sizeof *qrs);
  char(*codes)[16] = calloc(1000, sizeof *codes);
  if (!batch || !qrs || !codes)
    return 1;
  for (size_t i = 0; i < 1000; i++) {
    snprintf(codes[i], sizeof codes[i], "RL-%04zu-9M2X", i);
    batch[i] = device(qrs[i], sizeof qrs[i], codes[i]);
  }

  int rc = bench("pdf", "62x29", "single", &one, 1) || bench("png", "62x29", "single", &one, 1) ||
           bench("svg", "62x29", "single", &one, 1) || bench("zpl", "62x29", "single", &one, 1) ||
           bench("png", "62-receipt", "single", &receipt, 1) ||
           bench("pdf", "l7160", "batch-1000", batch, 1000) ||
           bench("zpl", "62x29", "batch-1000", batch, 1000);
  free(batch);
  free(qrs);
  free(codes);
  return rc;
}
