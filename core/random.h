/* Unguessable random bytes and their URL-safe text form. */
#ifndef RL_CORE_RANDOM_H
#define RL_CORE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n bytes from the kernel's CSPRNG; RL_OK or RL_EUNAVAILABLE. */
int rl_random_bytes(void *buf, size_t n);

/* Writes the unpadded base64url form of in[0..n) and a NUL into out, which
 * must hold at least rl_base64url_len(n) + 1 bytes. */
void rl_base64url(char *out, const uint8_t *in, size_t n);
size_t rl_base64url_len(size_t n);

/* Lower-case hex of in[0..n) into out (2n + 1 bytes). */
void rl_hex(char *out, const uint8_t *in, size_t n);

#endif
