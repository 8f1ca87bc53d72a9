/* The portals' upload calls with libcurl (core/portal.h).
 *   data.gouv.fr: POST {base}/api/1/datasets/{dataset}/resources/{resource}/upload/
 *                 multipart field `file`, header X-API-KEY;
 *   CKAN:         POST {base}/api/3/action/resource_update
 *                 multipart fields `id` and `upload`, header Authorization. */
#include "core/portal.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/curl_cancel.h"
#include "core/error.h"

/* What is kept of a portal's answer: enough for CKAN's JSON verdict and an
 * error excerpt, never a portal's whole page in memory. */
#define ANSWER_MAX ((size_t)64 * 1024)
/* A connection not made in this long will not be made. */
#define CONNECT_TIMEOUT_S 10L
/* Under one byte a second for this long is a stall. */
#define STALL_S 30L
/* How much of a failed answer the error quotes. */
#define EXCERPT_MAX 160

int portal_global_init(void)
{
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? RL_OK : RL_ENOMEM;
}

void portal_global_cleanup(void) { curl_global_cleanup(); }

struct answer {
  char *data;
  size_t len;
};

static size_t on_answer(char *ptr, size_t size, size_t nmemb, void *userdata)
{
  struct answer *a = userdata;
  size_t n = size * nmemb;
  size_t room = ANSWER_MAX - a->len;
  size_t take = n < room ? n : room; /* the rest is read and dropped */
  if (take > 0) {
    char *d = realloc(a->data, a->len + take + 1);
    if (d == NULL)
      return 0;
    memcpy(d + a->len, ptr, take);
    a->len += take;
    d[a->len] = '\0';
    a->data = d;
  }
  return n;
}

static size_t read_file(char *buffer, size_t size, size_t nitems, void *arg)
{
  return fread(buffer, size, nitems, (FILE *)arg) * size;
}

static int seek_file(void *arg, curl_off_t offset, int origin)
{
  return fseeko((FILE *)arg, (off_t)offset, origin) == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

/* An excerpt of the answer for the error text: printable ASCII only, and
 * the secret, should a portal echo it, masked. */
static void excerpt(char *out, size_t cap, const struct answer *a, const char *secret)
{
  size_t o = 0;
  for (size_t i = 0; a->data != NULL && i < a->len && o < EXCERPT_MAX && o + 1 < cap; i++) {
    unsigned char ch = (unsigned char)a->data[i];
    out[o++] = (char)(ch >= ' ' && ch < 127 ? ch : ' ');
  }
  out[o] = '\0';
  size_t sl = strlen(secret);
  if (sl == 0)
    return;
  for (char *p = strstr(out, secret); p != NULL; p = strstr(p + 1, secret))
    memset(p, '*', sl);
  /* A secret cut off by the excerpt's end leaves its beginning. */
  for (size_t k = sl - 1; k > 0; k--)
    if (o >= k && strncmp(out + o - k, secret, k) == 0) {
      memset(out + o - k, '*', k);
      break;
    }
}

static int ckan_succeeded(const struct answer *a)
{
  json_t *j = a->data ? json_loadb(a->data, a->len, 0, NULL) : NULL;
  int ok = json_is_true(json_object_get(j, "success"));
  json_decref(j);
  return ok;
}

/* The header line carrying the secret, in a buffer wiped after use. */
static char *auth_header(const struct portal_upload *up)
{
  const char *name = strcmp(up->kind, "ckan") == 0 ? "Authorization: " : "X-API-KEY: ";
  size_t n = strlen(name) + strlen(up->secret) + 1;
  char *h = malloc(n);
  if (h != NULL)
    snprintf(h, n, "%s%s", name, up->secret);
  return h;
}

static void set_error(struct portal_result *out, enum portal_status st, const char *fmt,
                      const char *a, const char *b)
{
  out->status = st;
  snprintf(out->error, sizeof out->error, fmt, a, b);
}

void portal_send(struct portal_result *out, const struct portal_upload *up)
{
  memset(out, 0, sizeof *out);
  int ckan = strcmp(up->kind, "ckan") == 0;
  char url[1024];
  if (ckan)
    snprintf(url, sizeof url, "%s/api/3/action/resource_update", up->base_url);
  else
    snprintf(url, sizeof url, "%s/api/1/datasets/%s/resources/%s/upload/", up->base_url,
             up->dataset_id, up->resource_id);

  CURL *c = curl_easy_init();
  char *auth = auth_header(up);
  struct curl_slist *headers = auth ? curl_slist_append(NULL, auth) : NULL;
  curl_mime *mime = c ? curl_mime_init(c) : NULL;
  struct answer ans = {NULL, 0};
  char errbuf[CURL_ERROR_SIZE] = "";
  if (c == NULL || headers == NULL || mime == NULL) {
    set_error(out, PORTAL_FAILED, "out of memory%s%s", "", "");
    goto out;
  }
  if (ckan) {
    curl_mimepart *id = curl_mime_addpart(mime);
    curl_mime_name(id, "id");
    curl_mime_data(id, up->resource_id, CURL_ZERO_TERMINATED);
  }
  curl_mimepart *file = curl_mime_addpart(mime);
  curl_mime_name(file, ckan ? "upload" : "file");
  curl_mime_filename(file, up->file_name);
  curl_mime_type(file, up->content_type);
  rewind(up->file);
  curl_mime_data_cb(file, (curl_off_t)up->size, read_file, seek_file, NULL, up->file);

  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is the portal's failure */
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
  long total = (long)up->timeout_s;
  curl_easy_setopt(c, CURLOPT_TIMEOUT, total);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                   total < CONNECT_TIMEOUT_S ? total : CONNECT_TIMEOUT_S);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, total < STALL_S ? total : STALL_S);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_answer);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ans);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  rl_curl_cancel_on(c, up->cancel);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "repaird (Repair Ledger open data)");

  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    set_error(out, PORTAL_TIMEOUT, "no complete answer within the time allowed: %s%s",
              errbuf[0] ? errbuf : curl_easy_strerror(rc), "");
    goto out;
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    set_error(out, PORTAL_FAILED, "the service stopped during the upload%s%s", "", "");
    goto out;
  }
  if (rc != CURLE_OK) {
    set_error(out, PORTAL_FAILED, "%s%s", errbuf[0] ? errbuf : curl_easy_strerror(rc), "");
    goto out;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->http_status);
  char ex[EXCERPT_MAX + 1];
  excerpt(ex, sizeof ex, &ans, up->secret);
  if (out->http_status < 200 || out->http_status > 299) {
    char code[16];
    snprintf(code, sizeof code, "%ld", out->http_status);
    set_error(out, PORTAL_FAILED, "the portal answered %s: %s", code, ex);
  } else if (ckan && !ckan_succeeded(&ans)) {
    set_error(out, PORTAL_FAILED, "the portal did not answer \"success\": true: %s%s", ex, "");
  } else {
    out->status = PORTAL_SUCCESS;
  }

out:
  if (auth != NULL) {
    explicit_bzero(auth, strlen(auth));
    free(auth);
  }
  if (c != NULL)
    curl_easy_cleanup(c);
  curl_mime_free(mime);
  for (struct curl_slist *h = headers; h != NULL; h = h->next) /* the list's own copy */
    explicit_bzero(h->data, strlen(h->data));
  curl_slist_free_all(headers);
  free(ans.data);
}
