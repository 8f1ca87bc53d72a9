/* What the public pages read: a repair's progress by its tracking token, a
 * device's public facts by its code. No personal data, no internal notes. */
#ifndef RL_CORE_STORE_TRACKING_H
#define RL_CORE_STORE_TRACKING_H

#include <jansson.h>

/* {code, status, category: {slug, name_fr, name_en}, site: {name, address,
 * opening_hours}, timeline: [{status, at}]}. RL_ENOTFOUND if no device has
 * this token. */
int store_tracking_by_token(json_t **out, const char *token);

/* {code, status, category: {…}, site: {name}}. RL_ENOTFOUND. */
int store_tracking_by_code(json_t **out, const char *code_body);

#endif
