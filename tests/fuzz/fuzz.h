/* Shared by the libFuzzer harnesses (make fuzz, docs/fuzzing.md): each
 * feeds outside input to one parser and checks what must hold whatever
 * the input; a failed check aborts, which libFuzzer reports as a crash. */
#ifndef RL_TESTS_FUZZ_H
#define RL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (cut at its first NUL, as C
 * callers see it). Caller frees. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (s == NULL)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

#endif
