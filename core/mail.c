/* Messages to residents (core/mail.h): the words, then the bytes. */
#include "core/mail.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/loan_doc.h"

/* Longest line we write, and longest encoded word (RFC 2047 section 2). */
#define LINE_MAX_CHARS 76
#define WORD_MAX 75

static int has(const char *s) { return s != NULL && s[0] != '\0'; }

/* --- the words ------------------------------------------------------------ */

/* Writes the text and the HTML part side by side. */
struct two {
  struct rl_buf text, html;
};

static void para(struct two *w, const char *s)
{
  rl_buf_add(&w->text, s);
  rl_buf_add(&w->text, "\n\n");
  rl_buf_add(&w->html, "<p style=\"margin:0 0 1em\">");
  rl_buf_add_html(&w->html, s);
  rl_buf_add(&w->html, "</p>\n");
}

static void paraf(struct two *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void paraf(struct two *w, const char *fmt, ...)
{
  char s[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s, sizeof s, fmt, ap);
  va_end(ap);
  para(w, s);
}

/* A block of short lines (a label and its value), NULL values skipped. */
static void facts(struct two *w, const char *const *pairs, size_t n)
{
  rl_buf_add(&w->html, "<table role=\"presentation\" style=\"margin:0 0 1em;border-collapse:"
                       "collapse\">\n");
  for (size_t i = 0; i + 1 < n; i += 2) {
    if (!has(pairs[i + 1]))
      continue;
    rl_buf_printf(&w->text, "  %s %s\n", pairs[i], pairs[i + 1]);
    rl_buf_add(&w->html, "<tr><th scope=\"row\" style=\"text-align:left;padding:0 1em 0 0;"
                         "font-weight:normal;color:#555\">");
    rl_buf_add_html(&w->html, pairs[i]);
    rl_buf_add(&w->html, "</th><td style=\"padding:0\"><strong>");
    rl_buf_add_html(&w->html, pairs[i + 1]);
    rl_buf_add(&w->html, "</strong></td></tr>\n");
  }
  rl_buf_add(&w->text, "\n");
  rl_buf_add(&w->html, "</table>\n");
}

/* The site where to come, as an address block. */
static void site(struct two *w, const struct mail_content *c, const char *label)
{
  int en = c->lang == RL_LANG_EN;
  rl_buf_printf(&w->text, "%s\n", label);
  rl_buf_add(&w->html, "<p style=\"margin:0 0 1em\">");
  rl_buf_add_html(&w->html, label);
  rl_buf_add(&w->html, "<br>\n<strong>");
  rl_buf_add_html(&w->html, c->site_name);
  rl_buf_add(&w->html, "</strong>");
  rl_buf_printf(&w->text, "  %s\n", c->site_name ? c->site_name : "");
  if (has(c->site_address)) {
    rl_buf_printf(&w->text, "  %s\n", c->site_address);
    rl_buf_add(&w->html, "<br>\n");
    rl_buf_add_html(&w->html, c->site_address);
  }
  if (has(c->site_hours)) {
    rl_buf_printf(&w->text, "  %s %s\n", en ? "Opening hours:" : "Horaires :", c->site_hours);
    rl_buf_add(&w->html, "<br>\n");
    rl_buf_add_html(&w->html, en ? "Opening hours: " : "Horaires : ");
    rl_buf_add_html(&w->html, c->site_hours);
  }
  rl_buf_add(&w->text, "\n");
  rl_buf_add(&w->html, "</p>\n");
}

/* The text says "label:" and the URL; the HTML part links the words. */
static void link(struct two *w, const char *label, const char *words, const char *url)
{
  rl_buf_printf(&w->text, "%s\n%s\n\n", label, url);
  rl_buf_add(&w->html, "<p style=\"margin:0 0 1em\"><a href=\"");
  rl_buf_add_html(&w->html, url);
  rl_buf_add(&w->html, "\" style=\"color:#0b5394\">");
  rl_buf_add_html(&w->html, words);
  rl_buf_add(&w->html, "</a></p>\n");
}

/* "Lenovo T440" */
static void device_words(char *out, size_t cap, const struct mail_content *c)
{
  snprintf(out, cap, "%s%s%s", c->brand ? c->brand : "", has(c->model) ? " " : "",
           has(c->model) ? c->model : "");
}

static void when_due(char *out, size_t cap, int days, int en)
{
  if (days <= 0)
    snprintf(out, cap, "%s", en ? "today" : "aujourd'hui");
  else if (days == 1)
    snprintf(out, cap, "%s", en ? "tomorrow" : "demain");
  else
    snprintf(out, cap, en ? "in %d days" : "dans %d jours", days);
}

static void repair_finished(struct two *w, char *subject, size_t cap, const struct mail_content *c)
{
  int en = c->lang == RL_LANG_EN;
  if (c->repaired) {
    snprintf(subject, cap,
             en ? "Good news: your device is repaired (%s)"
                : "Bonne nouvelle : votre appareil est réparé (%s)",
             c->code);
    para(w, en ? "Good news: our volunteers have repaired your device. It is ready for you."
               : "Bonne nouvelle : nos bénévoles ont réparé votre appareil. Il vous attend !");
  } else {
    snprintf(subject, cap,
             en ? "Your device could not be repaired (%s)"
                : "Votre appareil n'a pas pu être réparé (%s)",
             c->code);
    para(w, en ? "We are sorry: despite our volunteers' efforts, your device could not be "
                 "repaired."
               : "Nous sommes désolés : malgré les efforts de nos bénévoles, votre appareil "
                 "n'a pas pu être réparé.");
  }
  char dev[420];
  device_words(dev, sizeof dev, c);
  const char *pairs[] = {en ? "Device:" : "Appareil :", c->category, en ? "Make:" : "Marque :", dev,
                         en ? "Code:" : "Code :",       c->code};
  facts(w, pairs, sizeof pairs / sizeof *pairs);
  site(w, c,
       en ? "You can come and collect it during opening hours at:"
          : "Vous pouvez venir le récupérer aux heures d'ouverture, à :");
  para(w, en ? "Please bring your receipt, or give the code above at the desk."
             : "Pensez à apporter votre reçu, ou donnez le code ci-dessus à l'accueil.");
  if (!c->repaired)
    para(w, en ? "If you would rather not take it back, tell the desk: we will make sure it is "
                 "recycled properly, and its parts may help repair other devices."
               : "Si vous ne souhaitez pas le reprendre, dites-le à l'accueil : nous le "
                 "confierons à une filière de recyclage adaptée, et ses pièces pourront aider "
                 "à en réparer d'autres.");
  link(w, en ? "Follow your repair online:" : "Suivre votre réparation en ligne :",
       en ? "Follow your repair online" : "Suivre votre réparation en ligne", c->link);
  para(w, en ? "Thank you for choosing repair rather than throwing away."
             : "Merci d'avoir choisi la réparation plutôt que la poubelle.");
}

static void loan_due_soon(struct two *w, char *subject, size_t cap, const struct mail_content *c)
{
  int en = c->lang == RL_LANG_EN;
  char due[64], when[32], dev[420];
  loan_doc_date(due, sizeof due, c->due_date, c->lang);
  when_due(when, sizeof when, c->days, en);
  device_words(dev, sizeof dev, c);
  snprintf(subject, cap,
           en ? "Reminder: your loan is due back on %s" : "Rappel : votre prêt est à rendre le %s",
           due);
  paraf(w,
        en ? "A friendly reminder: the device you borrowed is due back on %s (%s)."
           : "Petit rappel : l'appareil que vous avez emprunté est à rendre le %s (%s).",
        due, when);
  const char *pairs[] = {en ? "Device:" : "Appareil :", c->category, en ? "Make:" : "Marque :", dev,
                         en ? "Code:" : "Code :",       c->code};
  facts(w, pairs, sizeof pairs / sizeof *pairs);
  site(w, c,
       en ? "Bring it back during opening hours at:" : "À rapporter aux heures d'ouverture, à :");
  para(w, en ? "Need more time? Ask the desk for a renewal before the due date, unless someone "
               "is waiting for it."
             : "Besoin de plus de temps ? Demandez une prolongation à l'accueil avant cette date, "
               "si personne n'attend cet appareil.");
  link(w, en ? "Your loan online:" : "Votre prêt en ligne :",
       en ? "See your loan online" : "Voir votre prêt en ligne", c->link);
}

static void loan_overdue(struct two *w, char *subject, size_t cap, const struct mail_content *c)
{
  int en = c->lang == RL_LANG_EN;
  char due[64], dev[420];
  loan_doc_date(due, sizeof due, c->due_date, c->lang);
  device_words(dev, sizeof dev, c);
  if (c->days < 7) {
    snprintf(subject, cap, en ? "Your loan was due back on %s" : "Votre prêt était à rendre le %s",
             due);
    paraf(w,
          en ? "The device you borrowed was due back on %s. It happens to everyone: please "
               "bring it back as soon as you can, during opening hours."
             : "L'appareil que vous avez emprunté était à rendre le %s. Un oubli arrive à tout "
               "le monde : merci de le rapporter dès que possible, aux heures d'ouverture.",
          due);
  } else {
    snprintf(subject, cap,
             en ? "Your loan is %d days late: please bring it back"
                : "Votre prêt a %d jours de retard : merci de le rapporter",
             c->days);
    paraf(w,
          en ? "The device you borrowed was due back on %s, %d days ago. Other residents may be "
               "waiting for it: please bring it back as soon as you can."
             : "L'appareil que vous avez emprunté était à rendre le %s, il y a %d jours. "
               "D'autres habitant·es l'attendent peut-être : merci de le rapporter au plus vite.",
          due, c->days);
  }
  const char *pairs[] = {en ? "Device:" : "Appareil :", c->category, en ? "Make:" : "Marque :", dev,
                         en ? "Code:" : "Code :",       c->code};
  facts(w, pairs, sizeof pairs / sizeof *pairs);
  site(w, c,
       en ? "Bring it back during opening hours at:" : "À rapporter aux heures d'ouverture, à :");
  para(w, en ? "Something in the way (a breakdown, a loss, a move)? Come and talk to the desk: "
               "we will find a solution together."
             : "Un empêchement (une panne, une perte, un déménagement) ? Venez en parler à "
               "l'accueil : nous trouverons une solution ensemble.");
  link(w, en ? "Your loan online:" : "Votre prêt en ligne :",
       en ? "See your loan online" : "Voir votre prêt en ligne", c->link);
}

int mail_texts_build(struct mail_texts *out, const struct mail_content *c)
{
  memset(out, 0, sizeof *out);
  int en = c->lang == RL_LANG_EN;
  struct two w = {0};
  char subject[400] = "";
  const char *lang = en ? "en" : "fr";
  rl_buf_printf(&w.html,
                "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                lang);
  struct rl_buf body = w.html;
  w.html = (struct rl_buf){0};
  char hello[1024]; /* a name of 200 characters, 4 bytes each, fits whole */
  if (has(c->name))
    snprintf(hello, sizeof hello, en ? "Hello %s," : "Bonjour %s,", c->name);
  else
    snprintf(hello, sizeof hello, "%s", en ? "Hello," : "Bonjour,");
  para(&w, hello);
  switch (c->kind) {
  case MAIL_REPAIR_FINISHED: repair_finished(&w, subject, sizeof subject, c); break;
  case MAIL_LOAN_DUE_SOON: loan_due_soon(&w, subject, sizeof subject, c); break;
  case MAIL_LOAN_OVERDUE: loan_overdue(&w, subject, sizeof subject, c); break;
  }
  const char *signature =
      has(c->signature) ? c->signature : (en ? "The repair café" : "Le repair café");
  const char *bye = en ? "See you soon," : "À bientôt,";
  rl_buf_printf(&w.text, "%s\n%s\n\n", bye, signature);
  rl_buf_add(&w.html, "<p style=\"margin:0 0 1em\">");
  rl_buf_add_html(&w.html, bye);
  rl_buf_add(&w.html, "<br>\n");
  rl_buf_add_html(&w.html, signature);
  rl_buf_add(&w.html, "</p>\n");
  /* The footer: why this came, and the one-click way out. */
  const char *why = en ? "You get this e-mail because you asked to be told by e-mail. To stop "
                         "these e-mails:"
                       : "Vous recevez cet e-mail parce que vous avez demandé à être prévenu·e "
                         "par e-mail. Pour ne plus recevoir ces e-mails :";
  rl_buf_printf(&w.text, "-- \n%s\n%s\n", why, c->unsubscribe ? c->unsubscribe : "");
  rl_buf_add(&w.html, "<hr style=\"border:0;border-top:1px solid #ccc\">\n"
                      "<p style=\"margin:0;font-size:0.85em;color:#555\">");
  rl_buf_add_html(&w.html, why);
  rl_buf_add(&w.html, " <a href=\"");
  rl_buf_add_html(&w.html, c->unsubscribe);
  rl_buf_add(&w.html, "\" style=\"color:#555\">");
  rl_buf_add_html(&w.html, en ? "stop these e-mails" : "ne plus recevoir ces e-mails");
  rl_buf_add(&w.html, "</a></p>\n");

  rl_buf_add(&body, "<title>");
  rl_buf_add_html(&body, subject);
  rl_buf_add(&body, "</title>\n</head>\n<body style=\"margin:0;padding:1em;font-family:"
                    "sans-serif;font-size:16px;line-height:1.5;color:#222;max-width:40em\">\n");
  rl_buf_add_len(&body, w.html.data ? w.html.data : "", w.html.len);
  rl_buf_add(&body, "</body>\n</html>\n");
  rl_buf_free(&w.html);
  size_t n;
  out->subject = strdup(subject);
  out->text = rl_buf_take(&w.text, &n);
  out->html = rl_buf_take(&body, &n);
  if (!out->subject || !out->text || !out->html) {
    mail_texts_free(out);
    return RL_ENOMEM;
  }
  return RL_OK;
}

void mail_texts_free(struct mail_texts *t)
{
  free(t->subject);
  free(t->text);
  free(t->html);
  memset(t, 0, sizeof *t);
}

/* --- the bytes ------------------------------------------------------------ */

static int printable_ascii(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
      return 0;
  return 1;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void add_base64(struct rl_buf *b, const unsigned char *p, size_t n)
{
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    char q[4];
    q[0] = b64[(v >> 18) & 63];
    q[1] = b64[(v >> 12) & 63];
    q[2] = b64[(v >> 6) & 63];
    q[3] = b64[v & 63];
    if (i + 1 >= n)
      q[2] = '=';
    if (i + 2 >= n)
      q[3] = '=';
    rl_buf_add_len(b, q, 4);
  }
}

/* Bytes of the UTF-8 character starting with c (1 for a stray byte). */
static size_t utf8_len(unsigned char c)
{
  if (c >= 0xf0 && c < 0xf8)
    return 4;
  if (c >= 0xe0)
    return c < 0xf0 ? 3 : 1;
  if (c >= 0xc0)
    return 2;
  return 1;
}

/* Appends s as encoded words starting at column col; returns the column
 * after. Each word holds whole characters; a word that would pass the
 * line's 76 characters starts a new line (CRLF and a space). */
static size_t add_encoded_words(struct rl_buf *b, const char *s, size_t col)
{
  static const size_t overhead = sizeof "=?UTF-8?B?" - 1 + sizeof "?=" - 1;
  size_t len = strlen(s), i = 0;
  /* Whether a space must come before the next word (one follows the
   * header's colon, and starts every folded line). */
  int sep = 0;
  while (i < len) {
    size_t room = LINE_MAX_CHARS - col - (size_t)sep;
    if (room > WORD_MAX)
      room = WORD_MAX;
    /* Whole characters, as many as fit in room once encoded. */
    size_t max_bytes = room > overhead ? (room - overhead) / 4 * 3 : 0;
    size_t take = 0;
    while (i + take < len) {
      size_t cl = utf8_len((unsigned char)s[i + take]);
      if (i + take + cl > len)
        cl = len - i - take;
      if (take + cl > max_bytes)
        break;
      take += cl;
    }
    /* Too little room left on this line for a useful word: fold. */
    if (take == 0 || (take < len - i && max_bytes < 12)) {
      rl_buf_add(b, "\r\n ");
      col = 1;
      sep = 0;
      continue;
    }
    if (sep) {
      rl_buf_add(b, " ");
      col++;
    }
    rl_buf_add(b, "=?UTF-8?B?");
    add_base64(b, (const unsigned char *)s + i, take);
    rl_buf_add(b, "?=");
    col += overhead + (take + 2) / 3 * 4;
    i += take;
    sep = 1;
  }
  return col;
}

void mail_header_text(struct rl_buf *b, const char *name, const char *value)
{
  if (value == NULL)
    value = "";
  size_t col = strlen(name) + 2;
  rl_buf_add(b, name);
  rl_buf_add(b, ": ");
  if (printable_ascii(value) && col + strlen(value) <= LINE_MAX_CHARS)
    rl_buf_add(b, value);
  else
    (void)add_encoded_words(b, value, col);
  rl_buf_add(b, "\r\n");
}

void mail_header_address(struct rl_buf *b, const char *name, const char *display, const char *addr)
{
  rl_buf_add(b, name);
  rl_buf_add(b, ": ");
  size_t col = strlen(name) + 2;
  if (has(display)) {
    if (printable_ascii(display)) {
      rl_buf_add(b, "\"");
      for (const char *p = display; *p; p++) {
        if (*p == '"' || *p == '\\')
          rl_buf_add_len(b, "\\", 1);
        rl_buf_add_len(b, p, 1);
      }
      rl_buf_add(b, "\"");
      col += strlen(display) + 2;
    } else {
      col = add_encoded_words(b, display, col);
    }
    /* The address goes on a line of its own when it would not fit. */
    if (col + 3 + strlen(addr) > LINE_MAX_CHARS)
      rl_buf_add(b, "\r\n");
    rl_buf_add(b, " <");
    rl_buf_add(b, addr);
    rl_buf_add(b, ">");
  } else {
    rl_buf_add(b, addr);
  }
  rl_buf_add(b, "\r\n");
}

void mail_qp(struct rl_buf *b, const char *text)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t col = 0;
  for (const char *p = text; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '\n') {
      rl_buf_add(b, "\r\n");
      col = 0;
      continue;
    }
    if (c == '\r')
      continue;
    int at_end = p[1] == '\n' || p[1] == '\0';
    int literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
                  ((c == ' ' || c == '\t') && !at_end);
    char enc[3] = {'=', hex[c >> 4], hex[c & 15]};
    size_t w = literal ? 1 : 3;
    /* Room for this and a soft break's "=", unless it ends the line. */
    if (col + w > (at_end ? LINE_MAX_CHARS : LINE_MAX_CHARS - 1)) {
      rl_buf_add(b, "=\r\n");
      col = 0;
      if (c == '.') {
        literal = 0;
        w = 3;
      }
    }
    if (literal)
      rl_buf_add_len(b, p, 1);
    else
      rl_buf_add_len(b, enc, 3);
    col += w;
  }
}

void mail_date(char *out, size_t cap, time_t t)
{
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  if (localtime_r(&t, &tm) == NULL && gmtime_r(&t, &tm) == NULL) {
    snprintf(out, cap, "Thu, 01 Jan 1970 00:00:00 +0000");
    return;
  }
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0)
    off = -off;
  snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday % 7],
           tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
           sign, off / 60, off % 60);
}

int mail_message_id(char *out, size_t cap, const unsigned char *random, size_t n, const char *from)
{
  const char *at = from ? strrchr(from, '@') : NULL;
  if (at == NULL || at[1] == '\0' || cap < 2 * n + strlen(at) + 3)
    return RL_EINVALID;
  size_t k = 0;
  out[k++] = '<';
  for (size_t i = 0; i < n; i++) {
    static const char hex[] = "0123456789abcdef";
    out[k++] = hex[random[i] >> 4];
    out[k++] = hex[random[i] & 15];
  }
  snprintf(out + k, cap - k, "%s>", at);
  return RL_OK;
}

/* What may stand between < and > in a header: no control character, no
 * space, no angle bracket. */
static int header_safe(const char *s)
{
  if (!has(s))
    return 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>')
      return 0;
  }
  return 1;
}

static int boundary_ok(const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 60)
    return 0;
  return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_=.-") == n;
}

static void part(struct rl_buf *b, const char *boundary, const char *type, const char *body)
{
  rl_buf_printf(b,
                "--%s\r\nContent-Type: %s; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                boundary, type);
  mail_qp(b, body);
  rl_buf_add(b, "\r\n");
}

int mail_message(char **out, size_t *len, const struct mail_envelope *e, const struct mail_texts *t,
                 const struct mail_content *c)
{
  *out = NULL;
  *len = 0;
  size_t idn = e->message_id ? strlen(e->message_id) : 0;
  if (!header_safe(e->from) || !header_safe(e->to) || idn < 3 || e->message_id[0] != '<' ||
      strpbrk(e->message_id + 1, "<> \t\r\n") != e->message_id + idn - 1 ||
      !header_safe(c->unsubscribe) || !boundary_ok(e->boundary) ||
      (e->from_name && strpbrk(e->from_name, "\r\n")))
    return RL_EINVALID;
  struct rl_buf b = {0};
  char date[64];
  mail_date(date, sizeof date, e->date);
  mail_header_address(&b, "From", e->from_name, e->from);
  mail_header_address(&b, "To", NULL, e->to);
  mail_header_text(&b, "Subject", t->subject);
  rl_buf_printf(&b, "Date: %s\r\n", date);
  rl_buf_printf(&b, "Message-ID: %s\r\n", e->message_id);
  rl_buf_add(&b, "MIME-Version: 1.0\r\n");
  rl_buf_printf(&b, "Content-Language: %s\r\n", c->lang == RL_LANG_EN ? "en" : "fr");
  rl_buf_add(&b, "Auto-Submitted: auto-generated\r\n");
  rl_buf_printf(&b, "List-Unsubscribe: <%s>\r\n", c->unsubscribe);
  rl_buf_add(&b, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
  rl_buf_printf(&b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n",
                e->boundary);
  part(&b, e->boundary, "text/plain", t->text);
  part(&b, e->boundary, "text/html", t->html);
  rl_buf_printf(&b, "--%s--\r\n", e->boundary);
  *out = rl_buf_take(&b, len);
  return *out ? RL_OK : RL_ENOMEM;
}
