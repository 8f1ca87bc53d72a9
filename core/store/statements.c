/* Registry of the statement arrays of all store files. */
#include "core/store/statements.h"

#include <stddef.h>

const struct store_stmt store_pool_stmts[] = {
    {"ping", "SELECT 1", STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

const struct store_stmt *const store_statement_groups[] = {
    store_pool_stmts,      store_apikey_stmts,   store_category_stmts,
    store_idem_stmts,      store_site_stmts,     store_device_stmts,
    store_repair_stmts,    store_session_stmts,  store_stock_stmts,
    store_tracking_stmts,  store_part_stmts,     store_member_stmts,
    store_loan_stmts,      store_waitlist_stmts, store_loan_doc_stmts,
    store_catalogue_stmts, store_impact_stmts,   store_publish_stmts,
    store_ords_stmts,      store_outbox_stmts,   store_mail_stmts,
    store_webhook_stmts,   store_event_stmts,    store_privacy_stmts,
    store_people_stmts,    store_read_log_stmts, NULL,
};

const struct store_violation *const store_violation_groups[] = {
    store_device_violations,  store_repair_violations,
    store_session_violations, store_site_violations,
    store_part_violations,    store_member_violations,
    store_loan_violations,    store_waitlist_violations,
    store_publish_violations, NULL,
};
