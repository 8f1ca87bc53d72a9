/* Settings from the environment: parsed and checked once at startup, then
 * read-only for the life of the process. */
#ifndef RL_CORE_CONFIG_H
#define RL_CORE_CONFIG_H

#include <stddef.h>

#include "core/netaddr.h"

enum rl_log_level { RL_LOG_DEBUG, RL_LOG_INFO, RL_LOG_WARN, RL_LOG_ERROR };

/* The loan desk's rules (docs/loans.md). Days are whole days in the
 * programme's time zone. */
struct rl_loan_settings {
  unsigned days;               /* REPAIRD_LOAN_DAYS: due date when none is given */
  unsigned max_days;           /* REPAIRD_LOAN_MAX_DAYS: latest due date, from today */
  unsigned renewals;           /* REPAIRD_LOAN_RENEWALS: renewals a loan may have */
  unsigned member_limit;       /* REPAIRD_LOAN_LIMIT: a new member's simultaneous loans */
  unsigned hold_days;          /* REPAIRD_LOAN_HOLD_DAYS: a waiting member's hold */
  unsigned renew_overdue_days; /* REPAIRD_LOAN_RENEW_OVERDUE_DAYS: renewal refused past it */
  char member_prefix[8];       /* REPAIRD_MEMBER_PREFIX: before member numbers */
  char currency[4];            /* REPAIRD_CURRENCY: ISO 4217 code of deposits */
};

/* Publishing the open-data CSVs to the city's portal (docs/open-data.md). */
struct rl_publish_settings {
  unsigned timeout_s;    /* REPAIRD_PUBLISH_TIMEOUT: longest an upload may take, in all */
  unsigned interval_s;   /* REPAIRD_PUBLISH_INTERVAL: seconds between publisher passes */
  char secrets_dir[256]; /* REPAIRD_PORTAL_SECRETS_DIR: where secret_file names are; "" none */
};

/* Open data (docs/open-data.md): who publishes it, as the ORDS file and
 * the DCAT catalogue name them. */
struct rl_opendata_settings {
  char ords_data_provider[128]; /* REPAIRD_ORDS_DATA_PROVIDER: ORDS data_provider and id prefix */
  char publisher[200];          /* REPAIRD_OPENDATA_PUBLISHER: dct:publisher's name */
  char contact_email[200];      /* REPAIRD_OPENDATA_CONTACT_EMAIL: dcat:contactPoint */
};

/* Events out (docs/webhooks.md, docs/notifications.md): the workers that
 * turn the outbox into webhook deliveries and e-mail. */
#define RL_RETRY_STEPS_MAX 16
struct rl_outbox_settings {
  unsigned workers;     /* REPAIRD_OUTBOX_WORKERS: delivery threads here; 0 none */
  unsigned poll_ms;     /* REPAIRD_OUTBOX_POLL_MS: an idle worker looks again after it */
  unsigned schedule_s;  /* REPAIRD_OUTBOX_SCHEDULE: between passes of the time-based events */
  unsigned retention_s; /* REPAIRD_EVENTS_RETENTION: how long ended events are kept */
  unsigned retries;     /* how many delays retry_s holds */
  unsigned retry_s[RL_RETRY_STEPS_MAX]; /* REPAIRD_DELIVERY_SCHEDULE: delay before each retry */
  unsigned connect_timeout_s;           /* REPAIRD_WEBHOOK_CONNECT_TIMEOUT */
  unsigned timeout_s;                   /* REPAIRD_WEBHOOK_TIMEOUT: a whole attempt */
  unsigned disable_after_s;       /* REPAIRD_WEBHOOK_DISABLE_AFTER: failing that long disables */
  int allow_http;                 /* REPAIRD_WEBHOOK_ALLOW_HTTP: http:// URLs too */
  struct rl_cidrs allow_networks; /* REPAIRD_WEBHOOK_ALLOW_NETWORKS: private blocks allowed */
};

/* E-mail to residents through an SMTP server (docs/notifications.md). */
struct rl_mail_settings {
  char smtp_url[512];  /* REPAIRD_SMTP_URL: smtp://host:port or smtps://…; "" sends nothing */
  char user[256];      /* REPAIRD_SMTP_USER */
  char password[256];  /* REPAIRD_SMTP_PASSWORD, or the first line of REPAIRD_SMTP_PASSWORD_FILE */
  char from[320];      /* REPAIRD_MAIL_FROM: the From address */
  char from_name[200]; /* REPAIRD_MAIL_FROM_NAME: its display name */
  unsigned due_days;   /* REPAIRD_NOTIFY_DUE_DAYS: "due soon" this many days before */
};

/* Personal data (docs/privacy.md): how long contacts are kept once their
 * purpose has lapsed, and how phone numbers are compared. */
struct rl_privacy_settings {
  unsigned owner_days;    /* REPAIRD_RETAIN_OWNER_DAYS: an owner's contact after the device left */
  unsigned member_days;   /* REPAIRD_RETAIN_MEMBER_DAYS: a member's contact after their last loan */
  unsigned delivery_days; /* REPAIRD_RETAIN_DELIVERY_DAYS: webhook and e-mail delivery records */
  unsigned read_log_days; /* REPAIRD_RETAIN_READ_LOG_DAYS: the record of reads of personal data */
  char phone_country[4];  /* REPAIRD_PHONE_COUNTRY: calling code of national numbers ("33") */
};

struct rl_config {
  char database_url[1024];         /* DATABASE_URL; empty: libpq's own defaults */
  char listen_host[256];           /* REPAIRD_LISTEN host part */
  unsigned short listen_port;      /* REPAIRD_LISTEN port part */
  char public_url[512];            /* REPAIRD_PUBLIC_URL, no trailing slash */
  unsigned threads;                /* REPAIRD_THREADS */
  unsigned heavy_requests;         /* REPAIRD_HEAVY_REQUESTS: label batches rendered at once */
  unsigned drain_timeout_s;        /* REPAIRD_DRAIN_TIMEOUT: longest a graceful stop waits */
  size_t max_body;                 /* REPAIRD_MAX_BODY, bytes */
  enum rl_log_level log_level;     /* REPAIRD_LOG_LEVEL */
  char code_prefix[8];             /* REPAIRD_CODE_PREFIX */
  unsigned public_rate_limit;      /* REPAIRD_PUBLIC_RATE_LIMIT, requests a minute per address */
  char timezone[64];               /* REPAIRD_TIMEZONE: dates printed for people (labels, pages) */
  unsigned idempotency_ttl_s;      /* REPAIRD_IDEMPOTENCY_TTL: seconds stored replies are kept */
  struct rl_cidrs trusted_proxies; /* REPAIRD_TRUSTED_PROXIES: whose X-Forwarded-For counts */
  struct rl_loan_settings loans;
  struct rl_publish_settings publish;
  struct rl_opendata_settings opendata;
  struct rl_outbox_settings outbox;
  struct rl_mail_settings mail;
  struct rl_privacy_settings privacy;
};

/* Looks a setting up by name; returns NULL when unset. */
typedef const char *(*rl_getenv_fn)(const char *name, void *ctx);

/* Fills *out from the settings that get() returns (defaults for unset ones).
 * On a bad setting returns RL_EINVALID and writes a one-line message naming
 * the setting into err. */
int rl_config_load(struct rl_config *out, rl_getenv_fn get, void *ctx, char *err, size_t errlen);

/* rl_config_load on the process environment. */
int rl_config_from_env(struct rl_config *out, char *err, size_t errlen);

#endif
