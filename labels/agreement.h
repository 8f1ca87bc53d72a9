/*
 * labels/agreement.h — a loan agreement: one loan's facts turned into a PDF,
 * an A4 page for the member and a volunteer to sign, or a 62 mm receipt
 * roll for the member to keep. Pure like the labels (no HTTP, no SQL, no
 * shared state; safe from many threads at once); the headings in French
 * and English are here, the facts come already worded by the caller.
 */
#ifndef RL_LABEL_AGREEMENT_H
#define RL_LABEL_AGREEMENT_H

#include <stddef.h>

#include "labels/label.h"

enum agreement_format {
  AGREEMENT_A4,      /* 210 × 297 mm pages; long conditions run onto more pages */
  AGREEMENT_RECEIPT, /* one page 62 mm wide, as long as its content */
};

enum agreement_lang { AGREEMENT_FR, AGREEMENT_EN };

/* Bytes kept from one text (the conditions: 4000 characters of up to 4
 * bytes); longer texts are cut with "…". */
enum { AGREEMENT_TEXT_MAX = 16000 };

/*
 * What an agreement prints. Strings are borrowed UTF-8; NULL or "" leaves
 * the line out (member_name: printed only when the desk asked for it).
 * Invalid UTF-8 and control characters are replaced, as on labels; new
 * lines are kept in address, hours and conditions.
 */
struct agreement {
  enum agreement_lang lang;
  long long loan_id;
  const char *device_code;
  const char *category; /* the category's name in lang */
  const char *brand_model;
  const char *checkout_condition; /* what the desk saw at checkout */
  const char *member_number;
  const char *member_name;
  const char *start_date, *due_date; /* worded in lang: "1 December 2026" */
  const char *deposit;               /* worded in lang: "50.00 EUR, cash", "No deposit" */
  const char *site_name, *site_address, *site_hours;
  const char *conditions; /* the site's loan conditions in lang */
  const char *qr;         /* the loan's public page; required */
};

/*
 * Renders the agreement as a PDF. On success returns 0 and sets *out to a
 * malloc'd buffer of *out_len bytes (the caller frees it with free()); on
 * failure returns a negative LABEL_E* code with *out = NULL, *out_len = 0:
 * LABEL_EINVALID (NULL argument, no QR payload, or one with invalid UTF-8
 * or control characters), LABEL_EQR (payload too long), LABEL_ENOMEM,
 * LABEL_ERENDER.
 */
int agreement_render(unsigned char **out, size_t *out_len, enum agreement_format f,
                     const struct agreement *a);

#endif
