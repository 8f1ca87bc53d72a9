/* The fields of each resource, in one place: what a body may hold (types,
 * bounds, formats), what a list's query may filter on, and which fields are
 * personal data. Handlers and core check requests against these; replies
 * to keys below volunteer are stripped by them (rl_spec_strip_personal). */
#ifndef RL_CORE_FIELDS_H
#define RL_CORE_FIELDS_H

#include "core/spec.h"

/* A device: intake (RL_SPEC_CREATE) and edits (RL_SPEC_UPDATE), and the
 * device objects the API returns (owner and tracking_token are personal).
 * weight_confirmed is not stored: it lets an implausible weight through. */
extern const struct rl_field fields_device[];
/* GET /api/v1/devices: paging and filters. */
extern const struct rl_field fields_device_filters[];
/* POST /api/v1/devices/{code}/transitions. */
extern const struct rl_field fields_transition[];

/* A repair: recorded and edited. */
extern const struct rl_field fields_repair[];

/* A repair café session; GET /api/v1/sessions filters. */
extern const struct rl_field fields_session[];
extern const struct rl_field fields_session_filters[];

/* A site; GET /api/v1/sites filters. */
extern const struct rl_field fields_site[];
extern const struct rl_field fields_site_filters[];

/* GET /api/v1/loans/{id}/agreement: format (a4, receipt), name (print
 * the member's name), lang (fr, en: else the member's language). */
extern const struct rl_field fields_agreement_query[];

/* A spare part: created and edited (site_low_stock, keyed by site slugs,
 * is checked by core/part.c); GET /api/v1/parts filters. */
extern const struct rl_field fields_part[];
extern const struct rl_field fields_part_filters[];

/* An API key to create. */
extern const struct rl_field fields_key[];

/* Stock movements, harvests, and the stock queries (core/stock.c checks
 * what each movement type needs on top). */
extern const struct rl_field fields_movement[];
extern const struct rl_field fields_movement_filters[];
extern const struct rl_field fields_harvest[];
extern const struct rl_field fields_stock_query[];

/* Loans: a checkout, the list's filters, a renewal, a return; waiting
 * lists: joining and the list's filters (docs/loans.md). */
extern const struct rl_field fields_loan[];
extern const struct rl_field fields_loan_filters[];
extern const struct rl_field fields_loan_renewal[];
extern const struct rl_field fields_loan_return[];
extern const struct rl_field fields_waitlist_join[];
extern const struct rl_field fields_waitlist_filters[];
/* A member: created (RL_SPEC_CREATE) and edited (RL_SPEC_UPDATE), and the
 * member objects the API returns (contact and notes are personal);
 * GET /api/v1/members filters; POST /api/v1/members/{number}/transitions;
 * a member's history event (its note is personal). */
extern const struct rl_field fields_member[];
extern const struct rl_field fields_member_filters[];
extern const struct rl_field fields_member_transition[];
extern const struct rl_field fields_member_event[];

/* A publication target (docs/open-data.md, "Publishing"); GET
 * /api/v1/publishing/attempts filters (target). */
extern const struct rl_field fields_publish_target[];
extern const struct rl_field fields_publish_attempt_filters[];

/* Webhooks (docs/webhooks.md): a subscription, created and edited
 * (core/webhook.c checks the URL and the event types on top); GET
 * /api/v1/webhooks/{id}/deliveries filters (status); GET /api/v1/events
 * filters (type, since, until). */
extern const struct rl_field fields_webhook[];
extern const struct rl_field fields_delivery_filters[];
extern const struct rl_field fields_event_filters[];

/* A list that takes only limit and cursor. */
extern const struct rl_field fields_page[];
/* An operation that takes no query parameters. */
extern const struct rl_field fields_none[];

#endif
