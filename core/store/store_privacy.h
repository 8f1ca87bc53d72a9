/* Erasures and retention runs in the database (sql/0013_erasure.sql,
 * docs/privacy.md): what core/erasure.c and core/retention.c compose. The
 * erasing itself is SQL (erase_records, retention_purge), written once for
 * both. JSON forms are caller-owned and hold no contact value. */
#ifndef RL_CORE_STORE_STORE_PRIVACY_H
#define RL_CORE_STORE_STORE_PRIVACY_H

#include <jansson.h>

/* Whom an erasure is about, as person_records() takes it (each NULL or
 * one given): a device code's body, a member number's body, an e-mail, a
 * phone number, and the programme's calling code. */
struct store_person {
  const char *device, *member, *email, *phone, *country;
};

/* Who asked, and why. */
struct store_erasure_meta {
  long long key_id;
  const char *key_name;
  const char *reason;   /* NULL: none given */
  const char *found_by; /* "member", "device", "email" or "phone" */
};

/* The person's records (person_records) as two SQL array literals of
 * ids, *devices and *members ("{}" when none; caller frees both). */
int store_privacy_resolve(char **devices, char **members, const struct store_person *p);

/* Erases those records (erase_records) and records the erasure, in one
 * statement; *out: the erasure. */
int store_privacy_erase(json_t **out, const char *devices, const char *members,
                        const struct store_erasure_meta *m);

/* Erasures newest first, by id before `before` (0: from the newest), at
 * or after since and before until (RFC 3339, each NULL for no bound). */
int store_privacy_erasure_list(json_t **out, int *more, long long *last_id, const char *since,
                               const char *until, long long before, int limit);
/* RL_ENOTFOUND. */
int store_privacy_erasure_get(json_t **out, long long id);

/* Retention settings, in days. */
struct store_retention_days {
  unsigned owner, member, delivery, read_log;
};

/* What a retention run would purge now, by kind (retention_purge's dry
 * run). */
int store_retention_preview(json_t **out, const struct store_retention_days *d);

/* A retention run (retention_run): daily when key_name is NULL (then
 * *out is NULL when the day, in timezone, already had its run), else
 * manual by that key. *out: the run. */
int store_retention_run(json_t **out, const char *timezone, long long key_id, const char *key_name,
                        const struct store_retention_days *d);

/* Runs newest first, by id before `before` (0: from the newest). */
int store_retention_list(json_t **out, int *more, long long *last_id, long long before, int limit);
/* The last run, or a JSON null when none ran yet. */
int store_retention_last(json_t **out);

#endif
