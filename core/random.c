/* Randomness from getrandom(2) and its text encodings. */
#include "core/random.h"

#include <errno.h>
#include <sys/random.h>

#include "core/error.h"

int rl_random_bytes(void *buf, size_t n)
{
  uint8_t *p = buf;
  while (n > 0) {
    ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return RL_EUNAVAILABLE;
    }
    p += got;
    n -= (size_t)got;
  }
  return RL_OK;
}

size_t rl_base64url_len(size_t n) { return (n * 8 + 5) / 6; }

void rl_base64url(char *out, const uint8_t *in, size_t n)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8) | in[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out[o++] = alphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out[o++] = alphabet[(acc << (6 - bits)) & 0x3f];
  out[o] = '\0';
}

void rl_hex(char *out, const uint8_t *in, size_t n)
{
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 0xf];
  }
  out[2 * n] = '\0';
}
