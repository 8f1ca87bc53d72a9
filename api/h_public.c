/* Public, key-less views: a resident's repair tracking (JSON and page) and
 * the page a device's label opens. Rate-limited per address by the router.
 * The JSON view takes no query parameter, like the rest of the API; the
 * pages read `lang` and ignore any other, on purpose: a link shared in a
 * messenger comes back with tracking parameters added, and the resident
 * must still see their page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/page.h"
#include "api/routes.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/tracking.h"

static const char *brand(enum rl_lang l)
{
  return l == RL_LANG_EN ? "Repair café – second life for devices"
                         : "Repair café – seconde vie des appareils";
}

static void set(json_t *v, const char *k, const char *s) { json_object_set_new(v, k, json_string(s ? s : "")); }

static void lang_values(json_t *v, enum rl_lang l)
{
  set(v, "lang", l == RL_LANG_EN ? "en" : "fr");
  set(v, "other_lang", l == RL_LANG_EN ? "fr" : "en");
  set(v, "t_other", l == RL_LANG_EN ? "Version française" : "English version");
  set(v, "t_brand", brand(l));
}

static void not_found_page(struct rl_req *req, struct _u_response *res, int rc)
{
  if (rc != RL_ENOTFOUND && rc != RL_OK) {
    rl_reply_error(res, rc, NULL);
    return;
  }
  enum rl_lang l = rl_page_lang(req);
  json_t *v = json_object();
  lang_values(v, l);
  set(v, "t_title", l == RL_LANG_EN ? "Link not recognised" : "Lien non reconnu");
  set(v, "t_text", l == RL_LANG_EN
                       ? "This link does not open anything. Check it against your receipt, or ask "
                         "at the repair café's desk."
                       : "Ce lien n'ouvre rien. Vérifiez-le sur votre reçu, ou demandez à "
                         "l'accueil du repair café.");
  size_t len;
  char *html = rl_page_render("notfound.html", v, &len);
  json_decref(v);
  if (html == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  rl_reply_page(res, 404, html, len, "no-store");
  free(html);
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
    not_found_page(req, res, rc);
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

  json_t *v = json_object();
  lang_values(v, l);
  set(v, "t_title", l == RL_LANG_EN ? "Your repair" : "Votre réparation");
  set(v, "t_now", l == RL_LANG_EN ? "Where it stands" : "Où en est-elle ?");
  set(v, "t_history", l == RL_LANG_EN ? "Steps so far" : "Les étapes");
  set(v, "t_where", l == RL_LANG_EN ? "Where to find us" : "Où nous trouver");
  set(v, "code", json_string_value(json_object_get(t, "code")));
  set(v, "category", json_string_value(json_object_get(cat, l == RL_LANG_EN ? "name_en" : "name_fr")));
  set(v, "status_label", tracking_status_label(status, l));
  set(v, "message", tracking_status_message(status, l));
  set(v, "site_name", json_string_value(json_object_get(site, "name")));
  set(v, "site_address", json_string_value(json_object_get(site, "address")));
  set(v, "site_hours", json_string_value(json_object_get(site, "opening_hours")));
  set(v, "timeline", timeline.p);
  free(timeline.p);
  json_decref(t);
  size_t len;
  char *html = rl_page_render("track.html", v, &len);
  json_decref(v);
  if (html == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  rl_reply_page(res, 200, html, len, "no-store");
  free(html);
}

void h_device_page(struct rl_req *req, struct _u_response *res)
{
  json_t *t;
  int rc = tracking_by_code(&t, rl_path(req, "code"));
  if (rc != RL_OK) {
    not_found_page(req, res, rc);
    return;
  }
  enum rl_lang l = rl_page_lang(req);
  const json_t *cat = json_object_get(t, "category");
  json_t *v = json_object();
  lang_values(v, l);
  set(v, "t_status", l == RL_LANG_EN ? "Status" : "État");
  set(v, "t_site", l == RL_LANG_EN ? "Site" : "Lieu");
  set(v, "code", json_string_value(json_object_get(t, "code")));
  set(v, "category", json_string_value(json_object_get(cat, l == RL_LANG_EN ? "name_en" : "name_fr")));
  set(v, "status_label", tracking_status_label(json_string_value(json_object_get(t, "status")), l));
  set(v, "site_name", json_string_value(json_object_get(json_object_get(t, "site"), "name")));
  json_decref(t);
  size_t len;
  char *html = rl_page_render("device.html", v, &len);
  json_decref(v);
  if (html == NULL) {
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  rl_reply_page(res, 200, html, len, "public, max-age=60");
  free(html);
}
