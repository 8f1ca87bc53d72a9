/* HTTP client and process helpers for the integration tests. */
#include "tests/helpers/th.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct buf {
  char *p;
  size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *ud)
{
  struct buf *b = ud;
  size_t add = size * n;
  char *p = realloc(b->p, b->len + add + 1);
  if (p == NULL)
    return 0;
  memcpy(p + b->len, ptr, add);
  b->p = p;
  b->len += add;
  b->p[b->len] = '\0';
  return add;
}

const char *th_url(void)
{
  const char *u = getenv("RL_TEST_URL");
  return u ? u : "http://127.0.0.1:8080";
}

const char *th_admin_key(void)
{
  const char *k = getenv("RL_TEST_ADMIN_KEY");
  return k ? k : "";
}

/* The reply's headers as {lower-case name: value}, from the last header
 * block (curl keeps the blocks of interim replies too). A repeated header
 * is joined with ", ", as HTTP allows. */
static json_t *record_headers(const char *raw)
{
  json_t *h = json_object();
  for (const char *p = raw; h && p && *p;) {
    const char *eol = strstr(p, "\r\n");
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    const char *colon = memchr(p, ':', len);
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
      json_object_clear(h);
    } else if (colon && colon > p) {
      char name[128];
      size_t nl = (size_t)(colon - p);
      if (nl >= sizeof name)
        nl = sizeof name - 1;
      for (size_t i = 0; i < nl; i++)
        name[i] = (char)tolower((unsigned char)p[i]);
      name[nl] = '\0';
      const char *v = colon + 1;
      const char *end = p + len;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
      const char *old = json_string_value(json_object_get(h, name));
      char *joined = NULL;
      if (old && asprintf(&joined, "%s, %.*s", old, (int)(end - v), v) < 0)
        joined = NULL;
      json_t *value = joined ? json_string(joined) : json_stringn(v, (size_t)(end - v));
      free(joined);
      if (value)
        json_object_set_new(h, name, value);
    }
    p += len + (eol ? 2 : 0);
  }
  return h;
}

static char *base64(const char *data, size_t len)
{
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *out = malloc((len + 2) / 3 * 4 + 1);
  if (out == NULL)
    return NULL;
  const unsigned char *s = (const unsigned char *)data;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)s[i] << 16 | (i + 1 < len ? (unsigned)s[i + 1] << 8 : 0) |
                 (i + 2 < len ? s[i + 2] : 0);
    out[o++] = tab[v >> 18 & 63];
    out[o++] = tab[v >> 12 & 63];
    out[o++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? tab[v & 63] : '=';
  }
  out[o] = '\0';
  return out;
}

/* Appends the reply to $RL_TEST_RECORD_DIR/replies-<pid>.jsonl for the
 * contract check: method, path, status, content type, headers, body_len,
 * and the body as text ("body") when it is UTF-8, else as "body_base64"
 * (PDF, PNG). */
static void record(const char *method, const char *path, const struct th_resp *r)
{
  const char *dir = getenv("RL_TEST_RECORD_DIR");
  if (dir == NULL || r->status == 0)
    return;
  const char *ct = th_header(r, "Content-Type");
  json_t *line = json_pack("{s:s s:s s:i s:s s:o s:I}", "method", method, "path", path, "status",
                           (int)r->status, "content_type", ct ? ct : "", "headers",
                           record_headers(r->headers), "body_len", (json_int_t)r->len);
  if (line == NULL)
    return;
  json_t *text = json_stringn(r->body ? r->body : "", r->body ? r->len : 0);
  if (text) {
    json_object_set_new(line, "body", text);
  } else {
    char *b64 = base64(r->body, r->len);
    json_object_set_new(line, "body_base64", b64 ? json_string(b64) : json_null());
    free(b64);
  }
  char *dump = json_dumps(line, JSON_COMPACT);
  json_decref(line);
  if (dump == NULL)
    return;
  char file[512];
  snprintf(file, sizeof file, "%s/replies-%d.jsonl", dir, (int)getpid());
  FILE *f = fopen(file, "a");
  if (f) {
    fprintf(f, "%s\n", dump);
    fclose(f);
  }
  free(dump);
}

struct th_resp *th_request_to(const char *base, const char *method, const char *path,
                              const char *key, const char *body, size_t body_len,
                              const char *const *extra)
{
  struct th_resp *r = calloc(1, sizeof *r);
  struct buf data = {calloc(1, 1), 0}, hdr = {calloc(1, 1), 0};
  CURL *c = curl_easy_init();
  char url[2048];
  snprintf(url, sizeof url, "%s%s", base ? base : th_url(), path);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &data);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdr);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  struct curl_slist *h = NULL;
  char auth[256];
  if (key) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    h = curl_slist_append(h, auth);
  }
  int has_ct = 0;
  for (const char *const *e = extra; e && *e; e++) {
    h = curl_slist_append(h, *e);
    if (strncasecmp(*e, "Content-Type:", 13) == 0)
      has_ct = 1;
  }
  if (body) {
    if (!has_ct)
      h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  r->body = data.p;
  r->len = data.len;
  r->headers = hdr.p;
  const char *ct = th_header(r, "Content-Type");
  if (ct && strstr(ct, "json"))
    r->json = json_loadb(r->body, r->len, 0, NULL);
  record(method, path, r);
  return r;
}

struct th_resp *th_req(const char *method, const char *path, const char *key, const char *body,
                       const char *const *extra)
{
  return th_request_to(NULL, method, path, key, body, body ? strlen(body) : 0, extra);
}

struct th_resp *th_reqf(const char *method, const char *path, const char *key, const char *fmt, ...)
{
  char *body = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&body, fmt, ap) < 0)
    body = NULL;
  va_end(ap);
  struct th_resp *r = th_req(method, path, key, body, NULL);
  free(body);
  return r;
}

void th_free(struct th_resp *r)
{
  if (r == NULL)
    return;
  free(r->body);
  free(r->headers);
  json_decref(r->json);
  free(r);
}

const char *th_header(const struct th_resp *r, const char *name)
{
  /* Per thread: racing tests send from many threads, and every reply is
   * recorded through here. */
  static _Thread_local char value[1024];
  size_t n = strlen(name);
  for (const char *p = r->headers; p && *p;) {
    const char *eol = strstr(p, "\r\n");
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
      const char *v = p + n + 1;
      while (*v == ' ')
        v++;
      size_t vl = len - (size_t)(v - p);
      if (vl >= sizeof value)
        vl = sizeof value - 1;
      memcpy(value, v, vl);
      value[vl] = '\0';
      return value;
    }
    p += len + (eol ? 2 : 0);
  }
  return NULL;
}

const char *th_str(const struct th_resp *r, const char *member)
{
  return json_string_value(json_object_get(r->json, member));
}

int th_is_problem(const struct th_resp *r, long status)
{
  const char *ct = th_header(r, "Content-Type");
  return r->status == status && ct && strncmp(ct, "application/problem+json", 24) == 0 &&
         json_is_string(json_object_get(r->json, "type")) &&
         json_is_string(json_object_get(r->json, "title")) &&
         json_integer_value(json_object_get(r->json, "status")) == status;
}

const char *th_key(const char *role)
{
  static char keys[3][64];
  static const char *roles[] = {"admin", "volunteer", "reader"};
  for (int i = 0; i < 3; i++) {
    if (strcmp(role, roles[i]) != 0)
      continue;
    if (keys[i][0] == '\0') {
      struct th_resp *r =
          th_reqf("POST", "/api/v1/keys", th_admin_key(),
                  "{\"name\":\"test %s %d\",\"role\":\"%s\"}", role, (int)getpid(), role);
      const char *k = th_str(r, "key");
      snprintf(keys[i], sizeof keys[i], "%s", k ? k : "missing");
      th_free(r);
    }
    return keys[i];
  }
  return "";
}

const char *th_unique(const char *prefix)
{
  static char buf[8][96];
  static unsigned n;
  char *b = buf[n % 8];
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(b, 96, "%s%d%ld%u", prefix, (int)getpid(), ts.tv_nsec % 100000, n++);
  return b;
}

const char *th_sql(const char *query)
{
  static char line[4096];
  const char *url = getenv("RL_TEST_DATABASE_URL");
  const char *psql = getenv("RL_TEST_PSQL");
  if (url == NULL || psql == NULL)
    return NULL;
  int out[2];
  if (pipe(out) != 0)
    return NULL;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(psql, "psql", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", query, url, (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  size_t len = 0;
  ssize_t got;
  while (len < sizeof line - 1 && (got = read(out[0], line + len, sizeof line - 1 - len)) > 0)
    len += (size_t)got;
  close(out[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  line[len] = '\0';
  char *nl = strchr(line, '\n');
  if (nl)
    *nl = '\0';
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? line : NULL;
}

static unsigned short free_port(void)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
      getsockname(s, (struct sockaddr *)&a, &len) != 0) {
    close(s);
    return 0;
  }
  unsigned short port = ntohs(a.sin_port);
  close(s);
  return port;
}

pid_t th_server_start(char *url, size_t cap, const char *const *extra_env)
{
  const char *bin = getenv("RL_TEST_BIN");
  if (bin == NULL)
    return -1;
  unsigned short port = free_port();
  snprintf(url, cap, "http://127.0.0.1:%u", port);
  pid_t pid = fork();
  if (pid == 0) {
    /* The server goes when the test process does, even after a failed assert. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    setenv("REPAIRD_LISTEN", listen, 1);
    setenv("DATABASE_URL", getenv("RL_TEST_DATABASE_URL"), 1);
    setenv("REPAIRD_LOG_LEVEL", "warn", 1);
    for (const char *const *e = extra_env; e && *e; e++)
      putenv((char *)*e);
    const char *log_file = getenv("RL_TEST_SERVER_LOG_FILE");
    int out = log_file ? open(log_file, O_WRONLY | O_CREAT | O_APPEND, 0600)
                       : open("/dev/null", O_WRONLY);
    if (out >= 0 && getenv("RL_TEST_SERVER_LOGS") == NULL) {
      dup2(out, 1);
      dup2(out, 2);
    }
    execl(bin, "repaird", "serve", (char *)NULL);
    _exit(127);
  }
  for (int i = 0; i < 400; i++) {
    struct th_resp *r = th_request_to(url, "GET", "/healthz", NULL, NULL, 0, NULL);
    long st = r->status;
    th_free(r);
    if (st == 200)
      return pid;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid)
      return -1;
    struct timespec t = {0, 25 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return -1;
}

int th_server_stop(pid_t pid, int sig)
{
  kill(pid, sig);
  int status = 0;
  for (int i = 0; i < 600; i++) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    struct timespec t = {0, 50 * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return 137;
}

pid_t th_sql_background(const char *query)
{
  const char *url = getenv("RL_TEST_DATABASE_URL");
  const char *psql = getenv("RL_TEST_PSQL");
  if (url == NULL || psql == NULL)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0)
      dup2(devnull, 1);
    execl(psql, "psql", "-Atq", "-v", "ON_ERROR_STOP=1", "-c", query, url, (char *)NULL);
    _exit(127);
  }
  return pid;
}

int th_sql_wait(pid_t pid)
{
  int st = 0;
  if (pid <= 0 || waitpid(pid, &st, 0) != pid)
    return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

pid_t th_webhook_receiver(char *base, size_t cap)
{
  const char *root = getenv("RL_TEST_ROOT");
  if (root == NULL)
    return -1;
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s/scripts/contract/ensure-node-modules' >/dev/null 2>&1", root);
  if (system(cmd) != 0)
    return -1;
  char script[512];
  snprintf(script, sizeof script, "%s/tests/tools/webhook_receiver.mjs", root);
  int fds[2];
  if (pipe(fds) != 0)
    return -1;
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    dup2(fds[1], 1);
    close(fds[0]);
    /* Where the package is installed (scripts/contract/ensure-node-modules). */
    if (chdir(root) != 0)
      _exit(126);
    execlp("node", "node", script, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return -1;
  }
  FILE *f = fdopen(fds[0], "r");
  int port = 0;
  int ok = f != NULL && fscanf(f, "PORT %d", &port) == 1;
  if (f)
    fclose(f);
  else
    close(fds[0]);
  if (!ok) {
    th_child_stop(&pid);
    return -1;
  }
  snprintf(base, cap, "http://127.0.0.1:%d", port);
  return pid;
}

void th_child_stop(pid_t *pid)
{
  if (*pid > 0) {
    kill(*pid, SIGTERM);
    waitpid(*pid, NULL, 0);
  }
  *pid = 0;
}

char *th_webhook_receiver_call(const char *base, const char *method, const char *path,
                               const char *body)
{
  char url[256];
  snprintf(url, sizeof url, "%s%s", base, path);
  CURL *c = curl_easy_init();
  if (c == NULL)
    return NULL;
  struct buf b = {NULL, 0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (body)
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  long status = 0;
  if (curl_easy_perform(c) == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  if (status != 200) {
    free(b.p);
    return NULL;
  }
  return b.p ? b.p : strdup("");
}
