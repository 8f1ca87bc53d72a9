/* The one CSV writer of the open data (docs/open-data.md), as
 * OpenDataFrance asks and RFC 4180 says: UTF-8, comma separator, CRLF at
 * the end of every record, the header as the first record, a field quoted
 * only when it holds a comma, a double quote, CR or LF (a quote inside is
 * doubled), numbers with a dot and no thousands separator, dates in ISO
 * 8601. Bytes go out through an od_write_fn in chunks, so a CSV of any
 * length is streamed, never held whole. Every open-data CSV (impact
 * figures, the ORDS export) is written with it, so that they are alike. */
#ifndef RL_CORE_CSV_H
#define RL_CORE_CSV_H

#include <stddef.h>

#include "core/buf.h"
#include "core/opendata.h"

struct csv_writer {
  od_write_fn write;
  void *ctx;
  int rc;     /* RL_OK until a write fails; then every call is a no-op */
  int fields; /* fields written in the current record */
  size_t len;
  char buf[8192];
};

/* Starts a CSV that goes to write(ctx, …); nothing is sent yet. */
void csv_init(struct csv_writer *c, od_write_fn write, void *ctx);
/* The next field of the record: s as text (NULL: an empty field), quoted
 * only when needed. */
void csv_field(struct csv_writer *c, const char *s);
/* A number with at most `decimals` decimals, trailing zeros dropped
 * ("132.66", "2", "-0.5"), a dot as decimal separator whatever the locale. */
void csv_field_number(struct csv_writer *c, double v, int decimals);
void csv_field_int(struct csv_writer *c, long long v);
/* Ends the record with CRLF. */
void csv_row_end(struct csv_writer *c);
/* Sends what is buffered. Returns RL_OK, or RL_EUNAVAILABLE when a write
 * asked to stop. */
int csv_finish(struct csv_writer *c);

/* The same records appended to a buffer, for a reply that hands out its
 * bytes in pieces (the streamed ORDS export): a field of s (NULL: empty),
 * after a comma unless it is the record's first; then the record's CRLF. */
void csv_buf_field(struct rl_buf *b, const char *s, int first);
void csv_buf_row_end(struct rl_buf *b);

#endif
