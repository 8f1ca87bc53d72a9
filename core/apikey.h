/* API keys: generation, hashing and roles. A key is shown once; only its
 * SHA-256 and a short visible prefix are kept. */
#ifndef RL_CORE_APIKEY_H
#define RL_CORE_APIKEY_H

#include <stddef.h>
#include <stdint.h>

enum rl_role { RL_ROLE_NONE = 0, RL_ROLE_READER = 1, RL_ROLE_VOLUNTEER = 2, RL_ROLE_ADMIN = 3 };

#define RL_APIKEY_LEN 47        /* "rlk_" + 43 base64url characters (32 bytes) */
#define RL_APIKEY_PREFIX_LEN 12 /* what listings show: "rlk_" + 8 characters */
#define RL_APIKEY_HASH_HEX 64

/* "admin" → RL_ROLE_ADMIN …; RL_ROLE_NONE for anything else. */
enum rl_role rl_role_parse(const char *s);
/* "admin", "volunteer", "reader"; "none" for RL_ROLE_NONE. */
const char *rl_role_name(enum rl_role r);

/* Writes a new random key (RL_APIKEY_LEN + 1 bytes) into out. */
int rl_apikey_generate(char *out);

/* Lower-case hex SHA-256 of key[0..len) into out (65 bytes). */
void rl_apikey_hash(char *out, const char *key, size_t len);

/* Whether s looks like a key this service issues (cheap check before hashing). */
int rl_apikey_well_formed(const char *s, size_t len);

#endif
