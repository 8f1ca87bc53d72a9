/* Field lists of the resources (see core/fields.h). */
#include "core/fields.h"

#include "core/lifecycle.h"
#include "core/part.h"
#include "core/webhook.h"

static const char *const kinds[] = {"donation", "repair", NULL};

/* A person's name, e-mail and phone: a device owner's contact, a member's. */
/* clang-format off */
#define CONTACT_FIELDS                                                                             \
  {.name = "name", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 200},             \
  {.name = "email", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 3, .max = 254,             \
   .format = &rl_format_email},                                                                    \
  {.name = "phone", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 3, .max = 40,              \
   .format = &rl_format_phone}
/* clang-format on */

static const char *const languages[] = {"fr", "en", NULL};

/* E-mail to residents (docs/notifications.md): notify is their consent
 * (false unless they say yes); an owner's e-mail is in their language, a
 * member's in the member's. */
static const struct rl_field owner[] = {
    CONTACT_FIELDS,
    {.name = "notify", .type = RL_T_BOOL},
    {.name = "language", .type = RL_T_ENUM, .values = languages},
    {0},
};

static const struct rl_field member_contact[] = {
    CONTACT_FIELDS,
    {.name = "notify", .type = RL_T_BOOL},
    {0},
};

/* category and site have no slug format: whatever was typed is looked up,
 * so that a French name or a typo gets a suggestion rather than a lesson
 * in slugs. */
const struct rl_field fields_device[] = {
    {.name = "kind", .type = RL_T_ENUM, .flags = RL_F_REQUIRED | RL_F_IMMUTABLE, .values = kinds},
    {.name = "category", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "site", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "brand", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 100},
    {.name = "model", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    {.name = "serial", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    {.name = "year_of_manufacture",
     .type = RL_T_INT,
     .flags = RL_F_NULLABLE,
     .min = 1900,
     .max = 2200},
    {.name = "weight_kg", .type = RL_T_NUMBER, .flags = RL_F_NULLABLE, .min = 0.001, .max = 2000},
    {.name = "weight_confirmed", .type = RL_T_BOOL},
    {.name = "problem", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 2000},
    {.name = "notes", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "owner", .type = RL_T_OBJECT, .flags = RL_F_NULLABLE | RL_F_PERSONAL, .sub = owner},
    {.name = "code", .flags = RL_F_READONLY},
    {.name = "status", .flags = RL_F_READONLY},
    {.name = "tracking_token", .flags = RL_F_READONLY | RL_F_PERSONAL},
    {.name = "received_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    /* Who a waiting list holds it for. */
    {.name = "hold", .flags = RL_F_READONLY | RL_F_PERSONAL},
    {0},
};

const struct rl_field fields_device_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "status", .type = RL_T_ENUM, .values = rl_status_names},
    {.name = "kind", .type = RL_T_ENUM, .values = kinds},
    {.name = "category", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "received_from", .type = RL_T_DATE},
    {.name = "received_to", .type = RL_T_DATE},
    {.name = "q", .type = RL_T_STRING, .min = 1, .max = 100},
    {0},
};

const struct rl_field fields_transition[] = {
    {.name = "to", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = rl_status_names},
    {.name = "note", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 1000},
    {0},
};

static const char *const outcomes[] = {"fixed", "repairable", "end_of_life", "unknown", NULL};
static const char *const barriers[] = {"spare_parts_not_available",
                                       "spare_parts_too_expensive",
                                       "no_way_to_open",
                                       "repair_information_not_available",
                                       "lack_of_equipment",
                                       "too_worn_out",
                                       NULL};
static const char *const next_steps[] = {"more_time_needed", "professional_help", "do_it_yourself",
                                         NULL};

const struct rl_field fields_repair[] = {
    {.name = "session_id", .type = RL_T_INT, .flags = RL_F_NULLABLE, .min = 1, .max = 9e15},
    {.name = "problem", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 2000},
    {.name = "diagnosis", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "actions", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "outcome", .type = RL_T_ENUM, .values = outcomes},
    {.name = "barrier", .type = RL_T_ENUM, .flags = RL_F_NULLABLE, .values = barriers},
    {.name = "next_steps", .type = RL_T_ENUM, .flags = RL_F_NULLABLE, .values = next_steps},
    {.name = "minutes", .type = RL_T_INT, .flags = RL_F_NULLABLE, .min = 0, .max = 10000},
    {.name = "repairer", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    /* [{sku, quantity}] taken from the stock of the device's site (checked
     * by core/stock.c); fixed once recorded: a wrong use is undone by a
     * correcting movement. */
    {.name = "parts", .type = RL_T_ARRAY, .flags = RL_F_IMMUTABLE, .min = 0, .max = 50},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "device", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

const struct rl_field fields_session[] = {
    {.name = "site", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "starts_at", .type = RL_T_TIME, .flags = RL_F_REQUIRED},
    {.name = "ends_at", .type = RL_T_TIME, .flags = RL_F_REQUIRED},
    {.name = "volunteers", .type = RL_T_INT, .min = 0, .max = 1000},
    {.name = "notes", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 4000},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "figures", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

const struct rl_field fields_session_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "from", .type = RL_T_DATE},
    {.name = "to", .type = RL_T_DATE},
    {0},
};

const struct rl_field fields_site[] = {
    {.name = "slug",
     .type = RL_T_STRING,
     .flags = RL_F_REQUIRED | RL_F_IMMUTABLE,
     .min = 1,
     .max = 64,
     .format = &rl_format_slug},
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 200},
    {.name = "address", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 0, .max = 500},
    {.name = "opening_hours", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 0, .max = 1000},
    /* Printed on loan agreements, in the member's language. */
    {.name = "loan_conditions_fr",
     .type = RL_T_TEXT,
     .flags = RL_F_NULLABLE,
     .min = 0,
     .max = 4000},
    {.name = "loan_conditions_en",
     .type = RL_T_TEXT,
     .flags = RL_F_NULLABLE,
     .min = 0,
     .max = 4000},
    {.name = "active", .type = RL_T_BOOL},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

static const char *const agreement_formats[] = {"a4", "receipt", NULL};

const struct rl_field fields_agreement_query[] = {
    {.name = "format", .type = RL_T_ENUM, .values = agreement_formats},
    {.name = "name", .type = RL_T_BOOL},
    {.name = "lang", .type = RL_T_ENUM, .values = languages},
    {0},
};

const struct rl_field fields_site_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "active", .type = RL_T_BOOL},
    {0},
};

static const char *const units[] = {"piece", "g", "m", "ml", NULL};
static const struct rl_field no_fields[] = {{0}};

const struct rl_field fields_part[] = {
    {.name = "sku",
     .type = RL_T_STRING,
     .flags = RL_F_REQUIRED | RL_F_IMMUTABLE,
     .min = 1,
     .max = PART_SKU_MAX,
     .format = &part_format_sku},
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 200},
    {.name = "description", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 2000},
    {.name = "categories",
     .type = RL_T_STRINGS,
     .flags = RL_F_NULLABLE,
     .min = 0,
     .max = 100,
     .item_max = 64},
    /* Stock is counted in it: it never changes. */
    {.name = "unit", .type = RL_T_ENUM, .flags = RL_F_IMMUTABLE, .values = units},
    {.name = "low_stock", .type = RL_T_NUMBER, .min = 0, .max = 1000000},
    /* Site slug → threshold: its members are checked by core/part.c. */
    {.name = "site_low_stock", .type = RL_T_OBJECT, .flags = RL_F_NULLABLE, .sub = no_fields},
    {.name = "active", .type = RL_T_BOOL},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

const struct rl_field fields_part_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "q", .type = RL_T_STRING, .min = 1, .max = 100},
    {.name = "category", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "in_stock_at", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "active", .type = RL_T_BOOL},
    {0},
};

static const char *const roles[] = {"admin", "volunteer", "reader", NULL};

const struct rl_field fields_key[] = {
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 100},
    {.name = "role", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = roles},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "prefix", .flags = RL_F_READONLY},
    {.name = "key", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "last_used_at", .flags = RL_F_READONLY},
    {.name = "revoked_at", .flags = RL_F_READONLY},
    {0},
};

static const char *const movement_types[] = {"received", "harvested",   "used", "adjusted",
                                             "scrapped", "transferred", NULL};
static const char *const movement_sources[] = {"donated", "bought", NULL};

const struct rl_field fields_movement[] = {
    {.name = "type", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = movement_types},
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "to_site", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "quantity", .type = RL_T_NUMBER, .min = 0, .max = 1e9},
    {.name = "counted", .type = RL_T_NUMBER, .min = 0, .max = 1e9},
    {.name = "source", .type = RL_T_ENUM, .values = movement_sources},
    {.name = "device", .type = RL_T_STRING, .min = 1, .max = 32},
    {.name = "repair_id", .type = RL_T_INT, .min = 1, .max = 9e15},
    {.name = "note", .type = RL_T_TEXT, .min = 1, .max = 1000},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "at", .flags = RL_F_READONLY},
    {.name = "actor", .flags = RL_F_READONLY},
    {0},
};

const struct rl_field fields_movement_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "type", .type = RL_T_ENUM, .values = movement_types},
    {.name = "from", .type = RL_T_DATE},
    {.name = "to", .type = RL_T_DATE},
    {0},
};

const struct rl_field fields_harvest[] = {
    {.name = "parts", .type = RL_T_ARRAY, .flags = RL_F_REQUIRED, .min = 1, .max = 50},
    {.name = "note", .type = RL_T_TEXT, .min = 1, .max = 1000},
    {0},
};

const struct rl_field fields_stock_query[] = {
    {.name = "as_of", .type = RL_T_DATE},
    {0},
};

static const char *const deposit_methods[] = {"cash", "card", "cheque", "transfer", "other", NULL};
static const struct rl_field deposit[] = {
    {.name = "amount", .type = RL_T_NUMBER, .flags = RL_F_REQUIRED, .min = 0.01, .max = 100000},
    {.name = "method", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = deposit_methods},
    {0},
};

/* device and member have no format here: core reads them as typed and
 * tells a typo from a wrong kind of code. */
const struct rl_field fields_loan[] = {
    {.name = "device", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 32},
    {.name = "member", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 32},
    {.name = "due_date", .type = RL_T_DATE},
    {.name = "checkout_condition",
     .type = RL_T_TEXT,
     .flags = RL_F_NULLABLE,
     .min = 1,
     .max = 1000},
    {.name = "deposit", .type = RL_T_OBJECT, .flags = RL_F_NULLABLE, .sub = deposit},
    {.name = "note", .type = RL_T_TEXT, .min = 1, .max = 1000},
    /* The page of the due date: whoever holds it sees no personal data,
     * but it is the borrower's, not a reader key's. */
    {.name = "public_url", .flags = RL_F_READONLY | RL_F_PERSONAL},
    {0},
};

static const char *const loan_statuses[] = {"open", "overdue", "returned", "all", NULL};

const struct rl_field fields_loan_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "status", .type = RL_T_ENUM, .values = loan_statuses},
    {.name = "due_within_days", .type = RL_T_INT, .min = 0, .max = 730},
    {.name = "member", .type = RL_T_STRING, .min = 1, .max = 32},
    {.name = "device", .type = RL_T_STRING, .min = 1, .max = 32},
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64},
    {0},
};

const struct rl_field fields_loan_renewal[] = {
    {.name = "due_date", .type = RL_T_DATE},
    {.name = "note", .type = RL_T_TEXT, .min = 1, .max = 1000},
    {0},
};

static const char *const return_conditions[] = {"ok", "needs_check", "lost", NULL};
static const char *const deposit_outcomes[] = {"returned", "kept", NULL};

const struct rl_field fields_loan_return[] = {
    {.name = "condition", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = return_conditions},
    {.name = "deposit", .type = RL_T_ENUM, .values = deposit_outcomes},
    {.name = "note", .type = RL_T_TEXT, .min = 1, .max = 1000},
    {0},
};

const struct rl_field fields_waitlist_join[] = {
    {.name = "member", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 32},
    {.name = "category", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "site", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 64},
    {0},
};

static const char *const waitlist_statuses[] = {"active", "all", NULL};

const struct rl_field fields_waitlist_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "category", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "site", .type = RL_T_STRING, .min = 1, .max = 64},
    {.name = "member", .type = RL_T_STRING, .min = 1, .max = 32},
    {.name = "status", .type = RL_T_ENUM, .values = waitlist_statuses},
    {0},
};

static const char *const portal_kinds[] = {"datagouv", "ckan", NULL};

/* core/publish.c checks what each kind needs, the URL, the ids, the source
 * and where the secret is, on top. */
const struct rl_field fields_publish_target[] = {
    {.name = "name", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 100},
    {.name = "kind", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = portal_kinds},
    {.name = "base_url", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 500},
    {.name = "dataset_id", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    {.name = "resource_id", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 100},
    {.name = "source", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 64},
    {.name = "active", .type = RL_T_BOOL},
    {.name = "secret_env", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 100},
    {.name = "secret_file", .type = RL_T_STRING, .flags = RL_F_NULLABLE, .min = 1, .max = 200},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

const struct rl_field fields_publish_attempt_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "target", .type = RL_T_INT, .min = 1, .max = 9e15},
    {0},
};

const struct rl_field fields_page[] = {RL_SPEC_LIMIT, RL_SPEC_CURSOR, {0}};

const struct rl_field fields_none[] = {{0}};

/* Members (docs/loans.md). The contact has the shape of a device owner's;
 * it and the notes are personal data, never shown to keys below volunteer. */
static const char *const member_statuses[] = {"active", "suspended", NULL};

const struct rl_field fields_member[] = {
    {.name = "language", .type = RL_T_ENUM, .values = languages},
    {.name = "loan_limit", .type = RL_T_INT, .min = 0, .max = 50},
    {.name = "notes",
     .type = RL_T_TEXT,
     .flags = RL_F_NULLABLE | RL_F_PERSONAL,
     .min = 1,
     .max = 4000},
    {.name = "contact",
     .type = RL_T_OBJECT,
     .flags = RL_F_NULLABLE | RL_F_PERSONAL,
     .sub = member_contact},
    {.name = "number", .flags = RL_F_READONLY},
    {.name = "open_loans", .flags = RL_F_READONLY},
    {.name = "status", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

const struct rl_field fields_member_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "status", .type = RL_T_ENUM, .values = member_statuses},
    {.name = "q", .type = RL_T_STRING, .min = 1, .max = 100},
    {0},
};

const struct rl_field fields_member_transition[] = {
    {.name = "to", .type = RL_T_ENUM, .flags = RL_F_REQUIRED, .values = member_statuses},
    {.name = "note", .type = RL_T_TEXT, .flags = RL_F_NULLABLE, .min = 1, .max = 1000},
    {0},
};

/* A member's event, as its history lists it: the note a desk wrote about
 * the member ("two laptops not returned") is personal, like their notes. */
const struct rl_field fields_member_event[] = {
    {.name = "note", .flags = RL_F_PERSONAL},
    {0},
};

/* Webhooks (docs/webhooks.md). url and event_types are checked further by
 * core/webhook.c: the URL's scheme, host and address, the types known. */
const struct rl_field fields_webhook[] = {
    {.name = "url", .type = RL_T_STRING, .flags = RL_F_REQUIRED, .min = 1, .max = 2000},
    {.name = "event_types",
     .type = RL_T_STRINGS,
     .flags = RL_F_REQUIRED,
     .min = 1,
     .max = 32,
     .item_max = 64},
    {.name = "description", .type = RL_T_STRING, .min = 0, .max = 500},
    {.name = "enabled", .type = RL_T_BOOL},
    {.name = "id", .flags = RL_F_READONLY},
    {.name = "secret", .flags = RL_F_READONLY},
    {.name = "disabled_reason", .flags = RL_F_READONLY},
    {.name = "disabled_at", .flags = RL_F_READONLY},
    {.name = "failing_since", .flags = RL_F_READONLY},
    {.name = "previous_secret_until", .flags = RL_F_READONLY},
    {.name = "created_at", .flags = RL_F_READONLY},
    {.name = "updated_at", .flags = RL_F_READONLY},
    {0},
};

static const char *const delivery_statuses[] = {"pending", "sending", "succeeded", "failed", NULL};

const struct rl_field fields_delivery_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "status", .type = RL_T_ENUM, .values = delivery_statuses},
    {0},
};

const struct rl_field fields_event_filters[] = {
    RL_SPEC_LIMIT,
    RL_SPEC_CURSOR,
    {.name = "type", .type = RL_T_ENUM, .values = webhook_all_event_types},
    {.name = "since", .type = RL_T_TIME},
    {.name = "until", .type = RL_T_TIME},
    {0},
};
