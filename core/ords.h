/* The repair attempts as Open Repair Data Standard v0.3 CSV
 * (docs/open-data.md, "ORDS export"): the 14 ORDS columns in ORDS order,
 * one row per repair attempt, ORDS's own words for statuses and barriers,
 * problem texts scrubbed of personal data. Written in pieces from a
 * database cursor, never whole in memory, either pulled (ords_stream_*,
 * for an HTTP reply) or pushed to a writer (ords_csv_write, for a file or
 * a portal upload): the same bytes either way. */
#ifndef RL_CORE_ORDS_H
#define RL_CORE_ORDS_H

#include <jansson.h>
#include <stddef.h>

#include "core/opendata.h"

#define ORDS_HEADER                                                                                \
  "id,data_provider,country,partner_product_category,product_category,product_category_id,"        \
  "brand,year_of_manufacture,product_age,repair_status,repair_barrier_if_end_of_life,"             \
  "group_identifier,event_date,problem\r\n"

#define ORDS_COUNTRY "FRA"
#define ORDS_DEFAULT_PROVIDER "Repair Ledger"
/* Event years a filter may name. */
#define ORDS_YEAR_MIN 2000
#define ORDS_YEAR_MAX 2100

struct ords_query {
  char from[11];             /* YYYY-MM-DD, first local day included; "" for none */
  char to[11];               /* YYYY-MM-DD, last local day included; "" for none */
  char site[65];             /* site slug; "" for every site */
  const char *data_provider; /* REPAIRD_ORDS_DATA_PROVIDER; NULL: ORDS_DEFAULT_PROVIDER */
  const char *timezone;      /* REPAIRD_TIMEZONE: what a date means; NULL: Europe/Paris */
};

/* Fills q's filters from checked query parameters (from, to, site as
 * strings), adding to errors (an array) what breaks the export's rules:
 * years outside ORDS_YEAR_MIN..MAX, from after to. RL_OK or RL_EINVALID. */
int ords_query_parse(struct ords_query *q, json_t *errors, const json_t *params);

/* A cheap fingerprint of everything the export shows: the repairs' count
 * and latest change (store_ords_stamp), so that a client's copy is known
 * current without exporting. */
struct ords_stamp {
  long long count;
  long long modified_us; /* microseconds since 1970 */
};
int ords_stamp_get(struct ords_stamp *out);

/* When the records were last changed (RFC 3339 UTC from stamp) and the
 * local dates of the first and last repair attempts ("" when none), for
 * the catalogue. */
int ords_span(char modified[32], char first[11], char last[11], const struct ords_stamp *stamp,
              const char *timezone);

/* The ORDS words for our outcome and barrier codes; "Unknown" / "" for
 * anything else. */
const char *ords_repair_status(const char *outcome);
const char *ords_barrier(const char *barrier);

/* The prefix of ORDS ids: the provider's letters and digits, lower-cased
 * ("Repair Ledger" → "repairledger"), "rl" when it has none. */
void ords_id_prefix(char *out, size_t cap, const char *provider);

/* "5.0": years between manufacture and the event, "" when either is
 * unknown or the difference is negative. */
void ords_product_age(char *out, size_t cap, const char *year_of_manufacture,
                      const char *event_date);

struct ords_stream;

/* Opens the export (its own database connection and snapshot, see
 * core/store/cursor.h); *stamp gets the stamp of that snapshot. RL_OK,
 * RL_EUNAVAILABLE, RL_ENOMEM, RL_EDB. Close with ords_stream_close. */
int ords_stream_open(struct ords_stream **out, struct ords_stamp *stamp,
                     const struct ords_query *q);

/* Copies the export's next bytes into buf (at most cap, at least 1 while
 * any are left). Returns how many, 0 at the end, or a negative RL_E code
 * (the export cannot go on). */
long ords_stream_read(struct ords_stream *s, char *buf, size_t cap);

/* Releases everything the export holds, finished or not; NULL is fine. */
void ords_stream_close(struct ords_stream *s);

/* Writes the whole export to w. RL_OK, the open's error, or
 * RL_EUNAVAILABLE when w asked to stop. */
int ords_csv_write(od_write_fn w, void *ctx, const struct ords_query *q);

#endif
