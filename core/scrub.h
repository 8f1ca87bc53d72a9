/* Personal data out of free text (PRODUCT.md, "Personal data"): what a
 * volunteer typed into a repair's problem may name the owner or give their
 * number ("rappeler Mme Dupont au 06 12 34 56 78"), and that text is
 * published as open data. Pure functions: no I/O, no database. */
#ifndef RL_CORE_SCRUB_H
#define RL_CORE_SCRUB_H

#include "core/buf.h"

/* What is known about the device's owner (each may be NULL): their own
 * name, address and number are removed in whatever words they appear. */
struct scrub_owner {
  const char *name;
  const char *email;
  const char *phone;
};

/* Two working buffers, reused from one text to the next so that a long
 * export allocates only while its longest text grows them. Zero it to
 * start; scrub_free releases it. */
struct scrub {
  struct rl_buf a, b;
};

/* text with every e-mail address replaced by "[email]", every phone number
 * (French forms: 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56
 * 78, 0033…, and the owner's own number in any spacing) by "[phone]", a
 * civil title and the name after it (Mme Dupont, M. Martin, Madame Marie
 * Curie…) and every word of the owner's name by "[name]". The result is
 * owned by s and valid until its next use; NULL when memory ran out. */
const char *scrub_text(struct scrub *s, const char *text, const struct scrub_owner *owner);

void scrub_free(struct scrub *s);

#endif
