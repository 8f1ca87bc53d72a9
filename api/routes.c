/* Every route, its minimum role, its flags and its handler. Order does not
 * matter to ulfius here: paths do not overlap. Device replies may hold the
 * owner's contact (for volunteer keys): personal. Public lookups are
 * rate-limited per client address; a tracking token in a path is secret,
 * a device code or a sku (printed on a label) is not. */
#include "api/routes.h"

const struct rl_route rl_routes[] = {
    {"GET", "/healthz", RL_ROLE_NONE, 0, h_healthz},
    {"GET", "/readyz", RL_ROLE_NONE, 0, h_readyz},
    {"GET", "/metrics", RL_ROLE_NONE, 0, h_metrics},
    {"GET", "/openapi.yaml", RL_ROLE_NONE, ROUTE_CORS, h_openapi},

    {"GET", "/", RL_ROLE_NONE, 0, h_home},
    {"GET", "/help/tracking", RL_ROLE_NONE, 0, h_help_tracking},
    {"GET", "/favicon.ico", RL_ROLE_NONE, 0, h_favicon},
    {"GET", "/robots.txt", RL_ROLE_NONE, 0, h_robots},

    {"GET", "/api/v1/keys", RL_ROLE_ADMIN, 0, h_keys_list},
    /* Not idempotent on purpose: a stored reply would keep the secret. */
    {"POST", "/api/v1/keys", RL_ROLE_ADMIN, ROUTE_JSON_BODY, h_keys_create},
    {"GET", "/api/v1/keys/:id", RL_ROLE_ADMIN, 0, h_keys_get},
    {"DELETE", "/api/v1/keys/:id", RL_ROLE_ADMIN, 0, h_keys_revoke},

    {"GET", "/api/v1/categories", RL_ROLE_READER, 0, h_categories_list},
    {"GET", "/api/v1/categories/:slug", RL_ROLE_READER, 0, h_categories_get},

    {"GET", "/api/v1/sites", RL_ROLE_READER, 0, h_sites_list},
    {"POST", "/api/v1/sites", RL_ROLE_ADMIN, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT, h_sites_create},
    {"GET", "/api/v1/sites/:slug", RL_ROLE_READER, 0, h_sites_get},
    {"PATCH", "/api/v1/sites/:slug", RL_ROLE_ADMIN, ROUTE_JSON_BODY, h_sites_patch},

    {"GET", "/api/v1/devices", RL_ROLE_READER, ROUTE_PERSONAL, h_devices_list},
    {"POST", "/api/v1/devices", RL_ROLE_VOLUNTEER,
     ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_PERSONAL, h_devices_create},
    {"GET", "/api/v1/devices/:code", RL_ROLE_READER, ROUTE_PERSONAL, h_devices_get},
    {"PATCH", "/api/v1/devices/:code", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_PERSONAL,
     h_devices_patch},
    {"POST", "/api/v1/devices/:code/transitions", RL_ROLE_VOLUNTEER,
     ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_PERSONAL, h_devices_transition},
    {"GET", "/api/v1/devices/:code/history", RL_ROLE_READER, 0, h_devices_history},
    {"GET", "/api/v1/devices/:code/label", RL_ROLE_VOLUNTEER, 0, h_device_label},
    {"GET", "/api/v1/devices/:code/receipt", RL_ROLE_VOLUNTEER, 0, h_device_receipt},
    {"POST", "/api/v1/labels", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_HEAVY, h_labels_batch},

    {"GET", "/api/v1/devices/:code/repairs", RL_ROLE_READER, 0, h_repairs_list},
    {"POST", "/api/v1/devices/:code/repairs", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT,
     h_repairs_create},
    {"GET", "/api/v1/repairs/:id", RL_ROLE_READER, 0, h_repairs_get},
    {"PATCH", "/api/v1/repairs/:id", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY, h_repairs_patch},

    {"GET", "/api/v1/sessions", RL_ROLE_READER, 0, h_sessions_list},
    {"POST", "/api/v1/sessions", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT,
     h_sessions_create},
    {"GET", "/api/v1/sessions/:id", RL_ROLE_READER, 0, h_sessions_get},
    {"PATCH", "/api/v1/sessions/:id", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY, h_sessions_patch},
    {"GET", "/api/v1/sessions/:id/repairs", RL_ROLE_READER, 0, h_sessions_repairs},
    {"GET", "/api/v1/members", RL_ROLE_READER, ROUTE_PERSONAL, h_members_list},
    {"POST", "/api/v1/members", RL_ROLE_VOLUNTEER,
     ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_PERSONAL, h_members_create},
    {"GET", "/api/v1/members/:number", RL_ROLE_READER, ROUTE_PERSONAL, h_members_get},
    {"PATCH", "/api/v1/members/:number", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_PERSONAL,
     h_members_patch},
    {"POST", "/api/v1/members/:number/transitions", RL_ROLE_VOLUNTEER,
     ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_PERSONAL, h_members_transition},
    {"GET", "/api/v1/members/:number/history", RL_ROLE_READER, ROUTE_PERSONAL, h_members_history},

    {"POST", "/api/v1/parts/:sku/movements", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT,
     h_stock_movement_create},
    {"GET", "/api/v1/parts/:sku/movements", RL_ROLE_READER, 0, h_stock_movements},
    {"GET", "/api/v1/parts/:sku/movements/:id", RL_ROLE_READER, 0, h_stock_movement_get},
    {"GET", "/api/v1/parts/:sku/stock", RL_ROLE_READER, 0, h_stock_get},
    {"GET", "/api/v1/parts/:sku/stock/:site", RL_ROLE_READER, 0, h_stock_get_site},
    {"GET", "/api/v1/sites/:slug/low-stock", RL_ROLE_READER, 0, h_stock_low},
    {"GET", "/api/v1/stock/check", RL_ROLE_ADMIN, 0, h_stock_check},
    {"POST", "/api/v1/devices/:code/harvest", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT,
     h_devices_harvest},
    {"GET", "/api/v1/parts", RL_ROLE_READER, 0, h_parts_list},
    {"POST", "/api/v1/parts", RL_ROLE_ADMIN, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT, h_parts_create},
    {"GET", "/api/v1/parts/:sku", RL_ROLE_READER, 0, h_parts_get},
    {"PATCH", "/api/v1/parts/:sku", RL_ROLE_ADMIN, ROUTE_JSON_BODY, h_parts_patch},
    {"GET", "/api/v1/parts/:sku/label", RL_ROLE_VOLUNTEER, 0, h_part_label},

    /* A loan's public page URL is the borrower's: personal, like contacts. */
    {"GET", "/api/v1/loans", RL_ROLE_READER, ROUTE_PERSONAL, h_loans_list},
    {"POST", "/api/v1/loans", RL_ROLE_VOLUNTEER,
     ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_PERSONAL, h_loans_create},
    {"GET", "/api/v1/loans/:id", RL_ROLE_READER, ROUTE_PERSONAL, h_loans_get},
    {"GET", "/api/v1/loans/:id/history", RL_ROLE_READER, 0, h_loans_history},
    {"POST", "/api/v1/loans/:id/renewals", RL_ROLE_VOLUNTEER,
     ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_PERSONAL, h_loans_renew},
    {"POST", "/api/v1/loans/:id/return", RL_ROLE_VOLUNTEER,
     ROUTE_JSON_BODY | ROUTE_IDEMPOTENT | ROUTE_PERSONAL, h_loans_return},
    {"GET", "/api/v1/waitlist", RL_ROLE_READER, ROUTE_PERSONAL, h_waitlist_list},
    {"POST", "/api/v1/waitlist", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT,
     h_waitlist_join},
    {"GET", "/api/v1/waitlist/:id", RL_ROLE_READER, ROUTE_PERSONAL, h_waitlist_get},
    {"DELETE", "/api/v1/waitlist/:id", RL_ROLE_VOLUNTEER, 0, h_waitlist_leave},

    {"GET", "/api/v1/track/:token", RL_ROLE_NONE,
     ROUTE_RATE_LIMITED | ROUTE_SECRET_PATH | ROUTE_CORS, h_track_json},
    {"GET", "/t/:token", RL_ROLE_NONE, ROUTE_RATE_LIMITED | ROUTE_SECRET_PATH, h_track_page},
    {"GET", "/d/:code", RL_ROLE_NONE, ROUTE_RATE_LIMITED, h_device_page},
    {"GET", "/p/:sku", RL_ROLE_NONE, ROUTE_RATE_LIMITED, h_part_page},

    /* Loan documents: the agreement may print the member's name
     * (personal); a loan's page sits behind its secret token; the
     * catalogue is counts only. */
    {"GET", "/api/v1/loans/:id/agreement", RL_ROLE_VOLUNTEER, ROUTE_PERSONAL, h_loan_agreement},
    {"GET", "/l/:token", RL_ROLE_NONE, ROUTE_RATE_LIMITED | ROUTE_SECRET_PATH, h_loan_page},
    {"GET", "/api/v1/catalogue", RL_ROLE_NONE, ROUTE_CORS | ROUTE_RATE_LIMITED, h_catalogue_json},
    {"GET", "/catalogue", RL_ROLE_NONE, ROUTE_RATE_LIMITED, h_catalogue_page},

    /* Open data: sums by month, site and category, nothing personal. */
    {"GET", "/opendata/impact.json", RL_ROLE_NONE, ROUTE_CORS | ROUTE_RATE_LIMITED,
     h_od_impact_json},
    {"GET", "/opendata/impact.csv", RL_ROLE_NONE, ROUTE_CORS | ROUTE_RATE_LIMITED, h_od_impact_csv},
    {"GET", "/opendata/factors", RL_ROLE_NONE, ROUTE_CORS | ROUTE_RATE_LIMITED, h_od_factors},
    /* HEAD: the same handlers (the same headers); libmicrohttpd sends no
     * body, and the export is not run (h_opendata_ords). */
    {"HEAD", "/opendata/impact.json", RL_ROLE_NONE, ROUTE_CORS | ROUTE_RATE_LIMITED,
     h_od_impact_json},
    {"HEAD", "/opendata/impact.csv", RL_ROLE_NONE, ROUTE_CORS | ROUTE_RATE_LIMITED,
     h_od_impact_csv},
    {"HEAD", "/opendata/factors", RL_ROLE_NONE, ROUTE_CORS | ROUTE_RATE_LIMITED, h_od_factors},
    {"GET", "/impact", RL_ROLE_NONE, ROUTE_RATE_LIMITED, h_impact_page},
    {"GET", "/api/v1/impact/factor-sets", RL_ROLE_ADMIN, 0, h_factor_sets_list},
    {"POST", "/api/v1/impact/factor-sets", RL_ROLE_ADMIN, ROUTE_JSON_BODY, h_factor_sets_create},

    /* Publishing to the city's portal. Publishing now queues an upload
     * for the publisher thread (202); not idempotent on purpose: a second
     * call while one waits is answered that one already. */
    {"GET", "/api/v1/publishing/targets", RL_ROLE_ADMIN, 0, h_publishing_targets_list},
    {"POST", "/api/v1/publishing/targets", RL_ROLE_ADMIN, ROUTE_JSON_BODY | ROUTE_IDEMPOTENT,
     h_publishing_targets_create},
    {"GET", "/api/v1/publishing/targets/:id", RL_ROLE_ADMIN, 0, h_publishing_targets_get},
    {"PATCH", "/api/v1/publishing/targets/:id", RL_ROLE_ADMIN, ROUTE_JSON_BODY,
     h_publishing_targets_patch},
    {"POST", "/api/v1/publishing/targets/:id/publish", RL_ROLE_ADMIN, 0, h_publishing_publish},
    {"GET", "/api/v1/publishing/attempts", RL_ROLE_ADMIN, 0, h_publishing_attempts_list},
    {"GET", "/api/v1/publishing/attempts/:id", RL_ROLE_ADMIN, 0, h_publishing_attempts_get},

    /* Open data: public and open to any origin; not rate-limited, since
     * portals harvest them and caches revalidate them (a 304 costs two
     * index reads). An export itself is counted against its client's
     * budget, and a client may run two at once (h_opendata_ords.c); all
     * together are bounded by the store's cursor limit. */
    {"GET", "/opendata/ords.csv", RL_ROLE_NONE, ROUTE_CORS, h_opendata_ords},
    {"GET", "/opendata/catalog", RL_ROLE_NONE, ROUTE_CORS, h_opendata_catalog},
    {"GET", "/opendata/catalog.jsonld", RL_ROLE_NONE, ROUTE_CORS, h_opendata_catalog_jsonld},
    {"GET", "/opendata/catalog.ttl", RL_ROLE_NONE, ROUTE_CORS, h_opendata_catalog_ttl},

    /* E-mail to residents: the way out sits behind its secret token (a
     * mail client's one-click POST, RFC 8058, or the page's button); the
     * lists show what was sent and how it went, never to whom. */
    {"GET", "/u/:token", RL_ROLE_NONE, ROUTE_RATE_LIMITED | ROUTE_SECRET_PATH, h_unsubscribe_page},
    {"POST", "/u/:token", RL_ROLE_NONE, ROUTE_RATE_LIMITED | ROUTE_SECRET_PATH, h_unsubscribe},
    {"GET", "/api/v1/devices/:code/messages", RL_ROLE_READER, 0, h_devices_messages},
    {"GET", "/api/v1/loans/:id/messages", RL_ROLE_READER, 0, h_loans_messages},
    /* Webhooks (docs/webhooks.md). Creating a subscription and rotating
     * its secret are not idempotent on purpose: a stored reply would keep
     * the secret. Events carry no personal data. */
    {"GET", "/api/v1/webhooks", RL_ROLE_ADMIN, 0, h_webhooks_list},
    {"POST", "/api/v1/webhooks", RL_ROLE_ADMIN, ROUTE_JSON_BODY, h_webhooks_create},
    {"GET", "/api/v1/webhooks/:id", RL_ROLE_ADMIN, 0, h_webhooks_get},
    {"PATCH", "/api/v1/webhooks/:id", RL_ROLE_ADMIN, ROUTE_JSON_BODY, h_webhooks_patch},
    {"DELETE", "/api/v1/webhooks/:id", RL_ROLE_ADMIN, 0, h_webhooks_delete},
    {"POST", "/api/v1/webhooks/:id/rotate-secret", RL_ROLE_ADMIN, 0, h_webhooks_rotate},
    {"POST", "/api/v1/webhooks/:id/test", RL_ROLE_ADMIN, 0, h_webhooks_test},
    {"GET", "/api/v1/webhooks/:id/deliveries", RL_ROLE_ADMIN, 0, h_webhooks_deliveries},
    {"GET", "/api/v1/webhooks/:id/deliveries/:delivery_id", RL_ROLE_ADMIN, 0,
     h_webhooks_delivery_get},
    {"POST", "/api/v1/webhooks/:id/deliveries/:delivery_id/redeliver", RL_ROLE_ADMIN, 0,
     h_webhooks_redeliver},
    {"GET", "/api/v1/events", RL_ROLE_ADMIN, 0, h_events_list},
    {"GET", "/api/v1/events/:id", RL_ROLE_ADMIN, 0, h_events_get},
    /* Personal data (docs/privacy.md): erasures and the retention run,
     * admin only; their replies name records and count, never a contact. */
    {"POST", "/api/v1/people/erasures", RL_ROLE_ADMIN, ROUTE_JSON_BODY, h_erasures_create},
    {"GET", "/api/v1/people/erasures", RL_ROLE_ADMIN, 0, h_erasures_list},
    {"GET", "/api/v1/people/erasures/:id", RL_ROLE_ADMIN, 0, h_erasures_get},
    {"GET", "/api/v1/privacy/retention", RL_ROLE_ADMIN, 0, h_retention_get},
    {"POST", "/api/v1/privacy/retention/runs", RL_ROLE_ADMIN, 0, h_retention_run},
    {"GET", "/api/v1/privacy/retention/runs", RL_ROLE_ADMIN, 0, h_retention_runs},
    {"HEAD", "/opendata/ords.csv", RL_ROLE_NONE, ROUTE_CORS, h_opendata_ords},
    {"HEAD", "/opendata/catalog", RL_ROLE_NONE, ROUTE_CORS, h_opendata_catalog},
    {"HEAD", "/opendata/catalog.jsonld", RL_ROLE_NONE, ROUTE_CORS, h_opendata_catalog_jsonld},
    {"HEAD", "/opendata/catalog.ttl", RL_ROLE_NONE, ROUTE_CORS, h_opendata_catalog_ttl},
    /* Finding a person and the access export (docs/privacy.md): values in
     * the body, never in a URL; personal replies, never stored as an
     * idempotent reply. */
    {"POST", "/api/v1/people/search", RL_ROLE_VOLUNTEER, ROUTE_JSON_BODY | ROUTE_PERSONAL,
     h_people_search},
    {"POST", "/api/v1/people/export", RL_ROLE_ADMIN, ROUTE_JSON_BODY | ROUTE_PERSONAL,
     h_people_export},
    /* The record of reads of personal data names records, never a value. */
    {"GET", "/api/v1/privacy/reads", RL_ROLE_ADMIN, 0, h_privacy_reads},
};

const size_t rl_routes_count = sizeof rl_routes / sizeof rl_routes[0];
