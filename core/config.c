/* Parsing and checking of the REPAIRD_* settings and DATABASE_URL. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/spec.h"

static int fail(char *err, size_t errlen, const char *name, const char *why)
{
  snprintf(err, errlen, "%s: %s", name, why);
  return RL_EINVALID;
}

/* Parses a whole decimal number in [min, max]; 0 on success. */
static int parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
  if (s == NULL || *s == '\0' || !isdigit((unsigned char)*s))
    return -1;
  errno = 0;
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || end == s)
    return -1;
  unsigned long mult = 1;
  if (*end == 'k' || *end == 'K') {
    mult = 1024;
    end++;
  } else if (*end == 'm' || *end == 'M') {
    mult = 1024UL * 1024;
    end++;
  }
  if (*end != '\0' || v > max / mult)
    return -1;
  v *= mult;
  if (v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

/* A duration: whole seconds, or a number with one suffix s, m, h or d, in
 * [min, max] seconds; 0 on success. */
static int parse_duration(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
  if (s == NULL || !isdigit((unsigned char)*s))
    return -1;
  errno = 0;
  char *end = NULL;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0)
    return -1;
  unsigned long unit = 1;
  switch (*end) {
  case '\0':
  case 's': break;
  case 'm': unit = 60; break;
  case 'h': unit = 3600; break;
  case 'd': unit = 86400; break;
  default: return -1;
  }
  if (*end != '\0' && end[1] != '\0')
    return -1;
  if (v > max / unit || v * unit < min)
    return -1;
  *out = v * unit;
  return 0;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
  size_t n = strlen(src);
  if (n >= cap)
    return -1;
  memcpy(dst, src, n + 1);
  return 0;
}

static int parse_listen(struct rl_config *c, const char *v)
{
  const char *colon;
  const char *host = v;
  size_t hostlen;
  if (v[0] == '[') {
    const char *close = strchr(v, ']');
    if (close == NULL || close[1] != ':')
      return -1;
    host = v + 1;
    hostlen = (size_t)(close - host);
    colon = close + 1;
  } else {
    colon = strrchr(v, ':');
    if (colon == NULL)
      return -1;
    hostlen = (size_t)(colon - v);
  }
  if (hostlen == 0 || hostlen >= sizeof c->listen_host)
    return -1;
  unsigned long port;
  if (parse_ulong(colon + 1, 0, 65535, &port) != 0)
    return -1;
  memcpy(c->listen_host, host, hostlen);
  c->listen_host[hostlen] = '\0';
  c->listen_port = (unsigned short)port;
  return 0;
}

/* A whole-number setting from min to max; def when unset. */
static int setting_uint(unsigned *out, rl_getenv_fn get, void *ctx, const char *name, unsigned def,
                        unsigned long min, unsigned long max, char *err, size_t errlen)
{
  const char *v = get(name, ctx);
  unsigned long n = def;
  if (v != NULL && *v != '\0' && parse_ulong(v, min, max, &n) != 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "expected a whole number from %lu to %lu", min, max);
    return fail(err, errlen, name, msg);
  }
  *out = (unsigned)n;
  return RL_OK;
}

/* Up to 6 capital letters; def when unset. */
static int setting_prefix(char *out, rl_getenv_fn get, void *ctx, const char *name, const char *def,
                          char *err, size_t errlen)
{
  const char *v = get(name, ctx);
  if (v == NULL || *v == '\0')
    v = def;
  size_t plen = strlen(v);
  if (plen > 6)
    return fail(err, errlen, name, "at most 6 letters");
  for (size_t i = 0; i < plen; i++)
    if (!isupper((unsigned char)v[i]))
      return fail(err, errlen, name, "only capital letters A-Z");
  memcpy(out, v, plen + 1);
  return RL_OK;
}

static int load_loans(struct rl_loan_settings *l, rl_getenv_fn get, void *ctx, char *err,
                      size_t errlen)
{
  if (setting_uint(&l->days, get, ctx, "REPAIRD_LOAN_DAYS", 28, 1, 365, err, errlen) != RL_OK ||
      setting_uint(&l->max_days, get, ctx, "REPAIRD_LOAN_MAX_DAYS", 90, 1, 730, err, errlen) !=
          RL_OK ||
      setting_uint(&l->renewals, get, ctx, "REPAIRD_LOAN_RENEWALS", 2, 0, 20, err, errlen) !=
          RL_OK ||
      setting_uint(&l->member_limit, get, ctx, "REPAIRD_LOAN_LIMIT", 2, 0, 50, err, errlen) !=
          RL_OK ||
      setting_uint(&l->hold_days, get, ctx, "REPAIRD_LOAN_HOLD_DAYS", 3, 1, 60, err, errlen) !=
          RL_OK ||
      setting_uint(&l->renew_overdue_days, get, ctx, "REPAIRD_LOAN_RENEW_OVERDUE_DAYS", 7, 0, 365,
                   err, errlen) != RL_OK ||
      setting_prefix(l->member_prefix, get, ctx, "REPAIRD_MEMBER_PREFIX", "M", err, errlen) !=
          RL_OK)
    return RL_EINVALID;
  if (l->days > l->max_days)
    return fail(err, errlen, "REPAIRD_LOAN_DAYS", "must not be over REPAIRD_LOAN_MAX_DAYS");
  const char *v = get("REPAIRD_CURRENCY", ctx);
  if (v == NULL || *v == '\0')
    v = "EUR";
  if (strlen(v) != 3 || !isupper((unsigned char)v[0]) || !isupper((unsigned char)v[1]) ||
      !isupper((unsigned char)v[2]))
    return fail(err, errlen, "REPAIRD_CURRENCY", "expected an ISO 4217 code such as EUR");
  memcpy(l->currency, v, 4);
  return RL_OK;
}

/* A duration setting from min to max seconds; def when unset. */
static int setting_duration(unsigned *out, rl_getenv_fn get, void *ctx, const char *name,
                            unsigned def, unsigned long min, unsigned long max, const char *range,
                            char *err, size_t errlen)
{
  const char *v = get(name, ctx);
  unsigned long n = def;
  if (v != NULL && *v != '\0' && parse_duration(v, min, max, &n) != 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "expected a duration from %s: seconds, or a number with s, m, h or d",
             range);
    return fail(err, errlen, name, msg);
  }
  *out = (unsigned)n;
  return RL_OK;
}

static int load_publish(struct rl_publish_settings *p, rl_getenv_fn get, void *ctx, char *err,
                        size_t errlen)
{
  if (setting_duration(&p->timeout_s, get, ctx, "REPAIRD_PUBLISH_TIMEOUT", 120, 1, 3600,
                       "1 second to 1 hour", err, errlen) != RL_OK ||
      setting_duration(&p->interval_s, get, ctx, "REPAIRD_PUBLISH_INTERVAL", 60, 1, 3600,
                       "1 second to 1 hour", err, errlen) != RL_OK)
    return RL_EINVALID;
  const char *v = get("REPAIRD_PORTAL_SECRETS_DIR", ctx);
  if (v == NULL || *v == '\0')
    return RL_OK;
  if (v[0] != '/' || strstr(v, "..") != NULL)
    return fail(err, errlen, "REPAIRD_PORTAL_SECRETS_DIR", "expected an absolute directory path");
  if (copy_str(p->secrets_dir, sizeof p->secrets_dir, v) != 0)
    return fail(err, errlen, "REPAIRD_PORTAL_SECRETS_DIR", "longer than 255 bytes");
  return RL_OK;
}

/* A text setting of at most cap - 1 bytes with no control character;
 * def when unset. */
static int setting_text(char *out, size_t cap, rl_getenv_fn get, void *ctx, const char *name,
                        const char *def, char *err, size_t errlen)
{
  const char *v = get(name, ctx);
  if (v == NULL || *v == '\0')
    v = def;
  if (copy_str(out, cap, v) != 0) {
    char msg[64];
    snprintf(msg, sizeof msg, "longer than %zu bytes", cap - 1);
    return fail(err, errlen, name, msg);
  }
  for (const char *p = v; *p; p++)
    if ((unsigned char)*p < ' ')
      return fail(err, errlen, name, "contains a control character");
  return RL_OK;
}

static int load_opendata(struct rl_opendata_settings *o, rl_getenv_fn get, void *ctx, char *err,
                         size_t errlen)
{
  if (setting_text(o->ords_data_provider, sizeof o->ords_data_provider, get, ctx,
                   "REPAIRD_ORDS_DATA_PROVIDER", "Repair Ledger", err, errlen) != RL_OK ||
      setting_text(o->publisher, sizeof o->publisher, get, ctx, "REPAIRD_OPENDATA_PUBLISHER",
                   o->ords_data_provider, err, errlen) != RL_OK ||
      setting_text(o->contact_email, sizeof o->contact_email, get, ctx,
                   "REPAIRD_OPENDATA_CONTACT_EMAIL", "opendata@example.org", err, errlen) != RL_OK)
    return RL_EINVALID;
  if (!rl_format_email.ok(o->contact_email) || strpbrk(o->contact_email, "<>\"\\") != NULL)
    return fail(err, errlen, "REPAIRD_OPENDATA_CONTACT_EMAIL", "expected an e-mail address");
  return RL_OK;
}

/* A 0/1 setting (also true/false, yes/no); def when unset. */
static int setting_bool(int *out, rl_getenv_fn get, void *ctx, const char *name, int def, char *err,
                        size_t errlen)
{
  const char *v = get(name, ctx);
  *out = def;
  if (v == NULL || *v == '\0')
    return RL_OK;
  if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
    *out = 1;
  else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0)
    *out = 0;
  else
    return fail(err, errlen, name, "expected 1 or 0");
  return RL_OK;
}

/* The retry schedule: comma-separated durations, each 1 s to 1 day. */
static int load_schedule(struct rl_outbox_settings *o, const char *v, char *err, size_t errlen)
{
  static const char *const name = "REPAIRD_DELIVERY_SCHEDULE";
  char copy[512];
  if (copy_str(copy, sizeof copy, v) != 0)
    return fail(err, errlen, name, "longer than 511 bytes");
  o->retries = 0;
  for (char *tok = copy, *next; tok != NULL; tok = next) {
    next = strchr(tok, ',');
    if (next != NULL)
      *next++ = '\0';
    while (*tok == ' ')
      tok++;
    size_t n = strlen(tok);
    while (n > 0 && tok[n - 1] == ' ')
      tok[--n] = '\0';
    unsigned long s;
    if (o->retries == RL_RETRY_STEPS_MAX)
      return fail(err, errlen, name, "at most 16 delays");
    if (parse_duration(tok, 1, 86400, &s) != 0)
      return fail(err, errlen, name,
                  "expected comma-separated durations of 1 s to 1 d, e.g. 5s,5m,30m,2h");
    o->retry_s[o->retries++] = (unsigned)s;
  }
  if (o->retries == 0)
    return fail(err, errlen, name, "expected at least one delay");
  return RL_OK;
}

static int load_outbox(struct rl_outbox_settings *o, rl_getenv_fn get, void *ctx, char *err,
                       size_t errlen)
{
  if (setting_uint(&o->workers, get, ctx, "REPAIRD_OUTBOX_WORKERS", 2, 0, 16, err, errlen) !=
          RL_OK ||
      setting_uint(&o->poll_ms, get, ctx, "REPAIRD_OUTBOX_POLL_MS", 500, 10, 60000, err, errlen) !=
          RL_OK ||
      setting_duration(&o->schedule_s, get, ctx, "REPAIRD_OUTBOX_SCHEDULE", 60, 1, 3600,
                       "1 second to 1 hour", err, errlen) != RL_OK ||
      setting_duration(&o->retention_s, get, ctx, "REPAIRD_EVENTS_RETENTION", 90 * 86400, 86400,
                       3650UL * 86400, "1 day to 10 years", err, errlen) != RL_OK ||
      setting_duration(&o->connect_timeout_s, get, ctx, "REPAIRD_WEBHOOK_CONNECT_TIMEOUT", 5, 1, 60,
                       "1 to 60 seconds", err, errlen) != RL_OK ||
      setting_duration(&o->timeout_s, get, ctx, "REPAIRD_WEBHOOK_TIMEOUT", 15, 1, 120,
                       "1 to 120 seconds", err, errlen) != RL_OK ||
      setting_duration(&o->disable_after_s, get, ctx, "REPAIRD_WEBHOOK_DISABLE_AFTER", 5 * 86400, 1,
                       60UL * 86400, "1 second to 60 days", err, errlen) != RL_OK ||
      setting_bool(&o->allow_http, get, ctx, "REPAIRD_WEBHOOK_ALLOW_HTTP", 0, err, errlen) != RL_OK)
    return RL_EINVALID;
  const char *v = get("REPAIRD_DELIVERY_SCHEDULE", ctx);
  if (load_schedule(o, v && *v ? v : "5s,5m,30m,2h,5h,10h,10h", err, errlen) != RL_OK)
    return RL_EINVALID;
  char why[128], msg[192];
  if (rl_netaddr_cidrs_parse(&o->allow_networks, get("REPAIRD_WEBHOOK_ALLOW_NETWORKS", ctx), why,
                             sizeof why) != RL_OK) {
    snprintf(msg, sizeof msg, "%s (expected CIDR blocks such as 10.0.0.0/8,::1)", why);
    return fail(err, errlen, "REPAIRD_WEBHOOK_ALLOW_NETWORKS", msg);
  }
  return RL_OK;
}

static int load_privacy(struct rl_privacy_settings *p, rl_getenv_fn get, void *ctx, char *err,
                        size_t errlen)
{
  if (setting_uint(&p->owner_days, get, ctx, "REPAIRD_RETAIN_OWNER_DAYS", 90, 1, 3650, err,
                   errlen) != RL_OK ||
      setting_uint(&p->member_days, get, ctx, "REPAIRD_RETAIN_MEMBER_DAYS", 365, 1, 3650, err,
                   errlen) != RL_OK ||
      setting_uint(&p->delivery_days, get, ctx, "REPAIRD_RETAIN_DELIVERY_DAYS", 30, 1, 3650, err,
                   errlen) != RL_OK ||
      setting_uint(&p->read_log_days, get, ctx, "REPAIRD_RETAIN_READ_LOG_DAYS", 365, 30, 3650, err,
                   errlen) != RL_OK)
    return RL_EINVALID;
  const char *v = get("REPAIRD_PHONE_COUNTRY", ctx);
  if (v == NULL || *v == '\0')
    v = "33";
  size_t n = strlen(v);
  if (n > 3 || strspn(v, "0123456789") != n || v[0] == '0')
    return fail(err, errlen, "REPAIRD_PHONE_COUNTRY",
                "expected a country calling code of 1 to 3 digits, e.g. 33");
  memcpy(p->phone_country, v, n + 1);
  return RL_OK;
}

/* The first line of a file, for a secret kept out of the environment. */
static int read_first_line(char *out, size_t cap, const char *path)
{
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return -1;
  int ok = fgets(out, (int)cap, f) != NULL;
  (void)fclose(f);
  if (!ok)
    return -1;
  out[strcspn(out, "\r\n")] = '\0';
  return 0;
}

static int load_mail(struct rl_mail_settings *m, rl_getenv_fn get, void *ctx, char *err,
                     size_t errlen)
{
  if (setting_text(m->smtp_url, sizeof m->smtp_url, get, ctx, "REPAIRD_SMTP_URL", "", err,
                   errlen) != RL_OK ||
      setting_text(m->user, sizeof m->user, get, ctx, "REPAIRD_SMTP_USER", "", err, errlen) !=
          RL_OK ||
      setting_text(m->password, sizeof m->password, get, ctx, "REPAIRD_SMTP_PASSWORD", "", err,
                   errlen) != RL_OK ||
      setting_text(m->from, sizeof m->from, get, ctx, "REPAIRD_MAIL_FROM",
                   "repair-ledger@localhost", err, errlen) != RL_OK ||
      setting_text(m->from_name, sizeof m->from_name, get, ctx, "REPAIRD_MAIL_FROM_NAME",
                   "Repair Ledger", err, errlen) != RL_OK ||
      setting_uint(&m->due_days, get, ctx, "REPAIRD_NOTIFY_DUE_DAYS", 2, 0, 30, err, errlen) !=
          RL_OK)
    return RL_EINVALID;
  if (m->smtp_url[0] != '\0' && strncmp(m->smtp_url, "smtp://", 7) != 0 &&
      strncmp(m->smtp_url, "smtps://", 8) != 0)
    return fail(err, errlen, "REPAIRD_SMTP_URL", "expected smtp://host:port or smtps://host:port");
  const char *file = get("REPAIRD_SMTP_PASSWORD_FILE", ctx);
  if (file != NULL && *file != '\0' && read_first_line(m->password, sizeof m->password, file) != 0)
    return fail(err, errlen, "REPAIRD_SMTP_PASSWORD_FILE", "cannot be read");
  if (strpbrk(m->from, "<>\"\\ ,") != NULL || !rl_format_email.ok(m->from))
    return fail(err, errlen, "REPAIRD_MAIL_FROM", "expected an e-mail address");
  if (strpbrk(m->from_name, "\"\\") != NULL)
    return fail(err, errlen, "REPAIRD_MAIL_FROM_NAME", "must not contain quotes or backslashes");
  return RL_OK;
}

int rl_config_load(struct rl_config *out, rl_getenv_fn get, void *ctx, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  const char *v;

  v = get("DATABASE_URL", ctx);
  if (v != NULL && copy_str(out->database_url, sizeof out->database_url, v) != 0)
    return fail(err, errlen, "DATABASE_URL", "longer than 1023 bytes");

  v = get("REPAIRD_LISTEN", ctx);
  if (v == NULL || *v == '\0')
    v = "127.0.0.1:8080";
  if (parse_listen(out, v) != 0)
    return fail(err, errlen, "REPAIRD_LISTEN",
                "expected host:port, e.g. 127.0.0.1:8080 or [::1]:8080");

  v = get("REPAIRD_PUBLIC_URL", ctx);
  if (v == NULL || *v == '\0') {
    snprintf(out->public_url, sizeof out->public_url, "http://%s%s%s:%u",
             strchr(out->listen_host, ':') ? "[" : "", out->listen_host,
             strchr(out->listen_host, ':') ? "]" : "", out->listen_port);
  } else {
    if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
      return fail(err, errlen, "REPAIRD_PUBLIC_URL", "must start with http:// or https://");
    if (copy_str(out->public_url, sizeof out->public_url, v) != 0)
      return fail(err, errlen, "REPAIRD_PUBLIC_URL", "longer than 511 bytes");
    for (const char *p = v; *p; p++)
      if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>')
        return fail(err, errlen, "REPAIRD_PUBLIC_URL", "contains a space or quote");
    size_t n = strlen(out->public_url);
    while (n > 0 && out->public_url[n - 1] == '/')
      out->public_url[--n] = '\0';
  }

  unsigned long n;
  v = get("REPAIRD_THREADS", ctx);
  if (v == NULL || *v == '\0') {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    out->threads = (unsigned)(cpus < 2 ? 2 : cpus > 64 ? 64 : cpus);
  } else if (parse_ulong(v, 1, 256, &n) != 0) {
    return fail(err, errlen, "REPAIRD_THREADS", "expected a whole number from 1 to 256");
  } else {
    out->threads = (unsigned)n;
  }
  /* One thread at least is left for everything else. */
  if (setting_uint(&out->heavy_requests, get, ctx, "REPAIRD_HEAVY_REQUESTS",
                   out->threads > 1 ? out->threads - 1 : 1, 1, 256, err, errlen) != RL_OK ||
      setting_duration(&out->drain_timeout_s, get, ctx, "REPAIRD_DRAIN_TIMEOUT", 30, 1, 600,
                       "1 second to 10 minutes", err, errlen) != RL_OK)
    return RL_EINVALID;

  v = get("REPAIRD_MAX_BODY", ctx);
  if (v == NULL || *v == '\0') {
    out->max_body = (size_t)1024 * 1024;
  } else if (parse_ulong(v, 1024, 64UL * 1024 * 1024, &n) != 0) {
    return fail(err, errlen, "REPAIRD_MAX_BODY",
                "expected bytes from 1024 to 64M (suffix k or M allowed)");
  } else {
    out->max_body = n;
  }

  v = get("REPAIRD_LOG_LEVEL", ctx);
  if (v == NULL || *v == '\0' || strcmp(v, "info") == 0)
    out->log_level = RL_LOG_INFO;
  else if (strcmp(v, "debug") == 0)
    out->log_level = RL_LOG_DEBUG;
  else if (strcmp(v, "warn") == 0)
    out->log_level = RL_LOG_WARN;
  else if (strcmp(v, "error") == 0)
    out->log_level = RL_LOG_ERROR;
  else
    return fail(err, errlen, "REPAIRD_LOG_LEVEL", "expected debug, info, warn or error");

  if (setting_prefix(out->code_prefix, get, ctx, "REPAIRD_CODE_PREFIX", "RL", err, errlen) != RL_OK)
    return RL_EINVALID;

  v = get("REPAIRD_TIMEZONE", ctx);
  if (v == NULL || *v == '\0')
    v = "Europe/Paris";
  size_t tzlen = strlen(v);
  if (tzlen >= sizeof out->timezone || v[0] == '/' || strstr(v, ".."))
    return fail(err, errlen, "REPAIRD_TIMEZONE", "expected a zone name such as Europe/Paris");
  for (size_t i = 0; i < tzlen; i++)
    if (!(isalnum((unsigned char)v[i]) || strchr("/_+-", v[i])))
      return fail(err, errlen, "REPAIRD_TIMEZONE", "expected a zone name such as Europe/Paris");
  memcpy(out->timezone, v, tzlen + 1);

  v = get("REPAIRD_PUBLIC_RATE_LIMIT", ctx);
  if (v == NULL || *v == '\0') {
    out->public_rate_limit = 60;
  } else if (parse_ulong(v, 1, 1000000, &n) != 0) {
    return fail(err, errlen, "REPAIRD_PUBLIC_RATE_LIMIT",
                "expected requests a minute from 1 to 1000000");
  } else {
    out->public_rate_limit = (unsigned)n;
  }

  v = get("REPAIRD_IDEMPOTENCY_TTL", ctx);
  if (v == NULL || *v == '\0') {
    out->idempotency_ttl_s = 24 * 3600;
  } else if (parse_duration(v, 60, 30UL * 86400, &n) != 0) {
    return fail(err, errlen, "REPAIRD_IDEMPOTENCY_TTL",
                "expected a duration from 1 minute to 30 days: seconds, or a number with "
                "s, m, h or d (e.g. 24h)");
  } else {
    out->idempotency_ttl_s = (unsigned)n;
  }

  char why[128], msg[192];
  if (rl_netaddr_cidrs_parse(&out->trusted_proxies, get("REPAIRD_TRUSTED_PROXIES", ctx), why,
                             sizeof why) != RL_OK) {
    snprintf(msg, sizeof msg, "%s (expected CIDR blocks such as 10.0.0.0/8,::1)", why);
    return fail(err, errlen, "REPAIRD_TRUSTED_PROXIES", msg);
  }
  if (load_loans(&out->loans, get, ctx, err, errlen) != RL_OK)
    return RL_EINVALID;
  if (load_publish(&out->publish, get, ctx, err, errlen) != RL_OK)
    return RL_EINVALID;
  if (load_opendata(&out->opendata, get, ctx, err, errlen) != RL_OK ||
      load_outbox(&out->outbox, get, ctx, err, errlen) != RL_OK ||
      load_privacy(&out->privacy, get, ctx, err, errlen) != RL_OK)
    return RL_EINVALID;
  return load_mail(&out->mail, get, ctx, err, errlen);
}

static const char *env_get(const char *name, void *ctx)
{
  (void)ctx;
  return getenv(name);
}

int rl_config_from_env(struct rl_config *out, char *err, size_t errlen)
{
  return rl_config_load(out, env_get, NULL, err, errlen);
}
