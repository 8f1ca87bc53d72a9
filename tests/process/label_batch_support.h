/* What the tests of long requests send: label batches of one device, on a
 * server of their own (tests/process/test_drain.c, test_heavy.c). */
#ifndef RL_TESTS_LABEL_BATCH_SUPPORT_H
#define RL_TESTS_LABEL_BATCH_SUPPORT_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/th.h"

/* Labels per batch: 1,000, or 100 under valgrind (where 1,000 take minutes). */
static inline int lb_labels_per_batch(void)
{
  const char *s = getenv("RL_SANITIZE");
  return s && strcmp(s, "valgrind") == 0 ? 100 : 1000;
}

/* On the server at url: a new site (slug from prefix) and a donated device
 * there, its code into code (cap bytes); returns the body of a batch of
 * lb_labels_per_batch() labels of it (caller frees). */
static inline char *lb_batch_body(const char *url, const char *prefix, char *code, size_t cap)
{
  const char *site = th_unique(prefix);
  char body[256];
  snprintf(body, sizeof body, "{\"slug\":\"%s\",\"name\":\"%s\"}", site, prefix);
  struct th_resp *r =
      th_request_to(url, "POST", "/api/v1/sites", th_admin_key(), body, strlen(body), NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  snprintf(body, sizeof body,
           "{\"kind\":\"donation\",\"category\":\"kettle\",\"site\":\"%s\",\"brand\":\"SEB\"}",
           site);
  r = th_request_to(url, "POST", "/api/v1/devices", th_admin_key(), body, strlen(body), NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  snprintf(code, cap, "%s", th_str(r, "code"));
  th_free(r);
  int labels = lb_labels_per_batch();
  size_t len = (size_t)labels * (strlen(code) + 3) + 32;
  char *batch = malloc(len);
  cr_assert_not_null(batch);
  size_t o = (size_t)snprintf(batch, len, "{\"codes\":[");
  for (int i = 0; i < labels; i++)
    o += (size_t)snprintf(batch + o, len - o, "%s\"%s\"", i ? "," : "", code);
  snprintf(batch + o, len - o, "]}");
  return batch;
}

#endif
