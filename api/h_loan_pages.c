/* What the loan programme shows outside the desk's API: the agreement a
 * member signs (a PDF, from labels/agreement.c), the loan's public page
 * behind the agreement's QR code, and the public catalogue of what can be
 * borrowed (JSON and a page). The pages follow the tracking page: `lang`
 * or Accept-Language, any other parameter ignored, the 404 page for a
 * link that opens nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/page.h"
#include "api/problem.h"
#include "api/public.h"
#include "api/routes.h"
#include "core/buf.h"
#include "core/catalogue.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/loan_doc.h"
#include "core/privacy.h"
#include "core/spec.h"
#include "labels/agreement.h"

static const char *str(const json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

static void set(json_t *v, const char *k, const char *s)
{
  json_object_set_new(v, k, json_string(s ? s : ""));
}

/* Strings the agreement points into, worded in its language. */
struct agreement_text {
  char brand_model[2 * 400 + 2], start[48], due[48], deposit[160], qr[640];
};

static void agreement_of(struct agreement *a, struct agreement_text *t, const json_t *doc,
                         enum rl_lang l, const struct rl_config *cfg)
{
  const json_t *device = json_object_get(doc, "device"), *site = json_object_get(doc, "site");
  const json_t *member = json_object_get(doc, "member");
  int en = l == RL_LANG_EN;
  snprintf(t->brand_model, sizeof t->brand_model, "%s%s%s", str(device, "brand"),
           *str(device, "model") ? " " : "", str(device, "model"));
  loan_doc_date(t->start, sizeof t->start, str(doc, "start_date"), l);
  loan_doc_date(t->due, sizeof t->due, str(doc, "due_date"), l);
  loan_doc_deposit(t->deposit, sizeof t->deposit, json_object_get(doc, "deposit"),
                   cfg->loans.currency, l);
  snprintf(t->qr, sizeof t->qr, "%s/l/%s", cfg->public_url, str(doc, "token"));
  *a = (struct agreement){
      .lang = en ? AGREEMENT_EN : AGREEMENT_FR,
      .loan_id = (long long)json_integer_value(json_object_get(doc, "id")),
      .device_code = str(device, "code"),
      .category = str(json_object_get(doc, "category"), en ? "name_en" : "name_fr"),
      .brand_model = t->brand_model,
      .checkout_condition = str(doc, "checkout_condition"),
      .member_number = str(member, "number"),
      .member_name = json_string_value(json_object_get(member, "name")),
      .start_date = t->start,
      .due_date = t->due,
      .deposit = t->deposit,
      .site_name = str(site, "name"),
      .site_address = str(site, "address"),
      .site_hours = str(site, "opening_hours"),
      .conditions = str(site, en ? "loan_conditions_en" : "loan_conditions_fr"),
      .qr = t->qr,
  };
}

void h_loan_agreement(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_agreement_query, &query) != 0)
    return;
  const char *format = rl_spec_str(query, "format"), *lang = rl_spec_str(query, "lang");
  int receipt = format && strcmp(format, "receipt") == 0;
  int with_name = json_is_true(json_object_get(query, "name"));
  int lang_asked = lang != NULL, lang_en = lang && strcmp(lang, "en") == 0;
  json_decref(query);

  json_t *doc, *errors;
  int rc = loan_doc_agreement(&doc, &errors, rl_path(req, "id"), with_name);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, "no loan has this id");
    return;
  }
  enum rl_lang l = lang_asked ? (lang_en ? RL_LANG_EN : RL_LANG_FR)
                   : strcmp(str(json_object_get(doc, "member"), "language"), "en") == 0
                       ? RL_LANG_EN
                       : RL_LANG_FR;
  struct agreement a;
  struct agreement_text text = {0};
  agreement_of(&a, &text, doc, l, req->cfg);
  unsigned char *pdf = NULL;
  size_t len = 0;
  rc = agreement_render(&pdf, &len, receipt ? AGREEMENT_RECEIPT : AGREEMENT_A4, &a);
  /* The member's name is printed: a read of their contact (forgotten if
   * the reply ends as a problem). */
  if (a.member_name != NULL)
    rl_read_record(req, PRIVACY_MEMBER, a.member_number);
  json_decref(doc);
  if (rc != LABEL_OK) {
    rl_reply_error(res, rc == LABEL_ENOMEM ? RL_ENOMEM : API_EINTERNAL, label_strerror(rc));
    return;
  }
  rl_reply_bytes(res, 200, "application/pdf", pdf, len);
  free(pdf);
  char disp[96];
  snprintf(disp, sizeof disp, "inline; filename=\"loan-%lld-%s.pdf\"", a.loan_id,
           receipt ? "receipt" : "agreement");
  u_map_put(res->map_header, "Content-Disposition", disp);
  u_map_put(res->map_header, "Content-Language", l == RL_LANG_EN ? "en" : "fr");
}

/* The loan's state for the borrower: returned, overdue or due, worded. */
static void loan_state(json_t *v, const json_t *loan, enum rl_lang l)
{
  int en = l == RL_LANG_EN;
  char due[48], returned[48], msg[400];
  loan_doc_date(due, sizeof due, str(loan, "due_date"), l);
  long long late = json_integer_value(json_object_get(loan, "days_overdue"));
  const char *returned_on = json_string_value(json_object_get(loan, "returned_on"));
  set(v, "due_date", str(loan, "due_date"));
  set(v, "due_words", due);
  if (returned_on) {
    loan_doc_date(returned, sizeof returned, returned_on, l);
    set(v, "state", "returned");
    set(v, "state_label", en ? "Returned" : "Rendu");
    snprintf(msg, sizeof msg,
             en ? "This device was brought back on %s. Thank you!"
                : "Cet appareil a été rapporté le %s. Merci !",
             returned);
  } else if (late > 0) {
    set(v, "state", "overdue");
    set(v, "state_label", en ? "Overdue" : "En retard");
    snprintf(msg, sizeof msg,
             en ? "It was due back on %s, %lld day%s ago. Please bring it back as soon as you can "
                  "during opening hours, or come and talk to the desk."
                : "Il était à rendre le %s, il y a %lld jour%s. Rapportez-le dès que possible aux "
                  "heures d'ouverture, ou venez en parler à l'accueil.",
             due, late, late > 1 ? "s" : "");
  } else {
    set(v, "state", "open");
    set(v, "state_label", en ? "On loan" : "En prêt");
    snprintf(msg, sizeof msg,
             en ? "Bring it back by %s during opening hours. Need more time? Ask the desk for a "
                  "renewal before then."
                : "À rapporter au plus tard le %s, aux heures d'ouverture. Besoin de plus de "
                  "temps ? Demandez une prolongation à l'accueil avant cette date.",
             due);
  }
  set(v, "message", msg);
}

void h_loan_page(struct rl_req *req, struct _u_response *res)
{
  json_t *loan;
  int rc = loan_doc_public(&loan, rl_path(req, "token"), req->cfg->timezone);
  if (rc != RL_OK) {
    rl_public_not_found(req, res, rc);
    return;
  }
  enum rl_lang l = rl_page_lang(req);
  int en = l == RL_LANG_EN;
  const json_t *site = json_object_get(loan, "site");
  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_title", en ? "Your loan" : "Votre prêt");
  set(v, "t_now", en ? "Where it stands" : "Où en est-il ?");
  set(v, "t_due", en ? "Due back by" : "À rendre au plus tard le");
  set(v, "t_where", en ? "Where to bring it back" : "Où le rapporter");
  set(v, "category", str(json_object_get(loan, "category"), en ? "name_en" : "name_fr"));
  loan_state(v, loan, l);
  set(v, "site_name", str(site, "name"));
  set(v, "site_address", str(site, "address"));
  set(v, "site_hours", str(site, "opening_hours"));
  json_decref(loan);
  rl_reply_template(res, 200, "loan.html", v, "no-store");
}

void h_catalogue_json(struct rl_req *req, struct _u_response *res)
{
  json_t *c;
  if (rl_check_query(req, res, fields_none, &c) != 0)
    return;
  json_decref(c);
  int rc = catalogue_get(&c);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  rl_reply_json(res, 200, c);
  u_map_put(res->map_header, "Cache-Control", "public, max-age=60");
}

static void add_count(struct rl_buf *b, long long n, const char *one, const char *many)
{
  char s[96];
  snprintf(s, sizeof s, "%lld %s", n, n > 1 ? many : one);
  rl_buf_add_html(b, s);
}

/* One category of a site: its name, then how many now and how many wait. */
static void catalogue_line(struct rl_buf *b, const json_t *e, int en, int at_site)
{
  long long available = json_integer_value(json_object_get(e, "available"));
  long long waiting = json_integer_value(json_object_get(e, "waiting"));
  rl_buf_add(b, at_site && available > 0 ? "<li class=\"in-stock\"><strong>" : "<li><strong>");
  rl_buf_add_html(b, str(e, en ? "name_en" : "name_fr"));
  rl_buf_add(b, en ? "</strong>: " : "</strong> : ");
  if (at_site) {
    if (available > 0)
      add_count(b, available, en ? "available" : "disponible", en ? "available" : "disponibles");
    else
      rl_buf_add(b, en ? "none available" : "aucun disponible");
    rl_buf_add(b, " · ");
  }
  if (waiting > 0)
    add_count(b, waiting, en ? "person waiting" : "personne en attente",
              en ? "people waiting" : "personnes en attente");
  else
    rl_buf_add(b, en ? "no one waiting" : "aucune attente");
  rl_buf_add(b, "</li>");
}

static void catalogue_sites(struct rl_buf *b, const json_t *c, int en)
{
  size_t i, k;
  json_t *site, *e;
  if (json_array_size(json_object_get(c, "sites")) == 0)
    rl_buf_add(b, en ? "<p>No site is open at the moment.</p>"
                     : "<p>Aucun lieu n'est ouvert en ce moment.</p>");
  json_array_foreach(json_object_get(c, "sites"), i, site) {
    char id[32];
    snprintf(id, sizeof id, "site-%zu", i + 1);
    rl_buf_add(b, "<section aria-labelledby=\"");
    rl_buf_add(b, id);
    rl_buf_add(b, "\"><h2 id=\"");
    rl_buf_add(b, id);
    rl_buf_add(b, "\">");
    rl_buf_add_html(b, str(site, "name"));
    rl_buf_add(b, "</h2>");
    if (*str(site, "opening_hours")) {
      rl_buf_add(b, "<p class=\"hours\">");
      rl_buf_add_html(b, str(site, "opening_hours"));
      rl_buf_add(b, "</p>");
    }
    const json_t *cats = json_object_get(site, "categories");
    if (json_array_size(cats) == 0) {
      rl_buf_add(b, en ? "<p>Nothing to lend here at the moment.</p>"
                       : "<p>Rien à prêter ici pour le moment.</p>");
    } else {
      rl_buf_add(b, "<ul class=\"stock\">");
      json_array_foreach(cats, k, e) {
        catalogue_line(b, e, en, 1);
      }
      rl_buf_add(b, "</ul>");
    }
    rl_buf_add(b, "</section>");
  }
  const json_t *any = json_object_get(c, "waiting_any_site");
  if (json_array_size(any) > 0) {
    rl_buf_add(b, en ? "<section aria-labelledby=\"any\"><h2 id=\"any\">Waiting at any site</h2>"
                     : "<section aria-labelledby=\"any\"><h2 id=\"any\">En attente dans "
                       "n'importe quel lieu</h2>");
    rl_buf_add(b, "<ul class=\"stock\">");
    json_array_foreach(any, k, e) {
      catalogue_line(b, e, en, 0);
    }
    rl_buf_add(b, "</ul></section>");
  }
}

void h_catalogue_page(struct rl_req *req, struct _u_response *res)
{
  json_t *c;
  int rc = catalogue_get(&c);
  if (rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  enum rl_lang l = rl_page_lang(req);
  int en = l == RL_LANG_EN;
  struct rl_buf sites = {0};
  catalogue_sites(&sites, c, en);
  json_decref(c);
  if (rl_buf_status(&sites) != RL_OK) {
    rl_buf_free(&sites);
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_title", en ? "Devices to borrow" : "Appareils à emprunter");
  set(v, "t_intro",
      en ? "Refurbished devices lent to residents who have none. Come during a site's opening "
           "hours; if none is available, the desk puts you on the waiting list and keeps the "
           "next one for you."
         : "Des appareils reconditionnés prêtés aux habitant·es qui n'en ont pas. Venez aux "
           "heures d'ouverture d'un lieu ; s'il n'y en a plus, l'accueil vous inscrit sur la "
           "liste d'attente et vous réserve le prochain.");
  set(v, "sites", sites.data);
  rl_buf_free(&sites);
  rl_reply_template(res, 200, "catalogue.html", v, "public, max-age=60");
}
