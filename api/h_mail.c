/* E-mail to residents over HTTP (docs/notifications.md): the one-click
 * way to stop them (RFC 8058), a public page behind the secret token that
 * each message's List-Unsubscribe header and footer carry, and the lists
 * of messages volunteers read on a device or a loan. */
#include <string.h>
#include <strings.h>

#include "api/page.h"
#include "api/public.h"
#include "api/routes.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/mail_queue.h"
#include "core/spec.h"

static void set(json_t *v, const char *k, const char *s)
{
  json_object_set_new(v, k, json_string(s ? s : ""));
}

/* ?lang= when asked, else the person's own language. */
static enum rl_lang page_lang(const struct rl_req *req, const char *language)
{
  if (rl_param(req, "lang") != NULL)
    return rl_page_lang(req);
  return strcmp(language, "en") == 0 ? RL_LANG_EN : RL_LANG_FR;
}

/* The page, asking (notify still on) or saying it is done. */
static void unsubscribe_page(struct rl_req *req, struct _u_response *res, enum rl_lang l,
                             int asking)
{
  int en = l == RL_LANG_EN;
  json_t *v = json_object();
  rl_public_page_values(v, l);
  set(v, "t_title", en ? "E-mail from the repair café" : "Les e-mails du repair café");
  set(v, "t_now", en ? "Your choice" : "Votre choix");
  set(v, "state", asking ? "open" : "done");
  struct rl_buf form = {0};
  if (asking) {
    set(v, "message",
        en ? "You get an e-mail when your repair is finished or when a loan is due back. "
             "Would you rather not?"
           : "Vous recevez un e-mail quand votre réparation est terminée ou quand un prêt "
             "arrive à échéance. Vous préférez ne plus en recevoir ?");
    rl_buf_add(&form, "<form method=\"post\">"
                      "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                      "<button type=\"submit\" class=\"button\">");
    rl_buf_add_html(&form, en ? "Stop these e-mails" : "Ne plus recevoir ces e-mails");
    rl_buf_add(&form, "</button></form>");
  } else {
    set(v, "message",
        en ? "Done: you will not get these e-mails any more. Your repair or loan goes on as "
             "before."
           : "C'est fait : vous ne recevrez plus ces e-mails. Votre réparation ou votre prêt "
             "continue comme avant.");
  }
  set(v, "t_more",
      en ? "Changed your mind? Ask at the desk: a volunteer can turn them back on."
         : "Vous changez d'avis ? Demandez à l'accueil : un·e bénévole peut les remettre.");
  if (rl_buf_status(&form) != RL_OK) {
    rl_buf_free(&form);
    json_decref(v);
    rl_reply_error(res, RL_ENOMEM, NULL);
    return;
  }
  json_object_set_new(v, "form", json_string(form.data ? form.data : ""));
  rl_buf_free(&form);
  rl_reply_template(res, 200, "unsubscribe.html", v, "no-store");
  /* The page's own form posts back to this page, and nowhere else. */
  u_map_put(res->map_header, "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'none'");
  (void)req;
}

void h_unsubscribe_page(struct rl_req *req, struct _u_response *res)
{
  const char *language;
  int notify;
  int rc = mail_queue_unsubscribe_get(&language, &notify, rl_path(req, "token"));
  if (rc != RL_OK) {
    rl_public_not_found(req, res, rc);
    return;
  }
  unsubscribe_page(req, res, page_lang(req, language), notify);
}

/* RFC 8058: the body is List-Unsubscribe=One-Click, form-encoded, from a
 * mail client's button or from the page's form. */
/* RFC 8058 §3.2: a mail client posts List-Unsubscribe=One-Click as
 * multipart/form-data (it SHOULD) or as a urlencoded form. */
static int one_click_multipart(const char *b, size_t n)
{
  static const char name[] = "name=\"List-Unsubscribe\"";
  static const char value[] = "One-Click";
  const char *end = b + n;
  for (const char *p = b; p && p + sizeof name - 1 <= end; p++) {
    p = memchr(p, 'n', (size_t)(end - p));
    if (p == NULL || (size_t)(end - p) < sizeof name - 1)
      return 0;
    if (memcmp(p, name, sizeof name - 1) != 0)
      continue;
    /* The part's headers end at a blank line; its content follows. */
    for (const char *q = p; q + 4 <= end; q++)
      if (memcmp(q, "\r\n\r\n", 4) == 0) {
        const char *v = q + 4;
        return (size_t)(end - v) >= sizeof value - 1 && memcmp(v, value, sizeof value - 1) == 0 &&
               ((size_t)(end - v) == sizeof value - 1 || v[sizeof value - 1] == '\r');
      }
    return 0;
  }
  return 0;
}

static int one_click(const struct rl_req *req)
{
  const char *b = req->u->binary_body;
  size_t n = req->u->binary_body_length;
  if (b == NULL)
    return 0;
  const char *type = rl_header(req, "Content-Type");
  if (type != NULL && strncasecmp(type, "multipart/form-data", 19) == 0)
    return one_click_multipart(b, n);
  static const char want[] = "List-Unsubscribe=One-Click";
  size_t w = sizeof want - 1;
  for (size_t i = 0; i + w <= n; i++)
    if ((i == 0 || b[i - 1] == '&') && memcmp(b + i, want, w) == 0 &&
        (i + w == n || b[i + w] == '&' || b[i + w] == '\r' || b[i + w] == '\n'))
      return 1;
  return 0;
}

void h_unsubscribe(struct rl_req *req, struct _u_response *res)
{
  if (!one_click(req)) {
    rl_reply_bad_field(res, "List-Unsubscribe", "not_one_click",
                       "must be One-Click (RFC 8058), as a form field");
    return;
  }
  const char *language;
  int rc = mail_queue_unsubscribe(&language, rl_path(req, "token"));
  if (rc != RL_OK) {
    rl_public_not_found(req, res, rc);
    return;
  }
  unsubscribe_page(req, res, page_lang(req, language), 0);
}

static void messages(struct rl_req *req, struct _u_response *res, int loan)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors = NULL;
  char next[RL_SPEC_CURSOR_MAX];
  int rc;
  if (loan) {
    long long id = rl_parse_id(rl_path(req, "id"));
    rc = id > 0 ? mail_queue_loan(&items, next, &errors, id, rl_spec_str(query, "cursor"),
                                  rl_spec_limit(query))
                : RL_ENOTFOUND;
  } else {
    rc = mail_queue_device(&items, next, &errors, rl_path(req, "code"),
                           rl_spec_str(query, "cursor"), rl_spec_limit(query));
  }
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, loan ? "no loan has this id" : "no device has this code");
    return;
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_devices_messages(struct rl_req *req, struct _u_response *res) { messages(req, res, 0); }

void h_loans_messages(struct rl_req *req, struct _u_response *res) { messages(req, res, 1); }
