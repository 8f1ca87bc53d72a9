/* /api/v1/members: the residents who borrow, their edits, suspensions and
 * history. Their contact and notes are personal: only volunteer and admin
 * keys see them. */
#include <stdio.h>
#include <string.h>

#include "api/routes.h"
#include "core/code.h"
#include "core/error.h"
#include "core/fields.h"
#include "core/member.h"
#include "core/privacy.h"

#define NOT_FOUND "no member has this number"

/* Replies with a member, its ETag (the row version) and no personal data
 * for keys below volunteer. */
static void reply_member(struct rl_req *req, struct _u_response *res, unsigned status,
                         json_t *member, int version)
{
  if (req->who.role < RL_ROLE_VOLUNTEER)
    member_strip_personal(member);
  rl_reply_versioned(req, res, status, member, version, 0);
}

void h_members_create(struct rl_req *req, struct _u_response *res)
{
  struct member_defaults defaults = {req->cfg->loans.member_prefix, req->cfg->loans.member_limit};
  json_t *member, *errors;
  int version;
  int rc = member_create(&member, &version, &errors, req->body, &req->who, &defaults);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  char loc[96];
  snprintf(loc, sizeof loc, "/api/v1/members/%s",
           json_string_value(json_object_get(member, "number")));
  reply_member(req, res, 201, member, version);
  u_map_put(res->map_header, "Location", loc);
}

void h_members_get(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_none, &query) != 0)
    return;
  json_decref(query);
  json_t *member, *errors;
  int version;
  int rc = member_get(&member, &version, &errors, rl_path(req, "number"));
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NOT_FOUND);
    return;
  }
  reply_member(req, res, 200, member, version);
}

void h_members_patch(struct rl_req *req, struct _u_response *res)
{
  int if_match;
  if (rl_if_match(req, res, &if_match) != 0)
    return;
  json_t *member, *errors;
  int version;
  int rc = member_patch(&member, &version, &errors, rl_path(req, "number"), req->body, if_match,
                        &req->who);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NOT_FOUND);
    return;
  }
  reply_member(req, res, 200, member, version);
}

void h_members_transition(struct rl_req *req, struct _u_response *res)
{
  if (rl_check_body(req, res, fields_member_transition, 0) != 0)
    return;
  const char *to = json_string_value(json_object_get(req->body, "to"));
  const char *note = json_string_value(json_object_get(req->body, "note"));
  json_t *member, *errors, *allowed;
  int version;
  int rc = member_transition(&member, &version, &errors, &allowed, rl_path(req, "number"), to, note,
                             &req->who);
  if (rc == RL_ECONFLICT && allowed) {
    char detail[80];
    snprintf(detail, sizeof detail, "the member is %s already", to);
    rl_reply_error(res, RL_ECONFLICT, detail);
    rl_reply_add_member(res, "allowed", allowed);
    return;
  }
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NOT_FOUND);
    return;
  }
  reply_member(req, res, 200, member, version);
}

void h_members_list(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_member_filters, &query) != 0)
    return;
  int personal = req->who.role >= RL_ROLE_VOLUNTEER;
  struct member_query q = {
      .status = rl_spec_str(query, "status"),
      .q = rl_spec_str(query, "q"),
      .cursor = rl_spec_str(query, "cursor"),
      .limit = rl_spec_limit(query),
      .personal = personal,
      .phone_country = req->cfg->privacy.phone_country,
  };
  json_t *items, *errors;
  char next[32];
  int rc = member_list(&items, next, &errors, &q);
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NULL);
    return;
  }
  if (!personal) {
    size_t i;
    json_t *m;
    json_array_foreach(items, i, m)
      member_strip_personal(m);
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}

void h_members_history(struct rl_req *req, struct _u_response *res)
{
  json_t *query;
  if (rl_check_query(req, res, fields_page, &query) != 0)
    return;
  json_t *items, *errors;
  char next[32];
  int rc = member_history(&items, next, &errors, rl_path(req, "number"),
                          rl_spec_str(query, "cursor"), rl_spec_limit(query));
  json_decref(query);
  if (rc != RL_OK) {
    rl_reply_failure(res, rc, errors, NOT_FOUND);
    return;
  }
  size_t i;
  json_t *e;
  if (req->who.role < RL_ROLE_VOLUNTEER) {
    json_array_foreach(items, i, e)
      member_event_strip_personal(e);
  } else {
    /* A note is about the person, and the events do not name them: the
     * number as the API shows it, from the path in any spelling (the
     * programme's prefix, as the number was given one at registration). */
    char body[RL_MEMBER_BODY_LEN + 1], number[RL_CODE_MAX];
    const char *prefix = req->cfg->loans.member_prefix;
    json_array_foreach(items, i, e)
      if (json_is_string(json_object_get(e, "note")) &&
          rl_member_number_parse(body, rl_path(req, "number")) == RL_CODE_OK) {
        snprintf(number, sizeof number, "%s%s%.3s-%.3s", prefix, *prefix ? "-" : "", body,
                 body + 3);
        rl_read_record(req, PRIVACY_MEMBER, number);
        break;
      }
  }
  rl_reply_list(res, items, next[0] ? next : NULL);
}
