/* The route table: every route of the service, registered before start. */
#ifndef RL_API_ROUTES_H
#define RL_API_ROUTES_H

#include <stddef.h>

#include "api/http.h"

extern const struct rl_route rl_routes[];
extern const size_t rl_routes_count;

/* Handlers, one file per resource. */
void h_healthz(struct rl_req *req, struct _u_response *res);
void h_readyz(struct rl_req *req, struct _u_response *res);
void h_metrics(struct rl_req *req, struct _u_response *res);
void h_openapi(struct rl_req *req, struct _u_response *res);
void h_home(struct rl_req *req, struct _u_response *res);
void h_help_tracking(struct rl_req *req, struct _u_response *res);
void h_favicon(struct rl_req *req, struct _u_response *res);
void h_robots(struct rl_req *req, struct _u_response *res);
void h_keys_list(struct rl_req *req, struct _u_response *res);
void h_keys_create(struct rl_req *req, struct _u_response *res);
void h_keys_get(struct rl_req *req, struct _u_response *res);
void h_keys_revoke(struct rl_req *req, struct _u_response *res);
void h_categories_list(struct rl_req *req, struct _u_response *res);
void h_categories_get(struct rl_req *req, struct _u_response *res);
void h_sites_create(struct rl_req *req, struct _u_response *res);
void h_sites_list(struct rl_req *req, struct _u_response *res);
void h_sites_get(struct rl_req *req, struct _u_response *res);
void h_sites_patch(struct rl_req *req, struct _u_response *res);
void h_devices_create(struct rl_req *req, struct _u_response *res);
void h_devices_list(struct rl_req *req, struct _u_response *res);
void h_devices_get(struct rl_req *req, struct _u_response *res);
void h_devices_patch(struct rl_req *req, struct _u_response *res);
void h_devices_transition(struct rl_req *req, struct _u_response *res);
void h_devices_history(struct rl_req *req, struct _u_response *res);
void h_device_label(struct rl_req *req, struct _u_response *res);
void h_device_receipt(struct rl_req *req, struct _u_response *res);
void h_labels_batch(struct rl_req *req, struct _u_response *res);
void h_repairs_create(struct rl_req *req, struct _u_response *res);
void h_repairs_list(struct rl_req *req, struct _u_response *res);
void h_repairs_get(struct rl_req *req, struct _u_response *res);
void h_repairs_patch(struct rl_req *req, struct _u_response *res);
void h_sessions_create(struct rl_req *req, struct _u_response *res);
void h_sessions_list(struct rl_req *req, struct _u_response *res);
void h_sessions_get(struct rl_req *req, struct _u_response *res);
void h_sessions_patch(struct rl_req *req, struct _u_response *res);
void h_sessions_repairs(struct rl_req *req, struct _u_response *res);
void h_members_create(struct rl_req *req, struct _u_response *res);
void h_members_list(struct rl_req *req, struct _u_response *res);
void h_members_get(struct rl_req *req, struct _u_response *res);
void h_members_patch(struct rl_req *req, struct _u_response *res);
void h_members_transition(struct rl_req *req, struct _u_response *res);
void h_members_history(struct rl_req *req, struct _u_response *res);
void h_stock_movement_create(struct rl_req *req, struct _u_response *res);
void h_stock_movements(struct rl_req *req, struct _u_response *res);
void h_stock_movement_get(struct rl_req *req, struct _u_response *res);
void h_stock_get(struct rl_req *req, struct _u_response *res);
void h_stock_get_site(struct rl_req *req, struct _u_response *res);
void h_stock_low(struct rl_req *req, struct _u_response *res);
void h_stock_check(struct rl_req *req, struct _u_response *res);
void h_devices_harvest(struct rl_req *req, struct _u_response *res);
void h_loans_create(struct rl_req *req, struct _u_response *res);
void h_loans_list(struct rl_req *req, struct _u_response *res);
void h_loans_get(struct rl_req *req, struct _u_response *res);
void h_loans_history(struct rl_req *req, struct _u_response *res);
void h_loans_renew(struct rl_req *req, struct _u_response *res);
void h_loans_return(struct rl_req *req, struct _u_response *res);
void h_waitlist_join(struct rl_req *req, struct _u_response *res);
void h_waitlist_list(struct rl_req *req, struct _u_response *res);
void h_waitlist_get(struct rl_req *req, struct _u_response *res);
void h_waitlist_leave(struct rl_req *req, struct _u_response *res);
void h_parts_create(struct rl_req *req, struct _u_response *res);
void h_parts_list(struct rl_req *req, struct _u_response *res);
void h_parts_get(struct rl_req *req, struct _u_response *res);
void h_parts_patch(struct rl_req *req, struct _u_response *res);
void h_part_label(struct rl_req *req, struct _u_response *res);
void h_track_json(struct rl_req *req, struct _u_response *res);
void h_track_page(struct rl_req *req, struct _u_response *res);
void h_device_page(struct rl_req *req, struct _u_response *res);
void h_part_page(struct rl_req *req, struct _u_response *res);
void h_loan_agreement(struct rl_req *req, struct _u_response *res);
void h_loan_page(struct rl_req *req, struct _u_response *res);
void h_catalogue_json(struct rl_req *req, struct _u_response *res);
void h_catalogue_page(struct rl_req *req, struct _u_response *res);
void h_publishing_targets_create(struct rl_req *req, struct _u_response *res);
void h_publishing_targets_list(struct rl_req *req, struct _u_response *res);
void h_publishing_targets_get(struct rl_req *req, struct _u_response *res);
void h_publishing_targets_patch(struct rl_req *req, struct _u_response *res);
void h_publishing_publish(struct rl_req *req, struct _u_response *res);
void h_publishing_attempts_list(struct rl_req *req, struct _u_response *res);
void h_publishing_attempts_get(struct rl_req *req, struct _u_response *res);

void h_od_impact_json(struct rl_req *req, struct _u_response *res);
void h_od_impact_csv(struct rl_req *req, struct _u_response *res);
void h_od_factors(struct rl_req *req, struct _u_response *res);
void h_impact_page(struct rl_req *req, struct _u_response *res);
void h_factor_sets_list(struct rl_req *req, struct _u_response *res);
void h_factor_sets_create(struct rl_req *req, struct _u_response *res);

void h_opendata_ords(struct rl_req *req, struct _u_response *res);
void h_opendata_catalog(struct rl_req *req, struct _u_response *res);
void h_opendata_catalog_jsonld(struct rl_req *req, struct _u_response *res);
void h_opendata_catalog_ttl(struct rl_req *req, struct _u_response *res);

void h_unsubscribe_page(struct rl_req *req, struct _u_response *res);
void h_unsubscribe(struct rl_req *req, struct _u_response *res);
void h_devices_messages(struct rl_req *req, struct _u_response *res);
void h_loans_messages(struct rl_req *req, struct _u_response *res);
/* Webhooks and the events they carry (docs/webhooks.md). */
void h_webhooks_create(struct rl_req *req, struct _u_response *res);
void h_webhooks_list(struct rl_req *req, struct _u_response *res);
void h_webhooks_get(struct rl_req *req, struct _u_response *res);
void h_webhooks_patch(struct rl_req *req, struct _u_response *res);
void h_webhooks_delete(struct rl_req *req, struct _u_response *res);
void h_webhooks_rotate(struct rl_req *req, struct _u_response *res);
void h_webhooks_test(struct rl_req *req, struct _u_response *res);
void h_webhooks_deliveries(struct rl_req *req, struct _u_response *res);
void h_webhooks_delivery_get(struct rl_req *req, struct _u_response *res);
void h_webhooks_redeliver(struct rl_req *req, struct _u_response *res);
void h_events_list(struct rl_req *req, struct _u_response *res);
void h_events_get(struct rl_req *req, struct _u_response *res);
/* Finding a person; the access export (docs/privacy.md). */
void h_people_search(struct rl_req *req, struct _u_response *res);
void h_people_export(struct rl_req *req, struct _u_response *res);

/* Personal data: erasures and the retention run (docs/privacy.md). */
void h_erasures_create(struct rl_req *req, struct _u_response *res);
void h_erasures_list(struct rl_req *req, struct _u_response *res);
void h_erasures_get(struct rl_req *req, struct _u_response *res);
void h_retention_get(struct rl_req *req, struct _u_response *res);
void h_retention_run(struct rl_req *req, struct _u_response *res);
void h_retention_runs(struct rl_req *req, struct _u_response *res);
/* Who read personal data (core/read_log.h). */
void h_privacy_reads(struct rl_req *req, struct _u_response *res);

#endif
