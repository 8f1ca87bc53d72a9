/* Uploading a target's dataset and recording the attempt (core/publish.h).
 * The claim (a running attempt) and its outcome are two short statements;
 * between them, with no transaction open, the dataset is written to a
 * temporary file (its size and SHA-256 computed on the way) and sent. */
#include "core/publish.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/portal.h"
#include "core/publish_sources.h"
#include "core/publisher.h"
#include "core/spec.h"
#include "core/store/pool.h"
#include "core/store/store_publish.h"

/* Seconds to wait after attempt n fails (index n - 1), as PUBLISH_DELAYS
 * says for SQL too. */
static const long retry_delays[PUBLISH_MAX_ATTEMPTS - 1] = {60, 300, 1800, 7200};
#define PUBLISH_DELAYS "{60,300,1800,7200}"
/* Targets one pass uploads at most: the rest wait for the next. */
#define DUE_PER_PASS 20
/* The longest a secret may be. */
#define SECRET_MAX 4096

/* The dataset on its way to the temporary file. */
struct spool {
  FILE *f;
  EVP_MD_CTX *md;
  long long bytes;
};

static int spool_write(void *ctx, const char *data, size_t len)
{
  struct spool *s = ctx;
  if (fwrite(data, 1, len, s->f) != len || EVP_DigestUpdate(s->md, data, len) != 1)
    return -1;
  s->bytes += (long long)len;
  return 0;
}

/* Reads the secret into buf (cap bytes) from where the target says, one
 * line, trailing white space removed. 0, or -1 with why (naming the place,
 * never the value). */
static int read_secret(char *buf, size_t cap, const json_t *target, const struct rl_config *cfg,
                       char *why, size_t whycap)
{
  const char *env = rl_spec_str(target, "secret_env"), *file = rl_spec_str(target, "secret_file");
  size_t n = 0;
  if (env != NULL) {
    const char *v =
        getenv(env); /* NOLINT(concurrency-mt-unsafe): the environment is not set after start */
    if (v == NULL || *v == '\0') {
      snprintf(why, whycap, "the secret's environment variable %s is not set", env);
      return -1;
    }
    n = strlen(v);
    if (n >= cap) {
      snprintf(why, whycap, "the secret in %s is longer than %d bytes", env, SECRET_MAX);
      return -1;
    }
    memcpy(buf, v, n + 1);
  } else {
    if (cfg->publish.secrets_dir[0] == '\0') {
      snprintf(why, whycap, "secret_file needs REPAIRD_PORTAL_SECRETS_DIR, which is not set");
      return -1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", cfg->publish.secrets_dir, file ? file : "");
    FILE *f = fopen(path, "re");
    if (f == NULL) {
      snprintf(why, whycap, "cannot read the secret file %s", file ? file : "");
      return -1;
    }
    n = fread(buf, 1, cap - 1, f);
    int more = fgetc(f) != EOF;
    (void)fclose(f); /* read only: nothing to lose */
    buf[n] = '\0';
    if (more) {
      snprintf(why, whycap, "the secret file %s is longer than %d bytes", file, SECRET_MAX);
      explicit_bzero(buf, cap);
      return -1;
    }
  }
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
    buf[--n] = '\0';
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)buf[i] < ' ' || buf[i] == 127) {
      /* It goes into a header line: a line break would forge another. */
      snprintf(why, whycap, "the secret in %s holds a control character or line break",
               env ? env : file);
      explicit_bzero(buf, cap);
      return -1;
    }
  if (n == 0) {
    snprintf(why, whycap, "the secret in %s is empty", env ? env : file);
    return -1;
  }
  return 0;
}

/* Writes the dataset to an unlinked temporary file: nothing is left on
 * disk whatever happens. *sha: hex SHA-256. */
static int spool_dataset(FILE **out, long long *bytes, char *sha, const struct publish_source *src,
                         const struct rl_config *cfg, char *why, size_t whycap)
{
  char path[] = "/tmp/repaird-publish-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) {
    snprintf(why, whycap, "cannot create a temporary file for the dataset");
    return RL_EUNAVAILABLE;
  }
  unlink(path);
  struct spool s = {fdopen(fd, "w+"), EVP_MD_CTX_new(), 0};
  int rc = RL_ENOMEM;
  if (s.f == NULL || s.md == NULL || EVP_DigestInit_ex(s.md, EVP_sha256(), NULL) != 1)
    goto out;
  rc = src->write(spool_write, &s, cfg);
  if (rc == RL_OK && fflush(s.f) != 0)
    rc = RL_EUNAVAILABLE;
  if (rc != RL_OK) {
    snprintf(why, whycap, "writing the dataset %s failed: %s", src->name, rl_err_name(rc));
    goto out;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  EVP_DigestFinal_ex(s.md, md, &mdlen);
  for (unsigned i = 0; i < mdlen; i++)
    snprintf(sha + (size_t)2 * i, 3, "%02x", md[i]);
  *bytes = s.bytes;
  *out = s.f;
  s.f = NULL;
out:
  if (s.f != NULL)
    (void)fclose(s.f);
  else if (rc != RL_OK)
    close(fd);
  EVP_MD_CTX_free(s.md);
  if (rc == RL_ENOMEM && why[0] == '\0')
    snprintf(why, whycap, "out of memory");
  return rc;
}

/* Runs the upload a claimed attempt stands for and records its outcome;
 * *out: the finished attempt. */
static int run_attempt(json_t **out, const json_t *target, const json_t *attempt,
                       const struct rl_config *cfg, const atomic_int *cancel)
{
  long long attempt_id = json_integer_value(json_object_get(attempt, "id"));
  int number = (int)json_integer_value(json_object_get(attempt, "attempt"));
  const struct publish_source *src = publish_source_find(rl_spec_str(target, "source"));
  char sha[2 * EVP_MAX_MD_SIZE + 1] = "", why[400] = "";
  char *secret = calloc(1, SECRET_MAX + 1);
  FILE *file = NULL;
  long long bytes = -1;
  struct portal_result res = {PORTAL_FAILED, 0, ""};
  if (secret == NULL) {
    snprintf(res.error, sizeof res.error, "out of memory");
  } else if (src == NULL) {
    snprintf(res.error, sizeof res.error, "the dataset source %s is not known",
             rl_spec_str(target, "source"));
  } else if (read_secret(secret, SECRET_MAX + 1, target, cfg, why, sizeof why) != 0 ||
             spool_dataset(&file, &bytes, sha, src, cfg, why, sizeof why) != RL_OK) {
    snprintf(res.error, sizeof res.error, "%s", why);
  } else {
    struct portal_upload up = {
        .kind = rl_spec_str(target, "kind"),
        .base_url = rl_spec_str(target, "base_url"),
        .dataset_id = rl_spec_str(target, "dataset_id"),
        .resource_id = rl_spec_str(target, "resource_id"),
        .secret = secret,
        .file = file,
        .size = bytes,
        .file_name = src->file_name,
        .content_type = src->content_type,
        .timeout_s = cfg->publish.timeout_s,
        .cancel = cancel,
    };
    portal_send(&res, &up);
  }
  if (secret != NULL) {
    explicit_bzero(secret, SECRET_MAX + 1);
    free(secret);
  }
  if (file != NULL)
    (void)fclose(file); /* read only, unlinked */
  static const char *const names[] = {"success", "failed", "timeout"};
  struct store_outcome o = {
      .status = names[res.status],
      .http_status = res.http_status,
      .bytes = bytes,
      .sha256 = sha[0] ? sha : NULL,
      .error = res.error[0] ? res.error : NULL,
      .retry_delay_s = res.status == PORTAL_SUCCESS || number >= PUBLISH_MAX_ATTEMPTS
                           ? -1
                           : retry_delays[number - 1],
  };
  int rc = store_attempt_finish(out, attempt_id, &o);
  long long tid = json_integer_value(json_object_get(target, "id"));
  if (rc != RL_OK)
    rl_log(RL_LOG_WARN, "publish", "target %lld: recording attempt %lld: %s", tid, attempt_id,
           rl_err_name(rc));
  else
    rl_log(res.status == PORTAL_SUCCESS ? RL_LOG_INFO : RL_LOG_WARN, "publish",
           "target %lld attempt %lld (%s, #%d): %s, HTTP %ld, %lld bytes", tid, attempt_id,
           rl_spec_str(attempt, "trigger"), number, o.status, res.http_status, bytes);
  return rc;
}

int publish_now(json_t **out, long long target_id)
{
  int created;
  int rc = store_attempt_enqueue(out, &created, target_id);
  if (rc == RL_OK)
    rl_publisher_wake();
  return rc;
}

int publish_queued(long *n, const struct rl_config *cfg, const atomic_int *cancel)
{
  *n = 0;
  int rc = RL_OK;
  while (cancel == NULL || !atomic_load(cancel)) {
    json_t *attempt, *target, *done = NULL;
    rc = store_attempt_take_queued(&attempt);
    if (rc != RL_OK)
      break;
    long long tid = json_integer_value(json_object_get(attempt, "target"));
    rc = store_target_get(&target, NULL, tid, 0);
    if (rc == RL_OK) {
      rc = run_attempt(&done, target, attempt, cfg, cancel);
      json_decref(target);
      json_decref(done);
      (*n)++;
    }
    json_decref(attempt);
    if (rc != RL_OK)
      break; /* a claim left running is taken as abandoned by the sweep */
  }
  /* Nothing left, or the next one's target is uploading (it waits). */
  return rc == RL_ENOTFOUND || rc == RL_ECONFLICT ? RL_OK : rc;
}

struct due_ctx {
  const char *tz;
  long stale_s;
  json_t *claimed; /* [{attempt}] */
};

/* Under the advisory lock: whoever holds it decides, once, what is due,
 * and claims it; the others find nothing left. */
static int claim_due_tx(void *arg)
{
  struct due_ctx *c = arg;
  json_array_clear(c->claimed);
  int got = 0;
  int rc = store_publish_lock(&got);
  if (rc != RL_OK || !got)
    return rc;
  long abandoned = 0;
  rc = store_attempt_abandon(&abandoned, c->stale_s, PUBLISH_DELAYS);
  if (rc != RL_OK)
    return rc;
  if (abandoned > 0)
    rl_log(RL_LOG_WARN, "publish", "%ld uploads abandoned by a stopped instance", abandoned);
  json_t *due;
  rc = store_publish_due(&due, c->tz, DUE_PER_PASS);
  if (rc != RL_OK)
    return rc;
  size_t i;
  json_t *d;
  json_array_foreach(due, i, d) {
    const char *trigger = rl_spec_str(d, "trigger");
    json_t *attempt;
    rc = store_attempt_claim(&attempt, json_integer_value(json_object_get(d, "id")), trigger,
                             (int)json_integer_value(json_object_get(d, "attempt")),
                             strcmp(trigger, "monthly") == 0 ? rl_spec_str(d, "month") : NULL);
    if (rc != RL_OK)
      break;
    json_array_append_new(c->claimed, attempt);
  }
  json_decref(due);
  return rc;
}

int publish_due(long *n, const struct rl_config *cfg, const atomic_int *cancel)
{
  *n = 0;
  /* An upload is over after timeout_s; writing the dataset comes first.
   * Twice that and five minutes more is surely a stopped instance. */
  struct due_ctx c = {cfg->timezone, 2L * (long)cfg->publish.timeout_s + 300, json_array()};
  int rc = store_tx_run(STORE_READ_COMMITTED, claim_due_tx, &c);
  size_t i;
  json_t *attempt;
  json_array_foreach(rc == RL_OK ? c.claimed : NULL, i, attempt) {
    json_t *target, *done = NULL;
    long long tid = json_integer_value(json_object_get(attempt, "target"));
    int r = store_target_get(&target, NULL, tid, 0);
    if (r == RL_OK) {
      r = run_attempt(&done, target, attempt, cfg, cancel);
      json_decref(target);
      json_decref(done);
      (*n)++;
    }
    if (r != RL_OK)
      rc = r; /* the claim stays running until the sweep takes it as abandoned */
  }
  json_decref(c.claimed);
  return rc;
}

int publish_attempt_get(json_t **out, long long id) { return store_attempt_get(out, id); }

int publish_attempt_list(json_t **out, char *next_cursor, json_t **errors, long long target,
                         const char *cursor, int limit)
{
  next_cursor[0] = '\0';
  int64_t before;
  int rc = rl_spec_cursor(&before, cursor, errors);
  if (rc != RL_OK)
    return rc;
  int more;
  rc = store_attempt_list(out, &more, target, before, limit);
  size_t n = json_array_size(rc == RL_OK ? *out : NULL);
  if (rc == RL_OK && more && n > 0)
    snprintf(next_cursor, RL_SPEC_CURSOR_MAX, "%lld",
             (long long)json_integer_value(json_object_get(json_array_get(*out, n - 1), "id")));
  return rc;
}
