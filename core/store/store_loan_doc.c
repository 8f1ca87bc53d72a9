/* Prepared statements for a loan's documents. The member's contact is
 * joined only when its name is asked for, so that an agreement printed
 * without it never reads personal data. */
#include "core/store/store_loan_doc.h"

#include <stdio.h>

#include "core/error.h"
#include "core/store/pool.h"
#include "core/store/statements.h"

const struct store_stmt store_loan_doc_stmts[] = {
    {"loan_doc_agreement",
     "SELECT l.id, l.token, d.code, d.brand, d.model, c.slug AS category, c.name_fr, c.name_en,"
     " m.number AS member_number, m.language, mc.name AS member_name,"
     " to_char(l.start_date, 'YYYY-MM-DD') AS start_date,"
     " to_char(l.due_date, 'YYYY-MM-DD') AS due_date, l.checkout_condition,"
     " l.deposit_amount::text AS deposit_amount, l.deposit_method,"
     " l.returned_at IS NOT NULL AS returned, s.name AS site_name, s.address, s.opening_hours,"
     " s.loan_conditions_fr, s.loan_conditions_en"
     " FROM loans l JOIN devices d ON d.id = l.device_id JOIN categories c ON c.slug = l.category"
     " JOIN members m ON m.id = l.member_id JOIN sites s ON s.id = l.site_id"
     " LEFT JOIN member_contacts mc ON $2::boolean AND mc.member_id = m.id"
     " WHERE l.id = $1::bigint",
     STORE_RETRY_SAFE},
    /* Overdue from the day after the due date, in the programme's zone. */
    {"loan_doc_public",
     "SELECT c.slug AS category, c.name_fr, c.name_en,"
     " to_char(l.due_date, 'YYYY-MM-DD') AS due_date,"
     " to_char((l.returned_at AT TIME ZONE $2)::date, 'YYYY-MM-DD') AS returned_on,"
     " CASE WHEN l.returned_at IS NULL"
     " THEN greatest((rl_now() AT TIME ZONE $2)::date - l.due_date, 0) ELSE 0 END"
     " AS days_overdue, s.name AS site_name, s.address, s.opening_hours"
     " FROM loans l JOIN categories c ON c.slug = l.category JOIN sites s ON s.id = l.site_id"
     " WHERE l.token = $1",
     STORE_RETRY_SAFE},
    {NULL, NULL, 0},
};

enum {
  A_ID,
  A_TOKEN,
  A_CODE,
  A_BRAND,
  A_MODEL,
  A_CATEGORY,
  A_NAME_FR,
  A_NAME_EN,
  A_NUMBER,
  A_LANGUAGE,
  A_MEMBER_NAME,
  A_START,
  A_DUE,
  A_CONDITION,
  A_AMOUNT,
  A_METHOD,
  A_RETURNED,
  A_SITE,
  A_ADDRESS,
  A_HOURS,
  A_COND_FR,
  A_COND_EN,
  A_COUNT
};
static const char *const agreement_cols[A_COUNT] = {"id",
                                                    "token",
                                                    "code",
                                                    "brand",
                                                    "model",
                                                    "category",
                                                    "name_fr",
                                                    "name_en",
                                                    "member_number",
                                                    "language",
                                                    "member_name",
                                                    "start_date",
                                                    "due_date",
                                                    "checkout_condition",
                                                    "deposit_amount",
                                                    "deposit_method",
                                                    "returned",
                                                    "site_name",
                                                    "address",
                                                    "opening_hours",
                                                    "loan_conditions_fr",
                                                    "loan_conditions_en"};

int store_loan_doc_agreement(json_t **out, long long id, int with_name)
{
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", id);
  const char *p[] = {ids, with_name ? "true" : "false"};
  PGresult *r;
  int rc = store_exec(&r, "loan_doc_agreement", 2, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[A_COUNT];
  store_cols(r, agreement_cols, c, A_COUNT);
  json_t *deposit = store_value(r, 0, c[A_AMOUNT]) == NULL
                        ? json_null()
                        : json_pack("{s:o s:o}", "amount", store_json_str(r, 0, c[A_AMOUNT]),
                                    "method", store_json_str(r, 0, c[A_METHOD]));
  json_t *t = json_pack(
      "{s:o s:o s:{s:o s:o s:o} s:{s:o s:o s:o} s:{s:o s:o s:o} s:o s:o s:o s:o s:o"
      " s:{s:o s:o s:o s:o s:o}}",
      "id", store_json_int(r, 0, c[A_ID]), "token", store_json_str(r, 0, c[A_TOKEN]), "device",
      "code", store_json_str(r, 0, c[A_CODE]), "brand", store_json_str(r, 0, c[A_BRAND]), "model",
      store_json_str(r, 0, c[A_MODEL]), "category", "slug", store_json_str(r, 0, c[A_CATEGORY]),
      "name_fr", store_json_str(r, 0, c[A_NAME_FR]), "name_en", store_json_str(r, 0, c[A_NAME_EN]),
      "member", "number", store_json_str(r, 0, c[A_NUMBER]), "language",
      store_json_str(r, 0, c[A_LANGUAGE]), "name", store_json_str(r, 0, c[A_MEMBER_NAME]),
      "start_date", store_json_str(r, 0, c[A_START]), "due_date", store_json_str(r, 0, c[A_DUE]),
      "checkout_condition", store_json_str(r, 0, c[A_CONDITION]), "deposit", deposit, "returned",
      store_json_bool(r, 0, c[A_RETURNED]), "site", "name", store_json_str(r, 0, c[A_SITE]),
      "address", store_json_str(r, 0, c[A_ADDRESS]), "opening_hours",
      store_json_str(r, 0, c[A_HOURS]), "loan_conditions_fr", store_json_str(r, 0, c[A_COND_FR]),
      "loan_conditions_en", store_json_str(r, 0, c[A_COND_EN]));
  PQclear(r);
  *out = t;
  return t ? RL_OK : RL_ENOMEM;
}

enum {
  P_CATEGORY,
  P_NAME_FR,
  P_NAME_EN,
  P_DUE,
  P_RETURNED,
  P_OVERDUE,
  P_SITE,
  P_ADDRESS,
  P_HOURS,
  P_COUNT
};
static const char *const public_cols[P_COUNT] = {"category",  "name_fr",     "name_en",
                                                 "due_date",  "returned_on", "days_overdue",
                                                 "site_name", "address",     "opening_hours"};

int store_loan_doc_public(json_t **out, const char *token, const char *timezone)
{
  const char *p[] = {token, timezone};
  PGresult *r;
  int rc = store_exec(&r, "loan_doc_public", 2, p);
  if (rc != RL_OK)
    return rc;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return RL_ENOTFOUND;
  }
  int c[P_COUNT];
  store_cols(r, public_cols, c, P_COUNT);
  json_t *t = json_pack(
      "{s:{s:o s:o s:o} s:o s:o s:o s:{s:o s:o s:o}}", "category", "slug",
      store_json_str(r, 0, c[P_CATEGORY]), "name_fr", store_json_str(r, 0, c[P_NAME_FR]), "name_en",
      store_json_str(r, 0, c[P_NAME_EN]), "due_date", store_json_str(r, 0, c[P_DUE]), "returned_on",
      store_json_str(r, 0, c[P_RETURNED]), "days_overdue", store_json_int(r, 0, c[P_OVERDUE]),
      "site", "name", store_json_str(r, 0, c[P_SITE]), "address",
      store_json_str(r, 0, c[P_ADDRESS]), "opening_hours", store_json_str(r, 0, c[P_HOURS]));
  PQclear(r);
  *out = t;
  return t ? RL_OK : RL_ENOMEM;
}
