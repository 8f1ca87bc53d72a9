/* The personal data a reply can hold, named in one place: owner contacts
 * and members' contacts and notes. Whatever keeps a copy of a reply
 * (stored idempotent replies) or shows it to a key that may not see
 * personal data removes these first. */
#ifndef RL_CORE_PRIVACY_H
#define RL_CORE_PRIVACY_H

#include <jansson.h>

/* Removes the personal members that hold something (a null one stays: it
 * says there is nothing) from a reply and every object and array in it. */
void privacy_strip(json_t *reply);

/* The kinds of record whose personal data a reply can carry. */
enum privacy_record { PRIVACY_DEVICE, PRIVACY_MEMBER };

/* Called once for each record found, with its code or member number as
 * the reply shows it (borrowed for the call only). */
typedef void (*privacy_found_fn)(void *ctx, enum privacy_record kind, const char *id);

/* Walks a reply (objects and arrays, nested at any depth up to 64 levels)
 * and names every record whose personal data it holds: an object with a
 * string `code` and a non-null `owner` is a device with its owner's
 * contact; one with a string `number` and a non-null `contact` or `notes`
 * is a member with theirs. Names a record as often as it appears. */
void privacy_walk(const json_t *reply, privacy_found_fn found, void *ctx);

#endif
