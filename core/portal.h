/* Uploading a dataset file to a city's open-data portal (data.gouv.fr or
 * CKAN) over HTTPS with libcurl: the service's only outgoing HTTP client.
 * Bounded in time (connect, total, and a stall) and in what it keeps of
 * the portal's answer; TLS verified; no redirects followed. */
#ifndef RL_CORE_PORTAL_H
#define RL_CORE_PORTAL_H

#include <stdatomic.h>
#include <stdio.h>

/* libcurl's global state: once at start, before any thread uploads, and
 * once at exit. RL_OK or RL_ENOMEM. */
int portal_global_init(void);
void portal_global_cleanup(void);

struct portal_upload {
  const char *kind; /* "datagouv" or "ckan" */
  const char *base_url;
  const char *dataset_id; /* data.gouv.fr only */
  const char *resource_id;
  const char *secret; /* sent as X-API-KEY (data.gouv.fr) or Authorization (CKAN) */
  FILE *file;         /* read from its start, size bytes */
  long long size;
  const char *file_name, *content_type;
  unsigned timeout_s;       /* the whole upload, connection included */
  const atomic_int *cancel; /* when it becomes non-zero the upload stops (may be NULL) */
};

enum portal_status { PORTAL_SUCCESS, PORTAL_FAILED, PORTAL_TIMEOUT };

struct portal_result {
  enum portal_status status;
  long http_status; /* 0: no HTTP answer */
  char error[400];  /* why it failed, for people; never holds the secret */
};

/* Uploads the file: success is a 2xx answer (and, for CKAN, a JSON body
 * with "success": true). */
void portal_send(struct portal_result *out, const struct portal_upload *up);

#endif
