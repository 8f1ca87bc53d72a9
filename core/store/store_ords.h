/* The repair attempts as the ORDS export reads them (core/ords.h): one row
 * per repair with its device, category, site and date, and the owner's
 * contact, which the export only uses to take it out of the problem text. */
#ifndef RL_CORE_STORE_STORE_ORDS_H
#define RL_CORE_STORE_STORE_ORDS_H

#include "core/store/cursor.h"

/* Filters as text; NULL: none. Dates are local to timezone. */
struct store_ords_filter {
  const char *timezone;
  const char *from; /* YYYY-MM-DD, first day included */
  const char *to;   /* YYYY-MM-DD, last day included */
  const char *site; /* slug */
};

/* What changes when any exported value may have: the number of repairs
 * and the latest update of a repair, device, session, site, owner or
 * category (microseconds since 1970). On this thread's pooled connection. */
struct store_ords_stamp {
  long long count;
  long long modified_us;
};
int store_ords_stamp(struct store_ords_stamp *out);

/* The local dates of the first and last repair attempts (YYYY-MM-DD; ""
 * when there are none). On this thread's pooled connection. */
int store_ords_coverage(char first[11], char last[11], const char *timezone);

/* One repair attempt; NULL for SQL NULL. */
struct store_ords_row {
  const char *id, *site, *category_name, *ords_name, *ords_id, *brand, *year_of_manufacture;
  const char *outcome, *barrier, *event_date, *problem;
  const char *owner_name, *owner_email, *owner_phone;
};

struct store_ords_export;

/* Opens the export's cursor (core/store/cursor.h) and takes the stamp of
 * the same snapshot. Rows come in storage order (see store_ords.c). */
int store_ords_open(struct store_ords_export **out, struct store_ords_stamp *stamp,
                    const struct store_ords_filter *f);

/* The next row into *row (borrowed: valid until the next call). RL_OK,
 * RL_ENOTFOUND after the last, or the fetch's error. */
int store_ords_next(struct store_ords_export *e, struct store_ords_row *row);

/* Releases the cursor and its connection; NULL is fine. */
void store_ords_close(struct store_ords_export *e);

#endif
