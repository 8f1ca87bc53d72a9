/* The residents' view of a repair, and the public view of a device: what
 * they may see and the plain-language messages for each status. */
#ifndef RL_CORE_TRACKING_H
#define RL_CORE_TRACKING_H

#include <jansson.h>

enum rl_lang { RL_LANG_FR, RL_LANG_EN };

/* The repair behind a tracking token, with a message for its status in
 * both languages. Any token that opens nothing (malformed, unknown) gives
 * RL_ENOTFOUND, alike. */
int tracking_by_token(json_t **out, const char *token);

/* Whether t could be a token this service hands out (22 to 64 URL-safe
 * base64 characters): anything else opens nothing, without asking the
 * database. Loan tokens have the same shape. */
int tracking_token_shaped(const char *t);

/* A device's public facts (category, status, site name) by its code. */
int tracking_by_code(json_t **out, const char *code);

/* The status's name and message for residents; never NULL. */
const char *tracking_status_label(const char *status, enum rl_lang lang);
const char *tracking_status_message(const char *status, enum rl_lang lang);

#endif
