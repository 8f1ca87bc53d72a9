/* The list of every store file's prepared statements, prepared on each new
 * connection. A store file adds its array here. */
#ifndef RL_CORE_STORE_STATEMENTS_H
#define RL_CORE_STORE_STATEMENTS_H

#include "core/store/pool.h"

extern const struct store_stmt store_pool_stmts[];
extern const struct store_stmt store_apikey_stmts[];
extern const struct store_stmt store_category_stmts[];
extern const struct store_stmt store_idem_stmts[];
extern const struct store_stmt store_site_stmts[];
extern const struct store_stmt store_device_stmts[];
extern const struct store_stmt store_repair_stmts[];
extern const struct store_stmt store_session_stmts[];
extern const struct store_stmt store_stock_stmts[];
extern const struct store_stmt store_tracking_stmts[];
extern const struct store_stmt store_part_stmts[];
extern const struct store_stmt store_loan_stmts[];
extern const struct store_stmt store_waitlist_stmts[];
extern const struct store_stmt store_member_stmts[];
extern const struct store_stmt store_loan_doc_stmts[];
extern const struct store_stmt store_catalogue_stmts[];
extern const struct store_stmt store_impact_stmts[];
extern const struct store_stmt store_publish_stmts[];
extern const struct store_stmt store_ords_stmts[];
extern const struct store_stmt store_outbox_stmts[];
extern const struct store_stmt store_mail_stmts[];
/* Webhook subscriptions and deliveries; the events list (docs/webhooks.md). */
extern const struct store_stmt store_webhook_stmts[];
extern const struct store_stmt store_event_stmts[];
/* Erasures and retention runs (docs/privacy.md). */
extern const struct store_stmt store_privacy_stmts[];
/* Finding a person; the access export (docs/privacy.md). */
extern const struct store_stmt store_people_stmts[];
/* The record of reads of personal data (docs/privacy.md). */
extern const struct store_stmt store_read_log_stmts[];

/* NULL-terminated list of the arrays above. */
extern const struct store_stmt *const store_statement_groups[];

/* The constraint violations each store file names in the domain's words. */
extern const struct store_violation store_device_violations[];
extern const struct store_violation store_repair_violations[];
extern const struct store_violation store_session_violations[];
extern const struct store_violation store_site_violations[];
extern const struct store_violation store_part_violations[];
extern const struct store_violation store_loan_violations[];
extern const struct store_violation store_waitlist_violations[];
extern const struct store_violation store_member_violations[];
extern const struct store_violation store_publish_violations[];
/* NULL-terminated list of the arrays above. */
extern const struct store_violation *const store_violation_groups[];

#endif
