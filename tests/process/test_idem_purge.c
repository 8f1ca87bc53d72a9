/* Stored Idempotency-Key replies expire and are purged by the service's
 * maintenance thread, which makes a first pass when the service starts. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/helpers/th.h"

Test(idempotency, expired_replies_are_purged)
{
  const char *old = th_unique("purge-old-"), *live = th_unique("purge-live-");
  char sql[1024];
  snprintf(sql, sizeof sql,
           "INSERT INTO idempotency_keys (api_key_id, idem_key, fingerprint, status, expires_at)"
           " SELECT id, k, 'x', 201, e FROM api_keys, (VALUES ('%s', now() - interval '1 hour'),"
           " ('%s', now() + interval '1 hour')) v(k, e) WHERE name = 'test-admin' RETURNING 1",
           old, live);
  cr_assert_not_null(th_sql(sql));
  char url[64];
  pid_t pid = th_server_start(url, sizeof url, NULL);
  cr_assert_gt(pid, 0);
  char q[256];
  snprintf(q, sizeof q, "SELECT count(*) FROM idempotency_keys WHERE idem_key = '%s'", old);
  const char *n = th_sql(q);
  for (int i = 0; i < 50 && n && strcmp(n, "0") != 0; i++) {
    struct timespec t = {0, 100 * 1000 * 1000};
    nanosleep(&t, NULL);
    n = th_sql(q);
  }
  cr_assert_str_eq(n, "0", "the expired reply is purged");
  snprintf(q, sizeof q, "SELECT count(*) FROM idempotency_keys WHERE idem_key = '%s'", live);
  cr_assert_str_eq(th_sql(q), "1", "a reply still fresh stays");
  cr_assert_eq(th_server_stop(pid, SIGTERM), 0);
}
