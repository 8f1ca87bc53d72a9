/* CSV as RFC 4180 and OpenDataFrance ask: comma-separated, CRLF line
 * ends, a field quoted only when it holds a comma, a quote, CR or LF, its
 * quotes doubled. Self-contained: every CSV the service writes goes
 * through these. */
#ifndef RL_CORE_CSV_H
#define RL_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* Whether the len bytes at s must be quoted. */
bool csv_needs_quotes(const char *s, size_t len);

/* Appends a field (s: len bytes; NULL: an empty field), preceded by a
 * comma unless it is the row's first. */
void csv_field(struct rl_buf *b, const char *s, size_t len, bool first);

/* Appends the NUL-terminated s (NULL: empty) as a field. */
void csv_field_str(struct rl_buf *b, const char *s, bool first);

/* Ends a row: CRLF. */
void csv_end_row(struct rl_buf *b);

#endif
