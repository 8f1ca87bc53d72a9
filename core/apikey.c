/* API key generation and hashing (SHA-256 via OpenSSL's libcrypto). */
#include "core/apikey.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/random.h"

enum rl_role rl_role_parse(const char *s)
{
  if (s == NULL)
    return RL_ROLE_NONE;
  if (strcmp(s, "admin") == 0)
    return RL_ROLE_ADMIN;
  if (strcmp(s, "volunteer") == 0)
    return RL_ROLE_VOLUNTEER;
  if (strcmp(s, "reader") == 0)
    return RL_ROLE_READER;
  return RL_ROLE_NONE;
}

const char *rl_role_name(enum rl_role r)
{
  switch (r) {
  case RL_ROLE_ADMIN: return "admin";
  case RL_ROLE_VOLUNTEER: return "volunteer";
  case RL_ROLE_READER: return "reader";
  default: return "none";
  }
}

int rl_apikey_generate(char *out)
{
  uint8_t raw[32];
  int rc = rl_random_bytes(raw, sizeof raw);
  if (rc != RL_OK)
    return rc;
  char encoded[RL_APIKEY_LEN - 4 + 1];
  rl_base64url(encoded, raw, sizeof raw);
  snprintf(out, RL_APIKEY_LEN + 1, "rlk_%s", encoded);
  return RL_OK;
}

void rl_apikey_hash(char *out, const char *key, size_t len)
{
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)key, len, digest);
  rl_hex(out, digest, sizeof digest);
}

int rl_apikey_well_formed(const char *s, size_t len)
{
  if (s == NULL || len != RL_APIKEY_LEN || strncmp(s, "rlk_", 4) != 0)
    return 0;
  for (size_t i = 4; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return 0;
  }
  return 1;
}
