/* Settings: defaults, good values, and a one-line message naming each bad one. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/config.h"
#include "core/error.h"

struct env {
  const char *names[8];
  const char *values[8];
};

static const char *get(const char *name, void *ctx)
{
  struct env *e = ctx;
  for (int i = 0; i < 8 && e->names[i]; i++)
    if (strcmp(e->names[i], name) == 0)
      return e->values[i];
  return NULL;
}

Test(config, defaults)
{
  struct env e = {{NULL}, {NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK);
  cr_assert_str_eq(c.listen_host, "127.0.0.1");
  cr_assert_eq(c.listen_port, 8080);
  cr_assert_str_eq(c.public_url, "http://127.0.0.1:8080");
  cr_assert_eq(c.max_body, 1024 * 1024);
  cr_assert_eq(c.log_level, RL_LOG_INFO);
  cr_assert_str_eq(c.code_prefix, "RL");
  cr_assert_geq(c.threads, 2);
}

Test(config, good_values)
{
  struct env e = {{"REPAIRD_LISTEN", "REPAIRD_PUBLIC_URL", "REPAIRD_THREADS", "REPAIRD_MAX_BODY",
                   "REPAIRD_LOG_LEVEL", "REPAIRD_CODE_PREFIX", NULL},
                  {"[::1]:9000", "https://repair.example.org/", "8", "64k", "warn", "FSB", NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK, "%s", err);
  cr_assert_str_eq(c.listen_host, "::1");
  cr_assert_eq(c.listen_port, 9000);
  cr_assert_str_eq(c.public_url, "https://repair.example.org");
  cr_assert_eq(c.threads, 8);
  cr_assert_eq(c.max_body, 64 * 1024);
  cr_assert_eq(c.log_level, RL_LOG_WARN);
  cr_assert_str_eq(c.code_prefix, "FSB");
}

static void expect_bad(const char *name, const char *value)
{
  struct env e = {{name, NULL}, {value, NULL}};
  struct rl_config c;
  char err[256] = "";
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_EINVALID, "%s=%s accepted", name,
               value);
  cr_assert(strncmp(err, name, strlen(name)) == 0, "message does not name %s: %s", name, err);
  cr_assert_null(strchr(err, '\n'), "message is not one line");
}

Test(config, bad_values_are_refused_by_name)
{
  expect_bad("REPAIRD_LISTEN", "8080");
  expect_bad("REPAIRD_LISTEN", "127.0.0.1:99999");
  expect_bad("REPAIRD_LISTEN", "127.0.0.1:http");
  expect_bad("REPAIRD_LISTEN", ":8080");
  expect_bad("REPAIRD_PUBLIC_URL", "ftp://x");
  expect_bad("REPAIRD_PUBLIC_URL", "http://a b");
  expect_bad("REPAIRD_THREADS", "0");
  expect_bad("REPAIRD_THREADS", "many");
  expect_bad("REPAIRD_THREADS", "-3");
  expect_bad("REPAIRD_MAX_BODY", "10");
  expect_bad("REPAIRD_MAX_BODY", "1G");
  expect_bad("REPAIRD_LOG_LEVEL", "verbose");
  expect_bad("REPAIRD_CODE_PREFIX", "rl");
  expect_bad("REPAIRD_CODE_PREFIX", "TOOLONGX");
  expect_bad("REPAIRD_CODE_PREFIX", "R1");
  expect_bad("REPAIRD_PUBLIC_RATE_LIMIT", "0");
}

Test(config, timezone_defaults_to_paris_and_refuses_paths)
{
  struct env e = {{NULL}, {NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK);
  cr_assert_str_eq(c.timezone, "Europe/Paris");
  expect_bad("REPAIRD_TIMEZONE", "../../etc/passwd");
  expect_bad("REPAIRD_TIMEZONE", "/etc/localtime");
}

static unsigned ttl_of(const char *value)
{
  struct env e = {{"REPAIRD_IDEMPOTENCY_TTL", NULL}, {value, NULL}};
  struct rl_config c;
  char err[256] = "";
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK, "%s: %s", value, err);
  return c.idempotency_ttl_s;
}

Test(config, idempotency_ttl_is_a_day_by_default_with_units)
{
  cr_assert_eq(ttl_of(NULL), 86400);
  cr_assert_eq(ttl_of(""), 86400);
  cr_assert_eq(ttl_of("60"), 60);
  cr_assert_eq(ttl_of("90s"), 90);
  cr_assert_eq(ttl_of("15m"), 900);
  cr_assert_eq(ttl_of("24h"), 86400);
  cr_assert_eq(ttl_of("7d"), 7 * 86400);
  cr_assert_eq(ttl_of("30d"), 30 * 86400);
  cr_assert_eq(ttl_of("2592000"), 30 * 86400);
}

Test(config, idempotency_ttl_out_of_bounds_or_malformed_is_refused)
{
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "59");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "0");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "0m");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "31d");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "2592001");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "721h");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "-1h");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "1w");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "1hh");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "1.5h");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", " 1h");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "h");
  expect_bad("REPAIRD_IDEMPOTENCY_TTL", "99999999999999999999999d");
}

Test(config, trusted_proxies_are_none_by_default_and_parsed_as_cidr)
{
  struct env e = {{NULL}, {NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK);
  cr_assert_eq(c.trusted_proxies.n, 0);
  struct env t = {{"REPAIRD_TRUSTED_PROXIES", NULL}, {"127.0.0.1/32, 10.0.0.0/8,::1", NULL}};
  cr_assert_eq(rl_config_load(&c, get, &t, err, sizeof err), RL_OK, "%s", err);
  cr_assert_eq(c.trusted_proxies.n, 3);
  cr_assert_eq(c.trusted_proxies.items[1].bits, 8);
  expect_bad("REPAIRD_TRUSTED_PROXIES", "10.0.0.0/33");
  expect_bad("REPAIRD_TRUSTED_PROXIES", "10.0.0.0/8,");
  expect_bad("REPAIRD_TRUSTED_PROXIES", "proxy.example.org");
  expect_bad("REPAIRD_TRUSTED_PROXIES", "192.168.1.1/24");
}

Test(config, loan_rules_have_defaults_and_bounds)
{
  struct env e = {{NULL}, {NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK);
  cr_assert_eq(c.loans.days, 28);
  cr_assert_eq(c.loans.max_days, 90);
  cr_assert_eq(c.loans.renewals, 2);
  cr_assert_eq(c.loans.member_limit, 2);
  cr_assert_eq(c.loans.hold_days, 3);
  cr_assert_eq(c.loans.renew_overdue_days, 7);
  cr_assert_str_eq(c.loans.member_prefix, "M");
  cr_assert_str_eq(c.loans.currency, "EUR");

  struct env good = {{"REPAIRD_LOAN_DAYS", "REPAIRD_LOAN_MAX_DAYS", "REPAIRD_LOAN_RENEWALS",
                      "REPAIRD_CURRENCY", "REPAIRD_MEMBER_PREFIX", NULL},
                     {"14", "30", "0", "CHF", "PRET", NULL}};
  cr_assert_eq(rl_config_load(&c, get, &good, err, sizeof err), RL_OK, "%s", err);
  cr_assert_eq(c.loans.days, 14);
  cr_assert_eq(c.loans.max_days, 30);
  cr_assert_eq(c.loans.renewals, 0);
  cr_assert_str_eq(c.loans.currency, "CHF");
  cr_assert_str_eq(c.loans.member_prefix, "PRET");

  expect_bad("REPAIRD_LOAN_DAYS", "0");
  expect_bad("REPAIRD_LOAN_DAYS", "4 weeks");
  expect_bad("REPAIRD_LOAN_MAX_DAYS", "731");
  expect_bad("REPAIRD_LOAN_HOLD_DAYS", "-1");
  expect_bad("REPAIRD_LOAN_LIMIT", "51");
  expect_bad("REPAIRD_CURRENCY", "euro");
  expect_bad("REPAIRD_MEMBER_PREFIX", "m");
  /* A default period longer than the longest is a contradiction. */
  struct env both = {{"REPAIRD_LOAN_DAYS", "REPAIRD_LOAN_MAX_DAYS", NULL}, {"60", "30", NULL}};
  cr_assert_eq(rl_config_load(&c, get, &both, err, sizeof err), RL_EINVALID);
  cr_assert(strstr(err, "REPAIRD_LOAN_DAYS") != NULL, "%s", err);
}

Test(config, publishing_settings_default_and_units)
{
  struct env e = {{NULL}, {NULL}};
  struct rl_config c;
  char err[256] = "";
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK, "%s", err);
  cr_assert_eq(c.publish.timeout_s, 120);
  cr_assert_eq(c.publish.interval_s, 60);
  cr_assert_str_eq(c.publish.secrets_dir, "");
  struct env set = {
      {"REPAIRD_PUBLISH_TIMEOUT", "REPAIRD_PUBLISH_INTERVAL", "REPAIRD_PORTAL_SECRETS_DIR", NULL},
      {"2m", "5", "/run/secrets", NULL}};
  cr_assert_eq(rl_config_load(&c, get, &set, err, sizeof err), RL_OK, "%s", err);
  cr_assert_eq(c.publish.timeout_s, 120);
  cr_assert_eq(c.publish.interval_s, 5);
  cr_assert_str_eq(c.publish.secrets_dir, "/run/secrets");
}

Test(config, publishing_settings_out_of_bounds_are_refused_by_name)
{
  const char *bad[][2] = {{"REPAIRD_PUBLISH_TIMEOUT", "0"},
                          {"REPAIRD_PUBLISH_TIMEOUT", "2h"},
                          {"REPAIRD_PUBLISH_INTERVAL", "1w"},
                          {"REPAIRD_PORTAL_SECRETS_DIR", "secrets"},
                          {"REPAIRD_PORTAL_SECRETS_DIR", "/run/../etc"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct env e = {{bad[i][0], NULL}, {bad[i][1], NULL}};
    struct rl_config c;
    char err[256] = "";
    cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_EINVALID, "%s=%s", bad[i][0],
                 bad[i][1]);
    cr_assert(strstr(err, bad[i][0]) == err, "the message names %s: %s", bad[i][0], err);
  }
}

Test(config, outbox_and_mail_defaults)
{
  struct env e = {{NULL}, {NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK);
  cr_assert_eq(c.outbox.workers, 2);
  cr_assert_eq(c.outbox.retries, 7);
  cr_assert_eq(c.outbox.retry_s[0], 5);
  cr_assert_eq(c.outbox.retry_s[6], 36000);
  cr_assert_eq(c.outbox.timeout_s, 15);
  cr_assert_eq(c.outbox.connect_timeout_s, 5);
  cr_assert_eq(c.outbox.allow_http, 0);
  cr_assert_eq(c.outbox.allow_networks.n, 0);
  cr_assert_str_eq(c.mail.smtp_url, "");
  cr_assert_eq(c.mail.due_days, 2);
}

Test(config, outbox_and_mail_values)
{
  struct env e = {{"REPAIRD_DELIVERY_SCHEDULE", "REPAIRD_WEBHOOK_ALLOW_HTTP",
                   "REPAIRD_WEBHOOK_ALLOW_NETWORKS", "REPAIRD_SMTP_URL", "REPAIRD_MAIL_FROM", NULL},
                  {" 1s, 2m ,3h", "1", "127.0.0.1/32,::1", "smtps://mail.example.org:465",
                   "atelier@fontenay.example", NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK, "%s", err);
  cr_assert_eq(c.outbox.retries, 3);
  cr_assert_eq(c.outbox.retry_s[1], 120);
  cr_assert_eq(c.outbox.retry_s[2], 10800);
  cr_assert_eq(c.outbox.allow_http, 1);
  cr_assert_eq(c.outbox.allow_networks.n, 2);
  cr_assert_str_eq(c.mail.smtp_url, "smtps://mail.example.org:465");
}

Test(config, outbox_and_mail_bad_values_are_named)
{
  const char *cases[][2] = {
      {"REPAIRD_DELIVERY_SCHEDULE", "5s,,1m"},    {"REPAIRD_DELIVERY_SCHEDULE", "2d"},
      {"REPAIRD_DELIVERY_SCHEDULE", "0"},         {"REPAIRD_WEBHOOK_ALLOW_HTTP", "maybe"},
      {"REPAIRD_WEBHOOK_ALLOW_NETWORKS", "10/8"}, {"REPAIRD_SMTP_URL", "http://mail"},
      {"REPAIRD_MAIL_FROM", "Atelier <a@b.fr>"},  {"REPAIRD_OUTBOX_WORKERS", "17"},
      {"REPAIRD_WEBHOOK_TIMEOUT", "0"},           {"REPAIRD_SMTP_PASSWORD_FILE", "/nonexistent/x"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct env e = {{cases[i][0], NULL}, {cases[i][1], NULL}};
    struct rl_config c;
    char err[256] = "";
    cr_expect_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_EINVALID, "%s=%s", cases[i][0],
                 cases[i][1]);
    cr_expect(strstr(err, cases[i][0]) != NULL, "%s: %s", cases[i][0], err);
  }
}

Test(config, privacy_retention_and_phone_defaults_values_and_bounds)
{
  struct env e = {{NULL}, {NULL}};
  struct rl_config c;
  char err[256];
  cr_assert_eq(rl_config_load(&c, get, &e, err, sizeof err), RL_OK);
  cr_assert_eq(c.privacy.owner_days, 90);
  cr_assert_eq(c.privacy.member_days, 365);
  cr_assert_eq(c.privacy.delivery_days, 30);
  cr_assert_eq(c.privacy.read_log_days, 365);
  cr_assert_str_eq(c.privacy.phone_country, "33");

  struct env good = {{"REPAIRD_RETAIN_OWNER_DAYS", "REPAIRD_RETAIN_MEMBER_DAYS",
                      "REPAIRD_RETAIN_DELIVERY_DAYS", "REPAIRD_RETAIN_READ_LOG_DAYS",
                      "REPAIRD_PHONE_COUNTRY", NULL},
                     {"10", "20", "5", "180", "41", NULL}};
  cr_assert_eq(rl_config_load(&c, get, &good, err, sizeof err), RL_OK, "%s", err);
  cr_assert_eq(c.privacy.owner_days, 10);
  cr_assert_eq(c.privacy.member_days, 20);
  cr_assert_eq(c.privacy.delivery_days, 5);
  cr_assert_eq(c.privacy.read_log_days, 180);
  cr_assert_str_eq(c.privacy.phone_country, "41");
  /* An empty calling code is the default. */
  struct env empty = {{"REPAIRD_PHONE_COUNTRY", NULL}, {"", NULL}};
  cr_assert_eq(rl_config_load(&c, get, &empty, err, sizeof err), RL_OK, "%s", err);
  cr_assert_str_eq(c.privacy.phone_country, "33");

  expect_bad("REPAIRD_RETAIN_OWNER_DAYS", "0");
  expect_bad("REPAIRD_RETAIN_OWNER_DAYS", "3651");
  expect_bad("REPAIRD_RETAIN_OWNER_DAYS", "90 days");
  expect_bad("REPAIRD_RETAIN_MEMBER_DAYS", "-1");
  expect_bad("REPAIRD_RETAIN_DELIVERY_DAYS", "0");
  /* The record of reads is kept a month at least (CNIL: 6 months to a
   * year for access traces). */
  expect_bad("REPAIRD_RETAIN_READ_LOG_DAYS", "29");
  expect_bad("REPAIRD_PHONE_COUNTRY", "+33");
  expect_bad("REPAIRD_PHONE_COUNTRY", "033");
  expect_bad("REPAIRD_PHONE_COUNTRY", "3344");
  expect_bad("REPAIRD_PHONE_COUNTRY", "FR");
}
