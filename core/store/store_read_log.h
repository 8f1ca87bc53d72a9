/* The record of reads of personal data (sql/0014_read_log.sql): the
 * writer's batch insert and the admins' list. */
#ifndef RL_CORE_STORE_STORE_READ_LOG_H
#define RL_CORE_STORE_STORE_READ_LOG_H

#include <jansson.h>
#include <stdint.h>

/* Inserts a batch in one statement. rows: a JSON array (borrowed) of
 * {"at_us", "key_id", "method", "route", "request_id", "devices",
 * "members"}; each row's time is at_us (microseconds since 1970, when the
 * reply was built) moved by the programme's clock shift (rl_now() less
 * now(), zero in service).
 * RL_OK, or the store's errors (RL_EUNAVAILABLE, RL_EINDOUBT, …). */
int store_read_log_insert(const json_t *rows);

/* What a list is filtered on; NULL / 0 when not. device and member are
 * bodies (8 and 6 symbols); since and until RFC 3339 times. */
struct store_read_log_query {
  long long key_id;
  const char *device, *member, *since, *until;
  int64_t before; /* the cursor: ids below it; 0 from the newest */
  int limit;
};

/* A page of entries, newest first: {id, at, key {id, name, role}, method,
 * route, request_id, devices, members} (caller owns *out). *last_id: the
 * id of the page's last entry, when *more. */
int store_read_log_list(json_t **out, int *more, long long *last_id,
                        const struct store_read_log_query *q);

#endif
