/* E-mail to residents as bytes (docs/notifications.md): the texts of each
 * message in French and English, and the RFC 5322 message that carries
 * them (RFC 2047 encoded words in headers, a multipart/alternative body
 * of text and HTML, both UTF-8 in quoted-printable, the RFC 8058
 * one-click unsubscribe headers). Pure functions: no I/O, no clock, no
 * randomness of their own; the sender (core/mail_send.c) gives them the
 * time and the random parts. */
#ifndef RL_CORE_MAIL_H
#define RL_CORE_MAIL_H

#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/tracking.h"

enum mail_kind { MAIL_REPAIR_FINISHED, MAIL_LOAN_DUE_SOON, MAIL_LOAN_OVERDUE };

/* What a message says; every string is borrowed, NULL or "" when absent.
 * Nothing of anyone but the recipient: their own name may greet them. */
struct mail_content {
  enum mail_kind kind;
  enum rl_lang lang;
  const char *name;     /* the recipient's own name, or NULL: "Bonjour," */
  const char *category; /* the device's category, in lang */
  const char *brand, *model, *code;
  int repaired;         /* MAIL_REPAIR_FINISHED: 1 repaired, 0 unrepairable */
  const char *due_date; /* loans: YYYY-MM-DD, a date in the programme's time zone */
  int days;             /* due soon: days left (0 today); overdue: days late */
  const char *site_name, *site_address, *site_hours;
  const char *link;        /* {public_url}/t/{token} or {public_url}/l/{token} */
  const char *unsubscribe; /* {public_url}/u/{token} */
  const char *signature;   /* who signs: the From display name */
};

/* The three parts of a message, malloc'd (mail_texts_free). text and html
 * end lines with "\n". */
struct mail_texts {
  char *subject, *text, *html;
};

/* RL_OK or RL_ENOMEM. */
int mail_texts_build(struct mail_texts *out, const struct mail_content *c);
void mail_texts_free(struct mail_texts *t);

/* The envelope of a message. */
struct mail_envelope {
  const char *from, *from_name; /* the From address and its display name */
  const char *to;
  time_t date;            /* the Date header, written in the process's time zone */
  const char *message_id; /* "<…@…>", see mail_message_id */
  const char *boundary;   /* the MIME boundary: 1 to 60 of [A-Za-z0-9_=.-] */
};

/* Writes the whole message (CRLF line ends, every line at most 76
 * characters but for the List-Unsubscribe URL) into *out (malloc'd, *len
 * bytes). RL_EINVALID when an address or URL holds what would break a
 * header (a control character, <, >, a space), RL_ENOMEM. */
int mail_message(char **out, size_t *len, const struct mail_envelope *e, const struct mail_texts *t,
                 const struct mail_content *c);

/* "<{hex of random}@{domain of from}>" into out (cap bytes, 128 is enough
 * for 16 bytes of random and a domain of 80). RL_EINVALID when from has
 * no domain or out is too small. */
int mail_message_id(char *out, size_t cap, const unsigned char *random, size_t n, const char *from);

/* Appends "Name: value\r\n" to b: value as it is when it is printable
 * ASCII and the line fits in 76 characters, else as RFC 2047 "B" encoded
 * words of UTF-8, each at most 75 characters and never splitting a
 * character, on lines of at most 76 folded with CRLF and a space. */
void mail_header_text(struct rl_buf *b, const char *name, const char *value);

/* Appends "Name: phrase <addr>\r\n": the display name as a quoted string
 * when it is printable ASCII, else as encoded words (folded as above);
 * just addr when name is NULL or "". */
void mail_header_address(struct rl_buf *b, const char *name, const char *display, const char *addr);

/* Appends text ("\n" line ends) as quoted-printable (RFC 2045 6.7) with
 * CRLF line ends: lines of at most 76 characters with soft breaks, "=",
 * bytes outside printable ASCII, a space or tab before a line end and a
 * "." that starts a line encoded. */
void mail_qp(struct rl_buf *b, const char *text);

/* The RFC 5322 date-time of t in the process's time zone, e.g.
 * "Tue, 01 Dec 2026 13:16:05 +0100" (English names whatever the locale). */
void mail_date(char *out, size_t cap, time_t t);

#endif
