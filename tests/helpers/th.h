/* Test helpers: an HTTP client (libcurl) for talking to a real repaird as an
 * integrator would, and process helpers for starting one. */
#ifndef RL_TESTS_TH_H
#define RL_TESTS_TH_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

struct th_resp {
  long status;
  char *body; /* NUL-terminated */
  size_t len;
  char *headers; /* raw header block */
  json_t *json;  /* parsed body when it is JSON, else NULL */
};

/* The base URL of the shared test server (RL_TEST_URL) and its admin key. */
const char *th_url(void);
const char *th_admin_key(void);

/* Sends a request to base (NULL: th_url()) + path. key: Bearer key or NULL.
 * body: sent as is (NULL: none); content_type defaults to application/json
 * when body is set. extra: NULL-terminated "Name: value" headers or NULL.
 * Every reply is recorded for the OpenAPI contract check. */
struct th_resp *th_request_to(const char *base, const char *method, const char *path,
                              const char *key, const char *body, size_t body_len,
                              const char *const *extra);
struct th_resp *th_req(const char *method, const char *path, const char *key, const char *body,
                       const char *const *extra);
/* printf-style JSON body helper: th_reqf("POST", "/x", key, "{\"a\":%d}", 1). */
struct th_resp *th_reqf(const char *method, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void th_free(struct th_resp *r);

/* A header of the reply (case-insensitive name), copied into a static
 * per-thread buffer; NULL if absent. */
const char *th_header(const struct th_resp *r, const char *name);

/* A string member of the reply's JSON object, or NULL. */
const char *th_str(const struct th_resp *r, const char *member);

/* Whether the reply is a problem+json with this status and the members
 * type, title and status. */
int th_is_problem(const struct th_resp *r, long status);

/* Creates a key with this role through the API; returns the secret (static
 * storage, one per role). */
const char *th_key(const char *role);

/* A fresh unique string for test data ("t<pid>-<n>"). */
const char *th_unique(const char *prefix);

/* Runs a SQL query on the test database through psql and returns its first
 * output line (trimmed; static buffer), or NULL on failure. */
const char *th_sql(const char *query);

/* Starts psql running query on the test database in the background
 * (output discarded); returns its pid, or -1. th_sql_wait waits for it and
 * returns its exit status. */
pid_t th_sql_background(const char *query);
int th_sql_wait(pid_t pid);

/* Starts the webhook receiver of the tests (tests/tools/webhook_receiver.mjs,
 * which checks signatures with the npm standardwebhooks package, installed
 * first when missing) on a free port; writes its base URL
 * (http://127.0.0.1:port) into base (cap bytes). Returns its pid, or -1. */
pid_t th_webhook_receiver(char *base, size_t cap);
/* A request to that receiver's control paths (method, path, body or NULL;
 * not recorded for the contract check: it is not the service): the body of
 * its answer (caller frees), or NULL when it did not answer 200 in 10 s. */
char *th_webhook_receiver_call(const char *base, const char *method, const char *path,
                               const char *body);
/* Stops a child process begun by the tests (SIGTERM, then waits); *pid 0. */
void th_child_stop(pid_t *pid);

/* Starts `repaird serve` on a free port with the test database; extra_env is
 * a NULL-terminated list of NAME=value (RL_TEST_SERVER_LOG_FILE=path keeps
 * its output in that file). Waits until /healthz answers.
 * Writes its base URL into url (cap bytes). Returns its pid, or -1. */
pid_t th_server_start(char *url, size_t cap, const char *const *extra_env);
/* Sends sig and waits; returns the exit status (or 128+signal). */
int th_server_stop(pid_t pid, int sig);

#endif
