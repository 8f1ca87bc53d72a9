/* The one growable byte buffer: pages, metrics, log lines, labels, CSV.
 * Failure is sticky: once an append fails (no memory, or the buffer's
 * bound reached), it and every later append change nothing, and
 * rl_buf_status says so, so a writer appends freely and checks once. */
#ifndef RL_CORE_BUF_H
#define RL_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct rl_buf {
  char *data; /* NUL-terminated; NULL until the first byte is added */
  size_t len; /* bytes in data, its NUL not counted */
  size_t cap; /* bytes data can hold, its NUL included */
  size_t max; /* the most bytes it may hold, its NUL included; 0: memory is the limit */
  bool fixed; /* data is the caller's storage: never reallocated nor freed */
  bool failed;
};

/* A buffer on the heap that holds at most max bytes (0: no bound but memory);
 * `struct rl_buf b = {0}` is the same as rl_buf_init(&b, 0). Free with
 * rl_buf_free, or hand its bytes over with rl_buf_take. */
void rl_buf_init(struct rl_buf *b, size_t max);
/* A buffer over the caller's storage mem (size bytes, at least 1, borrowed
 * for the buffer's life): it never allocates, so it works when memory is
 * short; what does not fit fails. */
void rl_buf_init_fixed(struct rl_buf *b, char *mem, size_t size);

/* Appends n bytes of p as they are. */
void rl_buf_add_len(struct rl_buf *b, const void *p, size_t n);
/* Appends the string s (NULL: nothing). */
void rl_buf_add(struct rl_buf *b, const char *s);
void rl_buf_printf(struct rl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s (NULL: nothing) with & < > " ' written as HTML entities. */
void rl_buf_add_html(struct rl_buf *b, const char *s);
/* Appends s (NULL: "") as a JSON string, quotes included: invalid UTF-8
 * bytes become U+FFFD; its escaped text is cut, at a character boundary, to
 * at most max bytes, so that a writer can bound each field of a line. */
void rl_buf_add_json(struct rl_buf *b, const char *s, size_t max);

/* RL_OK, or RL_ENOMEM once an append failed. */
int rl_buf_status(const struct rl_buf *b);

/* Hands over a heap buffer's bytes (NUL-terminated; "" when empty) and their
 * count in *len; the caller frees them. NULL when the buffer failed or is
 * fixed. Either way *b is left empty, with nothing to free. */
char *rl_buf_take(struct rl_buf *b, size_t *len);
/* Frees what the buffer allocated and leaves it empty, as rl_buf_init(b, 0). */
void rl_buf_free(struct rl_buf *b);

#endif
