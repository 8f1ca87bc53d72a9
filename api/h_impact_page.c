/* /impact: the programme's figures for residents and elected officials,
 * in French or English, with no script: totals since the start and this
 * year, devices saved by month as an inline SVG bar chart (with the same
 * numbers as a table), the top categories, and the method with its
 * credit. Read from the rollup only, like the open data it links to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/page.h"
#include "api/public.h"
#include "api/routes.h"
#include "core/buf.h"
#include "core/category.h"
#include "core/error.h"
#include "core/impact_figures.h"
#include "core/store/store_impact.h"

#define MONTHS 12
#define TOP 5

/* A number as people read it: 1 234,5 in French, 1,234.5 in English. */
static void number(char *out, size_t cap, double v, int decimals, int en)
{
  char t[64];
  snprintf(t, sizeof t, "%.*f", decimals, v);
  char *dot = strchr(t, '.');
  size_t whole = dot ? (size_t)(dot - t) : strlen(t), o = 0;
  for (size_t i = 0; i < whole && o + 4 < cap; i++) {
    if (i > 0 && (whole - i) % 3 == 0 && t[i - 1] != '-') {
      const char *sep = en ? "," : "\u202f";
      memcpy(out + o, sep, strlen(sep));
      o += strlen(sep);
    }
    out[o++] = t[i];
  }
  if (dot && o + strlen(dot) < cap) {
    out[o++] = en ? '.' : ',';
    memcpy(out + o, dot + 1, strlen(dot + 1));
    o += strlen(dot + 1);
  }
  out[o] = '\0';
}

static double fig(const json_t *row, const char *name)
{
  return json_number_value(json_object_get(row, name));
}

static void total(struct rl_buf *b, const char *label, double v, int decimals, int en)
{
  char n[64];
  number(n, sizeof n, v, decimals, en);
  rl_buf_add(b, "<li><strong>");
  rl_buf_add(b, n);
  rl_buf_add(b, "</strong>");
  rl_buf_add_html(b, label);
  rl_buf_add(b, "</li>");
}

static void totals(struct rl_buf *b, const json_t *row, int en)
{
  total(b, en ? "devices saved" : "appareils sauvés", fig(row, "devices_saved"), 0, en);
  total(b, en ? "kg of waste avoided" : "kg de déchets évités", fig(row, "waste_kg"), 1, en);
  total(b, en ? "kg CO2e avoided" : "kg CO2e évités", fig(row, "co2e_kg"), 1, en);
  total(b, en ? "repair attempts" : "tentatives de réparation",
        fig(row, "repairs_fixed") + fig(row, "repairs_repairable") +
            fig(row, "repairs_end_of_life") + fig(row, "repairs_unknown"),
        0, en);
  total(b, en ? "loans started" : "prêts", fig(row, "loans_started"), 0, en);
}

static int slice(json_t **out, const char *from, const char *to, unsigned group)
{
  struct impact_query q = {.group = group};
  snprintf(q.from, sizeof q.from, "%.10s", from);
  snprintf(q.to, sizeof q.to, "%.10s", to);
  json_t *errors;
  int rc = impact_figures(out, &errors, &q);
  json_decref(errors);
  return rc;
}

static const char *const month_fr[] = {"janv.", "févr.", "mars",  "avr.", "mai",  "juin",
                                       "juil.", "août",  "sept.", "oct.", "nov.", "déc."};
static const char *const month_en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The last twelve months' devices saved: the chart and its table. */
static void chart(struct rl_buf *svg, struct rl_buf *table, const json_t *rows, int year, int month,
                  int en)
{
  double saved[MONTHS] = {0}, max = 0;
  int y[MONTHS], m[MONTHS];
  for (int i = 0; i < MONTHS; i++) {
    int k = year * 12 + (month - 1) - (MONTHS - 1 - i);
    y[i] = k / 12;
    m[i] = k % 12;
    char key[32];
    snprintf(key, sizeof key, "%04d-%02d", y[i], m[i] + 1);
    size_t j;
    const json_t *row;
    json_array_foreach(rows, j, row)
      if (strcmp(json_string_value(json_object_get(row, "month")), key) == 0)
        saved[i] = fig(row, "devices_saved");
    if (saved[i] > max)
      max = saved[i];
  }
  const char *const *names = en ? month_en : month_fr;
  rl_buf_printf(svg,
                "<svg class=\"chart\" viewBox=\"0 0 360 180\" role=\"img\" "
                "aria-labelledby=\"chart-title chart-desc\" xmlns=\"http://www.w3.org/2000/svg\">"
                "<title id=\"chart-title\">%s</title><desc id=\"chart-desc\">",
                en ? "Devices saved by month, last twelve months"
                   : "Appareils sauvés par mois, douze derniers mois");
  rl_buf_add(table, en ? "<table><thead><tr><th scope=\"col\">Month</th><th scope=\"col\">"
                         "Devices saved</th></tr></thead><tbody>"
                       : "<table><thead><tr><th scope=\"col\">Mois</th><th scope=\"col\">"
                         "Appareils sauvés</th></tr></thead><tbody>");
  for (int i = 0; i < MONTHS; i++) {
    rl_buf_printf(svg, "%s %d: %.0f. ", names[m[i]], y[i], saved[i]);
    rl_buf_printf(table, "<tr><td>%s %d</td><td class=\"n\">%.0f</td></tr>", names[m[i]], y[i],
                  saved[i]);
  }
  rl_buf_add(svg, "</desc>");
  rl_buf_add(table, "</tbody></table>");
  for (int i = 0; i < MONTHS; i++) {
    double h = max > 0 ? saved[i] / max * 130 : 0;
    double x = 6 + i * 29.5;
    rl_buf_printf(svg,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"%.1f\" fill=\"#1f5130\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" "
                  "fill=\"#1a1a1a\">%.0f</text>"
                  "<text x=\"%.1f\" y=\"174\" font-size=\"9\" text-anchor=\"middle\" "
                  "fill=\"#3d3d3d\">%s</text>",
                  x, 150 - h, h, x + 11, 146 - h, saved[i], x + 11, names[m[i]]);
  }
  rl_buf_add(svg, "</svg>");
}

/* A category's row and how many devices it saved, to sort by. */
struct ranked {
  double saved;
  size_t row;
};

static int by_saved(const void *a, const void *b)
{
  double x = ((const struct ranked *)a)->saved, y = ((const struct ranked *)b)->saved;
  return (x < y) - (x > y);
}

static void top_categories(struct rl_buf *b, const json_t *rows, int en)
{
  size_t n = json_array_size(rows), shown = 0;
  struct ranked *v = n ? malloc(n * sizeof(struct ranked)) : NULL;
  for (size_t i = 0; v && i < n; i++) {
    v[i].saved = fig(json_array_get(rows, i), "devices_saved");
    v[i].row = i;
  }
  if (v)
    qsort(v, n, sizeof(struct ranked), by_saved);
  rl_buf_add(b, "<ol>");
  for (size_t i = 0; v && i < n && shown < TOP; i++) {
    const json_t *row = json_array_get(rows, v[i].row);
    if (v[i].saved <= 0)
      break;
    const char *slug = json_string_value(json_object_get(row, "category"));
    const json_t *c = NULL;
    const char *name = category_find(&c, slug) == RL_OK
                           ? json_string_value(json_object_get(c, en ? "name_en" : "name_fr"))
                           : slug;
    char kg[64];
    number(kg, sizeof kg, fig(row, "co2e_kg"), 1, en);
    rl_buf_add(b, "<li>");
    rl_buf_add_html(b, name);
    rl_buf_printf(b, en ? ": %.0f saved, %s kg CO2e" : " : %.0f sauvés, %s kg CO2e", v[i].saved,
                  kg);
    rl_buf_add(b, "</li>");
    shown++;
  }
  rl_buf_add(b, "</ol>");
  if (shown == 0)
    rl_buf_add(b,
               en ? "<p>No device saved yet.</p>" : "<p>Aucun appareil sauvé pour l'instant.</p>");
  free(v);
}

static void set(json_t *v, const char *k, const char *s)
{
  json_object_set_new(v, k, json_string(s));
}

void h_impact_page(struct rl_req *req, struct _u_response *res)
{
  enum rl_lang l = rl_page_lang(req);
  int en = l == RL_LANG_EN;
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  int year = tm.tm_year + 1900, month = tm.tm_mon + 1;
  char y0[32], y1[32], m0[32], m1[32];
  snprintf(y0, sizeof y0, "%04d-01-01", year);
  snprintf(y1, sizeof y1, "%04d-12-01", year);
  int k = year * 12 + month - 1 - (MONTHS - 1);
  snprintf(m0, sizeof m0, "%04d-%02d-01", k / 12, k % 12 + 1);
  snprintf(m1, sizeof m1, "%04d-%02d-01", year, month);
  json_t *all = NULL, *this_year = NULL, *months = NULL, *cats = NULL;
  int rc = slice(&all, "2000-01-01", "2199-12-01", 0);
  if (rc == RL_OK)
    rc = slice(&this_year, y0, y1, 0);
  if (rc == RL_OK)
    rc = slice(&months, m0, m1, STORE_IMPACT_MONTH);
  if (rc == RL_OK)
    rc = slice(&cats, "2000-01-01", "2199-12-01", STORE_IMPACT_CATEGORY);
  if (rc != RL_OK) {
    json_decref(all);
    json_decref(this_year);
    json_decref(months);
    rl_reply_error(res, rc, NULL);
    return;
  }
  struct rl_buf t_all = {0}, t_year = {0}, svg = {0}, table = {0}, top = {0};
  totals(&t_all, json_array_get(json_object_get(all, "rows"), 0), en);
  totals(&t_year, json_array_get(json_object_get(this_year, "rows"), 0), en);
  chart(&svg, &table, json_object_get(months, "rows"), year, month, en);
  top_categories(&top, json_object_get(cats, "rows"), en);
  char credit[600], year_title[64];
  snprintf(credit, sizeof credit,
           en ? "Factors %s. Category weights and CO2e footprints: The Restart Project / Open "
                "Repair Alliance, 2021 LCA data, CC BY-SA 4.0. Figures: Licence Ouverte 2.0."
              : "Facteurs %s. Poids et empreintes CO2e des catégories : The Restart Project / "
                "Open Repair Alliance, données ACV 2021, CC BY-SA 4.0. Chiffres : Licence "
                "Ouverte 2.0.",
           json_string_value(json_object_get(all, "factor_version")));
  snprintf(year_title, sizeof year_title, en ? "In %d" : "En %d", year);
  json_decref(all);
  json_decref(this_year);
  json_decref(months);
  json_decref(cats);
  int bad = rl_buf_status(&t_all) != RL_OK || rl_buf_status(&t_year) != RL_OK ||
            rl_buf_status(&svg) != RL_OK || rl_buf_status(&table) != RL_OK ||
            rl_buf_status(&top) != RL_OK;
  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_title", en ? "What the repair café avoids" : "Ce que le repair café évite");
  set(v, "t_intro",
      en ? "Devices repaired, lent or given a second life instead of thrown away."
         : "Des appareils réparés, prêtés ou donnés plutôt que jetés.");
  set(v, "t_all", en ? "Since the start" : "Depuis le début");
  set(v, "t_year", year_title);
  set(v, "t_months", en ? "Devices saved by month" : "Appareils sauvés par mois");
  set(v, "t_table", en ? "The same figures as a table" : "Les mêmes chiffres en tableau");
  set(v, "t_top", en ? "Top categories" : "Catégories en tête");
  set(v, "t_method_title", en ? "How it is counted" : "Comment c'est compté");
  set(v, "t_method",
      en ? "A device counts once, in the month it was first saved: a repair ended fixed, or a "
           "donated device lent or given for good. The waste avoided is its weight (measured, "
           "else its category's); the CO2e avoided is half of what making a new one emits "
           "(the Restart Project's method; for miscellaneous items, their weight times an "
           "emission ratio). Recycled and harvested devices are not counted as waste avoided."
         : "Un appareil compte une fois, le mois où il a été sauvé : une réparation réussie, ou "
           "un appareil donné prêté ou offert. Les déchets évités sont son poids (mesuré, sinon "
           "celui de sa catégorie) ; le CO2e évité est la moitié de ce qu'émet la fabrication "
           "d'un neuf (méthode du Restart Project ; pour les objets divers, leur poids fois un "
           "ratio d'émission). Les appareils recyclés ou démontés ne comptent pas comme déchets "
           "évités.");
  set(v, "t_csv", en ? "The figures (CSV)" : "Les chiffres (CSV)");
  set(v, "t_json", en ? "The figures (JSON)" : "Les chiffres (JSON)");
  set(v, "t_factors", en ? "The factors and their sources" : "Les facteurs et leurs sources");
  set(v, "t_credit", credit);
  set(v, "totals_all", t_all.data ? t_all.data : "");
  set(v, "totals_year", t_year.data ? t_year.data : "");
  set(v, "chart", svg.data ? svg.data : "");
  set(v, "months_table", table.data ? table.data : "");
  set(v, "top", top.data ? top.data : "");
  rl_buf_free(&t_all);
  rl_buf_free(&t_year);
  rl_buf_free(&svg);
  rl_buf_free(&table);
  rl_buf_free(&top);
  if (bad) {
    json_decref(v);
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  rl_reply_template(res, 200, "impact.html", v, "public, max-age=300");
}
