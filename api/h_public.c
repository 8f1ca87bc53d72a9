/* Public, key-less views: a resident's repair tracking (JSON and page),
 * the page a device's label opens and the page a parts bin's label opens.
 * Rate-limited per address by the router, whose 404 and 429 answers to
 * browsers are the pages here too. The JSON view takes no query parameter,
 * like the rest of the API; the pages read `lang` and ignore any other, on
 * purpose: a link shared in a messenger comes back with tracking
 * parameters added, and the resident must still see their page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/page.h"
#include "api/problem.h"
#include "api/public.h"
#include "api/routes.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/part.h"
#include "core/tracking.h"

static const char *brand(enum rl_lang l)
{
  return l == RL_LANG_EN ? "Repair café – second life for devices"
                         : "Repair café – seconde vie des appareils";
}

static void set(json_t *v, const char *k, const char *s)
{
  json_object_set_new(v, k, json_string(s ? s : ""));
}

void rl_public_page_values(json_t *v, enum rl_lang l)
{
  set(v, "lang", l == RL_LANG_EN ? "en" : "fr");
  set(v, "other_lang", l == RL_LANG_EN ? "fr" : "en");
  set(v, "t_other", l == RL_LANG_EN ? "Version française" : "English version");
  set(v, "t_brand", brand(l));
}

/* A page that only says something went wrong, and how to go on. */
static void notice_page(struct rl_req *req, struct _u_response *res, unsigned status,
                        const char *title_fr, const char *title_en, const char *text_fr,
                        const char *text_en)
{
  enum rl_lang l = rl_page_lang(req);
  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_title", l == RL_LANG_EN ? title_en : title_fr);
  set(v, "t_text", l == RL_LANG_EN ? text_en : text_fr);
  set(v, "t_home", l == RL_LANG_EN ? "Home page" : "Page d'accueil");
  rl_reply_template(res, status, "notice.html", v, "no-store");
}

void rl_public_not_found(struct rl_req *req, struct _u_response *res, int rc)
{
  if (rc != RL_ENOTFOUND && rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  notice_page(req, res, 404, "Lien non reconnu", "Link not recognised",
              "Ce lien n'ouvre rien. Vérifiez-le sur votre reçu, ou demandez à l'accueil du "
              "repair café.",
              "This link does not open anything. Check it against your receipt, or ask at the "
              "repair café's desk.");
}

/* Whether an Accept header lists text/html with a weight above 0. */
static int accepts_html(const char *accept)
{
  const char *p = accept;
  while (p != NULL && *p != '\0') {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *end = p + strcspn(p, ",");
    size_t type = strcspn(p, ";, \t");
    double q = 1.0;
    for (const char *s = memchr(p, ';', (size_t)(end - p)); s != NULL;
         s = memchr(s + 1, ';', (size_t)(end - s - 1))) {
      const char *k = s + 1;
      while (*k == ' ' || *k == '\t')
        k++;
      if ((*k == 'q' || *k == 'Q') && k[1] == '=')
        q = strtod(k + 2, NULL);
    }
    if (type == 9 && strncasecmp(p, "text/html", 9) == 0 && q > 0)
      return 1;
    p = end;
  }
  return 0;
}

int rl_public_wants_page(const struct rl_req *req)
{
  return strncmp(req->u->url_path, "/api/", 5) != 0 && accepts_html(rl_header(req, "Accept"));
}

void rl_public_no_route(struct rl_req *req, struct _u_response *res)
{
  int page = rl_public_wants_page(req);
  if (page)
    notice_page(req, res, 404, "Page introuvable", "Page not found",
                "Il n'y a pas de page à cette adresse. Si vous l'avez tapée, vérifiez-la ; "
                "le code QR de votre reçu ouvre directement la bonne page.",
                "There is no page at this address. If you typed it, check it; the QR code on "
                "your receipt opens the right page directly.");
  else
    rl_reply_error(res, API_EROUTE, "no such path");
  u_map_put(res->map_header, "Vary", page ? "Accept, Accept-Language" : "Accept");
}

void rl_public_rate_limited(struct rl_req *req, struct _u_response *res, unsigned retry_after)
{
  int page = rl_public_wants_page(req);
  if (page)
    notice_page(req, res, 429, "Trop de demandes", "Too many requests",
                "Beaucoup de pages ont été ouvertes depuis votre connexion en peu de temps. "
                "Attendez une minute, puis rechargez la page.",
                "Many pages were opened from your connection in a short time. Wait a minute, "
                "then reload the page.");
  else
    rl_reply_error(res, API_ERATELIMIT, "too many requests from your address; wait a moment");
  char ra[16];
  snprintf(ra, sizeof ra, "%u", retry_after);
  u_map_put(res->map_header, "Retry-After", ra);
  u_map_put(res->map_header, "Vary", page ? "Accept, Accept-Language" : "Accept");
}

void h_track_json(struct rl_req *req, struct _u_response *res)
{
  json_t *t;
  if (rl_check_query(req, res, fields_none, &t) != 0)
    return;
  json_decref(t);
  int rc = tracking_by_token(&t, rl_path(req, "token"));
  if (rc != RL_OK) {
    rl_reply_error(res, rc, rc == RL_ENOTFOUND ? "this tracking link opens nothing" : NULL);
    return;
  }
  rl_reply_json(res, 200, t);
  u_map_put(res->map_header, "Cache-Control", "no-store");
  u_map_put(res->map_header, "Referrer-Policy", "no-referrer");
}

void h_track_page(struct rl_req *req, struct _u_response *res)
{
  json_t *t;
  int rc = tracking_by_token(&t, rl_path(req, "token"));
  if (rc != RL_OK) {
    rl_public_not_found(req, res, rc);
    return;
  }
  enum rl_lang l = rl_page_lang(req);
  const char *status = json_string_value(json_object_get(t, "status"));
  const json_t *cat = json_object_get(t, "category"), *site = json_object_get(t, "site");

  struct rl_buf timeline = {0};
  size_t i;
  json_t *step;
  json_array_foreach(json_object_get(t, "timeline"), i, step) {
    const char *at = json_string_value(json_object_get(step, "at"));
    char date[32];
    rl_date_fr(date, sizeof date, at);
    rl_buf_add(&timeline, "<li><time datetime=\"");
    rl_buf_add_html(&timeline, at);
    rl_buf_add(&timeline, "\">");
    rl_buf_add_html(&timeline, date);
    rl_buf_add(&timeline, "</time>");
    rl_buf_add_html(&timeline,
                    tracking_status_label(json_string_value(json_object_get(step, "status")), l));
    rl_buf_add(&timeline, "</li>");
  }
  if (rl_buf_status(&timeline) != RL_OK) {
    rl_buf_free(&timeline);
    json_decref(t);
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }

  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_title", l == RL_LANG_EN ? "Your repair" : "Votre réparation");
  set(v, "t_now", l == RL_LANG_EN ? "Where it stands" : "Où en est-elle ?");
  set(v, "t_history", l == RL_LANG_EN ? "Steps so far" : "Les étapes");
  set(v, "t_where", l == RL_LANG_EN ? "Where to find us" : "Où nous trouver");
  set(v, "code", json_string_value(json_object_get(t, "code")));
  set(v, "category",
      json_string_value(json_object_get(cat, l == RL_LANG_EN ? "name_en" : "name_fr")));
  set(v, "status_label", tracking_status_label(status, l));
  set(v, "message", tracking_status_message(status, l));
  set(v, "site_name", json_string_value(json_object_get(site, "name")));
  set(v, "site_address", json_string_value(json_object_get(site, "address")));
  set(v, "site_hours", json_string_value(json_object_get(site, "opening_hours")));
  set(v, "timeline", timeline.data);
  rl_buf_free(&timeline);
  json_decref(t);
  rl_reply_template(res, 200, "track.html", v, "no-store");
}

void h_device_page(struct rl_req *req, struct _u_response *res)
{
  json_t *t;
  int rc = tracking_by_code(&t, rl_path(req, "code"));
  if (rc != RL_OK) {
    rl_public_not_found(req, res, rc);
    return;
  }
  enum rl_lang l = rl_page_lang(req);
  const json_t *cat = json_object_get(t, "category");
  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_status", l == RL_LANG_EN ? "Status" : "État");
  set(v, "t_site", l == RL_LANG_EN ? "Site" : "Lieu");
  set(v, "code", json_string_value(json_object_get(t, "code")));
  set(v, "category",
      json_string_value(json_object_get(cat, l == RL_LANG_EN ? "name_en" : "name_fr")));
  set(v, "status_label", tracking_status_label(json_string_value(json_object_get(t, "status")), l));
  set(v, "site_name", json_string_value(json_object_get(json_object_get(t, "site"), "name")));
  json_decref(t);
  rl_reply_template(res, 200, "device.html", v, "public, max-age=60");
}

/* Whether each active site has the part, yes or no: never how many, and
 * never who took or gave one. */
void h_part_page(struct rl_req *req, struct _u_response *res)
{
  json_t *p;
  int rc = part_public(&p, rl_path(req, "sku"));
  if (rc != RL_OK) {
    rl_public_not_found(req, res, rc);
    return;
  }
  enum rl_lang l = rl_page_lang(req);
  int en = l == RL_LANG_EN;
  struct rl_buf cats = {0}, sites = {0};
  size_t i;
  json_t *e;
  if (json_array_size(json_object_get(p, "categories")) == 0) {
    rl_buf_add(&cats, en ? "<p>No device category given.</p>"
                         : "<p>Aucune catégorie d'appareil indiquée.</p>");
  } else {
    rl_buf_add(&cats, "<ul class=\"categories\">");
    json_array_foreach(json_object_get(p, "categories"), i, e) {
      rl_buf_add(&cats, "<li>");
      rl_buf_add_html(&cats, json_string_value(json_object_get(e, en ? "name_en" : "name_fr")));
      rl_buf_add(&cats, "</li>");
    }
    rl_buf_add(&cats, "</ul>");
  }
  if (json_array_size(json_object_get(p, "sites")) == 0) {
    rl_buf_add(&sites, en ? "<p>No site is open at the moment.</p>"
                          : "<p>Aucun lieu n'est ouvert en ce moment.</p>");
  } else {
    rl_buf_add(&sites, "<ul class=\"stock\">");
    json_array_foreach(json_object_get(p, "sites"), i, e) {
      int yes = json_is_true(json_object_get(e, "in_stock"));
      rl_buf_add(&sites, yes ? "<li class=\"in-stock\">" : "<li class=\"out-of-stock\">");
      rl_buf_add_html(&sites, json_string_value(json_object_get(e, "name")));
      rl_buf_add(&sites, en ? ": <strong>" : " : <strong>");
      rl_buf_add(&sites,
                 yes ? (en ? "in stock" : "en stock") : (en ? "out of stock" : "pas en stock"));
      rl_buf_add(&sites, "</strong></li>");
    }
    rl_buf_add(&sites, "</ul>");
  }
  if (rl_buf_status(&cats) != RL_OK || rl_buf_status(&sites) != RL_OK) {
    rl_buf_free(&cats);
    rl_buf_free(&sites);
    json_decref(p);
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_fits", en ? "Fits" : "Convient pour");
  set(v, "t_where", en ? "Where to find it" : "Où la trouver");
  set(v, "sku", json_string_value(json_object_get(p, "sku")));
  set(v, "name", json_string_value(json_object_get(p, "name")));
  set(v, "categories", cats.data);
  set(v, "sites", sites.data);
  rl_buf_free(&cats);
  rl_buf_free(&sites);
  json_decref(p);
  rl_reply_template(res, 200, "part.html", v, "public, max-age=60");
}
