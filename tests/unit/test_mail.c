/* Messages to residents as bytes (core/mail.c): RFC 2047 encoded words and
 * their folding, quoted-printable, the headers and the texts. Each
 * encoding is decoded back here, independently, and compared. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mail.h"

static int b64_value(char c)
{
  const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = strchr(a, c);
  return p && c ? (int)(p - a) : -1;
}

/* Decodes base64 text (n chars) onto the end of out. */
static void b64_decode(struct rl_buf *out, const char *s, size_t n)
{
  cr_assert_eq(n % 4, 0, "base64 in groups of 4: %.*s", (int)n, s);
  for (size_t i = 0; i < n; i += 4) {
    int v[4];
    for (int k = 0; k < 4; k++)
      v[k] = s[i + (size_t)k] == '=' ? 0 : b64_value(s[i + (size_t)k]);
    for (int k = 0; k < 4; k++)
      cr_assert_geq(v[k], 0, "a base64 character");
    unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
    char bytes[3] = {(char)(x >> 16), (char)(x >> 8), (char)x};
    size_t keep = s[i + 2] == '=' ? 1 : s[i + 3] == '=' ? 2 : 3;
    rl_buf_add_len(out, bytes, keep);
  }
}

static int valid_utf8(const char *s, size_t n)
{
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (k == 0 || i + k > n)
      return 0;
    for (size_t j = 1; j < k; j++)
      if (((unsigned char)s[i + j] & 0xc0) != 0x80)
        return 0;
    i += k;
  }
  return 1;
}

/* Checks a header line as written (with its folds): every physical line
 * at most 76 characters, every encoded word at most 75 and whole UTF-8;
 * returns the value decoded (caller frees). */
static char *decode_header(const char *h, const char *name)
{
  size_t nl = strlen(name);
  cr_assert_eq(strncmp(h, name, nl), 0, "%s", h);
  cr_assert_eq(strncmp(h + nl, ": ", 2), 0, "%s", h);
  const char *end = h + strlen(h);
  cr_assert(end - h >= 2 && strcmp(end - 2, "\r\n") == 0, "ends with CRLF: %s", h);
  for (const char *line = h; line < end;) {
    const char *e = strstr(line, "\r\n");
    cr_assert_leq(e - line, 76, "a line of at most 76 characters: [%.*s]", (int)(e - line), line);
    line = e + 2;
    cr_assert(line == end || *line == ' ', "a folded line starts with a space");
  }
  struct rl_buf out = {0};
  const char *p = h + nl + 2;
  int any_word = 0;
  while (p < end - 2) {
    if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
      const char *q = strstr(p + 10, "?=");
      cr_assert_not_null(q);
      cr_assert_leq(q + 2 - p, 75, "an encoded word of at most 75 characters");
      struct rl_buf word = {0};
      b64_decode(&word, p + 10, (size_t)(q - p - 10));
      cr_assert(valid_utf8(word.data, word.len), "a word holds whole characters");
      rl_buf_add_len(&out, word.data, word.len);
      rl_buf_free(&word);
      p = q + 2;
      any_word = 1;
      /* Whitespace between two encoded words is not part of the text. */
      while (*p == '\r' || *p == '\n' || *p == ' ')
        p++;
    } else {
      cr_assert(!any_word, "nothing but encoded words once they start");
      rl_buf_add_len(&out, p, 1);
      p++;
    }
  }
  size_t n;
  return rl_buf_take(&out, &n);
}

Test(mail_header, plain_ascii_stays_as_it_is)
{
  struct rl_buf b = {0};
  mail_header_text(&b, "Subject", "Your device is repaired (RL-4K7Q-9M2R)");
  cr_assert_str_eq(b.data, "Subject: Your device is repaired (RL-4K7Q-9M2R)\r\n");
  rl_buf_free(&b);
}

Test(mail_header, non_ascii_is_encoded_and_decodes_back)
{
  const char *s = "Bonne nouvelle : votre appareil est réparé (RL-4K7Q-9M2R)";
  struct rl_buf b = {0};
  mail_header_text(&b, "Subject", s);
  cr_assert_eq(strncmp(b.data, "Subject: =?UTF-8?B?", 19), 0, "%s", b.data);
  char *back = decode_header(b.data, "Subject");
  cr_assert_str_eq(back, s);
  free(back);
  rl_buf_free(&b);
}

Test(mail_header, long_text_is_folded_into_words_that_never_split_a_character)
{
  /* Two- and three-byte characters at every offset: some word boundary
   * would fall inside one if the encoder counted bytes blindly. */
  char s[1200] = "";
  for (int i = 0; i < 40; i++)
    strcat(s, i % 3 == 0 ? "é" : i % 3 == 1 ? "a€" : "ab·");
  strcat(s, " – réparé, à récupérer à l'accueil du tiers-lieu de Fontenay-sous-Bois");
  struct rl_buf b = {0};
  mail_header_text(&b, "Subject", s);
  cr_assert_not_null(strstr(b.data, "\r\n "), "folded: %s", b.data);
  char *back = decode_header(b.data, "Subject");
  cr_assert_str_eq(back, s);
  free(back);
  rl_buf_free(&b);
}

Test(mail_header, a_long_ascii_value_is_encoded_to_fit_the_lines)
{
  char s[300];
  memset(s, 'x', 200);
  s[200] = '\0';
  struct rl_buf b = {0};
  mail_header_text(&b, "Subject", s);
  char *back = decode_header(b.data, "Subject");
  cr_assert_str_eq(back, s);
  free(back);
  rl_buf_free(&b);
}

Test(mail_header, display_names)
{
  struct rl_buf b = {0};
  mail_header_address(&b, "From", "Repair \"Café\" Ledger", "rl@example.org");
  cr_assert_eq(strncmp(b.data, "From: =?UTF-8?B?", 16), 0, "%s", b.data);
  cr_assert_not_null(strstr(b.data, " <rl@example.org>\r\n"));
  rl_buf_free(&b);
  mail_header_address(&b, "From", "Repair \"Ledger\"", "rl@example.org");
  cr_assert_str_eq(b.data, "From: \"Repair \\\"Ledger\\\"\" <rl@example.org>\r\n");
  rl_buf_free(&b);
  mail_header_address(&b, "To", NULL, "awa@example.org");
  cr_assert_str_eq(b.data, "To: awa@example.org\r\n");
  rl_buf_free(&b);
}

static char *qp_decode(const char *s)
{
  struct rl_buf out = {0};
  for (const char *p = s; *p;) {
    if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
      p += 3;
    } else if (p[0] == '=') {
      char h[3] = {p[1], p[2], 0};
      char c = (char)strtol(h, NULL, 16);
      cr_assert(strspn(h, "0123456789ABCDEF") == 2, "=XX in capitals");
      rl_buf_add_len(&out, &c, 1);
      p += 3;
    } else if (p[0] == '\r' && p[1] == '\n') {
      rl_buf_add(&out, "\n");
      p += 2;
    } else {
      rl_buf_add_len(&out, p, 1);
      p++;
    }
  }
  size_t n;
  return rl_buf_take(&out, &n);
}

static void assert_qp_lines(const char *s)
{
  for (const char *line = s; *line;) {
    const char *e = strstr(line, "\r\n");
    if (e == NULL)
      e = line + strlen(line);
    cr_assert_leq(e - line, 76, "a line of at most 76: [%.*s]", (int)(e - line), line);
    if (e > line)
      cr_assert(e[-1] != ' ' && e[-1] != '\t', "no space before a line end");
    for (const char *p = line; p < e; p++)
      cr_assert(*p == '\t' || ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f),
                "ASCII only");
    cr_assert(*line != '.', "no line starts with a dot");
    line = *e ? e + 2 : e;
  }
}

Test(mail_qp, encodes_what_must_be_and_decodes_back)
{
  const char *s = "Prix = 0 €, réparé.\nfin de ligne \n.point\n\tindent";
  struct rl_buf b = {0};
  mail_qp(&b, s);
  cr_assert_not_null(strstr(b.data, "Prix =3D 0 =E2=82=AC, r=C3=A9par=C3=A9."), "%s", b.data);
  cr_assert_not_null(strstr(b.data, "ligne=20\r\n"), "%s", b.data);
  cr_assert_not_null(strstr(b.data, "\r\n=2Epoint\r\n"), "%s", b.data);
  assert_qp_lines(b.data);
  char *back = qp_decode(b.data);
  cr_assert_str_eq(back, s);
  free(back);
  rl_buf_free(&b);
}

Test(mail_qp, long_lines_get_soft_breaks)
{
  char s[2000] = "";
  for (int i = 0; i < 60; i++)
    strcat(s, i % 2 ? "é=ab " : "https://example.org/t/abc.");
  strcat(s, "\n");
  for (int i = 0; i < 300; i++)
    strcat(s, ".");
  struct rl_buf b = {0};
  mail_qp(&b, s);
  cr_assert_not_null(strstr(b.data, "=\r\n"));
  assert_qp_lines(b.data);
  char *back = qp_decode(b.data);
  cr_assert_str_eq(back, s);
  free(back);
  rl_buf_free(&b);
}

Test(mail_date, rfc5322_in_the_process_time_zone)
{
  setenv("TZ", "Europe/Paris", 1);
  tzset();
  char d[64];
  mail_date(d, sizeof d, 1796127365); /* 2026-12-01T12:16:05Z */
  cr_assert_str_eq(d, "Tue, 01 Dec 2026 13:16:05 +0100");
  mail_date(d, sizeof d, 1783340000); /* 2026-07-06T12:13:20Z, summer time */
  cr_assert_str_eq(d, "Mon, 06 Jul 2026 14:13:20 +0200");
}

Test(mail_id, random_at_the_from_domain)
{
  unsigned char r[4] = {0x01, 0xab, 0xff, 0x10};
  char id[64];
  cr_assert_eq(mail_message_id(id, sizeof id, r, 4, "cafe@repair.example.fr"), RL_OK);
  cr_assert_str_eq(id, "<01abff10@repair.example.fr>");
  cr_assert_eq(mail_message_id(id, sizeof id, r, 4, "no-domain"), RL_EINVALID);
  cr_assert_eq(mail_message_id(id, 8, r, 4, "a@b.fr"), RL_EINVALID);
}

static struct mail_content repaired_fr(void)
{
  return (struct mail_content){
      .kind = MAIL_REPAIR_FINISHED,
      .lang = RL_LANG_FR,
      .name = "Awa",
      .category = "Ordinateur portable",
      .brand = "Lenovo <b>",
      .model = "T440 & co",
      .code = "RL-4K7Q-9M2R",
      .repaired = 1,
      .site_name = "Tiers-lieu",
      .site_address = "10 rue de la Paix, Fontenay-sous-Bois",
      .site_hours = "Mer. 14h-18h",
      .link = "https://rep.example.fr/t/TOKEN123",
      .unsubscribe = "https://rep.example.fr/u/UNSUB456",
      .signature = "Repair café de Fontenay",
  };
}

Test(mail_texts, repair_finished_in_french_escapes_the_html)
{
  struct mail_content c = repaired_fr();
  struct mail_texts t;
  cr_assert_eq(mail_texts_build(&t, &c), RL_OK);
  cr_assert_str_eq(t.subject, "Bonne nouvelle : votre appareil est réparé (RL-4K7Q-9M2R)");
  cr_assert_not_null(strstr(t.text, "Bonjour Awa,"));
  cr_assert_not_null(strstr(t.text, "Lenovo <b> T440 & co"));
  cr_assert_not_null(strstr(t.text, "https://rep.example.fr/t/TOKEN123"));
  cr_assert_not_null(strstr(t.text, "https://rep.example.fr/u/UNSUB456"));
  cr_assert_not_null(strstr(t.text, "Mer. 14h-18h"));
  cr_assert_not_null(strstr(t.html, "<html lang=\"fr\">"));
  cr_assert_not_null(strstr(t.html, "Lenovo &lt;b&gt; T440 &amp; co"));
  cr_assert_null(strstr(t.html, "<b>"), "no markup from the data");
  cr_assert_not_null(strstr(t.html, "href=\"https://rep.example.fr/t/TOKEN123\""));
  cr_assert_not_null(strstr(t.html, "href=\"https://rep.example.fr/u/UNSUB456\""));
  mail_texts_free(&t);
  c.repaired = 0;
  c.lang = RL_LANG_EN;
  c.name = NULL;
  cr_assert_eq(mail_texts_build(&t, &c), RL_OK);
  cr_assert_str_eq(t.subject, "Your device could not be repaired (RL-4K7Q-9M2R)");
  cr_assert_not_null(strstr(t.text, "Hello,\n"));
  cr_assert_not_null(strstr(t.text, "recycled"));
  mail_texts_free(&t);
}

Test(mail_texts, loans_due_and_overdue)
{
  struct mail_content c = repaired_fr();
  c.kind = MAIL_LOAN_DUE_SOON;
  c.due_date = "2027-01-20";
  c.days = 2;
  c.link = "https://rep.example.fr/l/LOAN789";
  struct mail_texts t;
  cr_assert_eq(mail_texts_build(&t, &c), RL_OK);
  cr_assert_str_eq(t.subject, "Rappel : votre prêt est à rendre le 20 janvier 2027");
  cr_assert_not_null(strstr(t.text, "(dans 2 jours)"));
  cr_assert_not_null(strstr(t.text, "https://rep.example.fr/l/LOAN789"));
  mail_texts_free(&t);
  c.kind = MAIL_LOAN_OVERDUE;
  c.days = 1;
  c.lang = RL_LANG_EN;
  cr_assert_eq(mail_texts_build(&t, &c), RL_OK);
  cr_assert_str_eq(t.subject, "Your loan was due back on 20 January 2027");
  mail_texts_free(&t);
  c.days = 7;
  cr_assert_eq(mail_texts_build(&t, &c), RL_OK);
  cr_assert_str_eq(t.subject, "Your loan is 7 days late: please bring it back");
  mail_texts_free(&t);
}

Test(mail_message, whole_message_and_refusals)
{
  struct mail_content c = repaired_fr();
  struct mail_texts t;
  cr_assert_eq(mail_texts_build(&t, &c), RL_OK);
  struct mail_envelope e = {.from = "cafe@rep.example.fr",
                            .from_name = "Repair café",
                            .to = "awa@example.org",
                            .date = 1796127365,
                            .message_id = "<abc@rep.example.fr>",
                            .boundary = "=_rl_0123"};
  char *m;
  size_t len;
  cr_assert_eq(mail_message(&m, &len, &e, &t, &c), RL_OK);
  cr_assert_eq(strlen(m), len);
  cr_assert_not_null(strstr(m, "\r\nTo: awa@example.org\r\n"));
  cr_assert_not_null(strstr(m, "\r\nList-Unsubscribe: <https://rep.example.fr/u/UNSUB456>\r\n"));
  cr_assert_not_null(strstr(m, "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
  cr_assert_not_null(strstr(m, "\r\nAuto-Submitted: auto-generated\r\n"));
  cr_assert_not_null(strstr(m, "\r\n--=_rl_0123--\r\n"));
  for (const char *line = m; *line;) {
    const char *nl = strstr(line, "\r\n");
    cr_assert_not_null(nl, "CRLF line ends");
    cr_assert_leq(nl - line, 76, "[%.*s]", (int)(nl - line), line);
    line = nl + 2;
  }
  free(m);
  e.to = "awa@example.org\r\nBcc: x@evil.example";
  cr_assert_eq(mail_message(&m, &len, &e, &t, &c), RL_EINVALID);
  e.to = "awa@example.org";
  e.boundary = "bad boundary";
  cr_assert_eq(mail_message(&m, &len, &e, &t, &c), RL_EINVALID);
  mail_texts_free(&t);
}
