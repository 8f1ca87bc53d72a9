/* Stock movements recorded one at a time through the ledger's own call,
 * and the reads of stock and ledger. */
#include "core/stock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/spec.h"
#include "core/stock_internal.h"
#include "core/store/pool.h"
#include "core/store/store_repair.h"

static const char *str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* ---- movements ---- */

/* A harvest's errors name parts[0].quantity and code; a movement's name
 * quantity and device. */
static void harvest_fields_as_movement(json_t *errors)
{
  size_t i;
  json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f == NULL)
      continue;
    if (strncmp(f, "parts[0].", 9) == 0)
      json_object_set_new(e, "field", json_string(f + 9));
    else if (strcmp(f, "code") == 0)
      json_object_set_new(e, "field", json_string("device"));
  }
}

struct movement_tx {
  const char *sku;
  const json_t *body;
  const struct rl_principal *who;
  json_t *out, *errors;
};

/* A site named by a body field, for a movement: known, and active unless
 * the movement only takes away (a closed site's shelf can still be counted
 * and emptied). RL_OK, 1 when an error about the field was appended, or a
 * store failure. */
static int movement_site(int64_t *id, json_t *errs, const json_t *body, const char *field,
                         int active_needed)
{
  const char *slug = str(body, field);
  if (slug == NULL) {
    rl_spec_error(errs, field, "required", "is required for this type of movement");
    return 1;
  }
  int active = 0;
  int rc = store_stock_site(id, &active, slug);
  if (rc == RL_ENOTFOUND || (rc == RL_OK && active_needed && !active)) {
    if (rc == RL_OK)
      rl_spec_error(errs, field, "inactive_site", "is a closed site");
    else
      rl_spec_error(errs, field, "unknown_site", "is not a known site slug");
    return 1;
  }
  return rc;
}

/* Fields each type takes besides type and note. */
static const char *const type_fields[][5] = {
    {"received", "site", "quantity", "source", NULL},
    {"harvested", "device", "quantity", NULL, NULL},
    {"used", "repair_id", "quantity", NULL, NULL},
    {"adjusted", "site", "counted", NULL, NULL},
    {"scrapped", "site", "quantity", NULL, NULL},
    {"transferred", "site", "to_site", "quantity", NULL},
};

static int movement_run(void *ctx)
{
  struct movement_tx *t = ctx;
  json_decref(t->out);
  json_decref(t->errors);
  t->out = t->errors = NULL;
  const json_t *b = t->body;
  const char *type = str(b, "type");
  json_t *errs = json_array();

  /* What the type takes, and nothing else. */
  size_t k = 0;
  while (k < sizeof type_fields / sizeof type_fields[0] && strcmp(type_fields[k][0], type) != 0)
    k++;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)b, key, v) {
    int ok = strcmp(key, "type") == 0 || strcmp(key, "note") == 0;
    for (size_t f = 1; !ok && f < 5 && type_fields[k][f]; f++)
      ok = strcmp(type_fields[k][f], key) == 0;
    if (!ok) {
      char msg[96];
      snprintf(msg, sizeof msg, "is not taken by a movement of type %s", type);
      rl_spec_error(errs, key, "not_for_this_type", msg);
    }
  }
  if (json_array_size(errs) > 0) {
    t->errors = errs;
    return RL_EINVALID;
  }

  struct stock_part part;
  int rc = store_stock_parts(&part, &t->sku, 1);
  if (rc != RL_OK || part.id == 0) {
    json_decref(errs);
    return rc != RL_OK ? rc : RL_ENOTFOUND;
  }
  int adds = strcmp(type, "received") == 0 || strcmp(type, "harvested") == 0;
  if (adds && !part.active) {
    rl_spec_error(errs, "sku", "inactive_part", "is a deactivated part: it takes no new stock");
    t->errors = errs;
    return RL_EUNPROCESSABLE;
  }

  int64_t site = 0, to_site = 0, milli = 0, device_id = 0, repair_id = 0;
  struct store_actor actor = {t->who->name, t->who->key_id};
  if (strcmp(type, "harvested") == 0) {
    /* One part from a device: the harvest's own rules. */
    json_t *one =
        json_pack("{s:[{s:s s:O}] s:O?}", "parts", "sku", part.sku, "quantity",
                  json_object_get(b, "quantity") ? json_object_get(b, "quantity") : json_null(),
                  "note", json_object_get(b, "note"));
    char cbody[RL_CODE_BODY_LEN + 1];
    json_t *e1 = NULL;
    rc = device_code_body(cbody, str(b, "device") ? str(b, "device") : "", "device", &e1);
    if (rc != RL_OK) {
      json_decref(one);
      json_decref(errs);
      t->errors = e1;
      return rc;
    }
    json_t *harvested = NULL, *herrs = NULL;
    rc = stock_harvest_in_tx(&harvested, &herrs, cbody, one, t->who);
    json_decref(one);
    json_decref(errs);
    harvest_fields_as_movement(herrs);
    t->errors = herrs;
    if (rc == RL_OK)
      t->out = json_pack("{s:O}", "movements", json_object_get(harvested, "movements"));
    json_decref(harvested);
    return rc;
  }
  if (strcmp(type, "used") == 0) {
    const json_t *rid = json_object_get(b, "repair_id");
    json_t *rep;
    struct store_repair_device dev;
    int ver;
    rc = json_is_integer(rid) && json_integer_value(rid) > 0
             ? store_repair_get(&rep, &ver, &dev, json_integer_value(rid), 1)
             : RL_ENOTFOUND;
    if (rc == RL_ENOTFOUND)
      rl_spec_error(errs, "repair_id", "unknown_repair", "is not a repair");
    else if (rc != RL_OK) {
      json_decref(errs);
      return rc;
    } else {
      json_decref(rep);
      site = dev.ref.site_id;
      device_id = dev.ref.id;
      repair_id = json_integer_value(rid);
    }
  } else if ((rc = movement_site(&site, errs, b, "site", adds)) < 0) {
    json_decref(errs);
    return rc;
  }
  if (strcmp(type, "transferred") == 0 &&
      (rc = movement_site(&to_site, errs, b, "to_site", 1)) < 0) {
    json_decref(errs);
    return rc;
  }
  if (strcmp(type, "transferred") == 0 && site != 0 && site == to_site)
    rl_spec_error(errs, "to_site", "same_site", "must be another site than site");
  if (strcmp(type, "adjusted") == 0) {
    if (json_object_get(b, "counted") == NULL)
      rl_spec_error(errs, "counted", "required", "is required: the quantity found on the shelf");
    else
      stock_quantity(&milli, errs, "counted", json_object_get(b, "counted"), part.unit, 1);
  } else if (json_object_get(b, "quantity") == NULL) {
    rl_spec_error(errs, "quantity", "required", "is required");
  } else {
    stock_quantity(&milli, errs, "quantity", json_object_get(b, "quantity"), part.unit, 0);
  }
  if (json_array_size(errs) > 0) {
    /* A bad shape is 400; a site or repair that does not fit is 422. */
    int shape = 0;
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
      const char *f = json_string_value(json_object_get(e, "field"));
      shape |= strcmp(f, "quantity") == 0 || strcmp(f, "counted") == 0;
    }
    t->errors = errs;
    return shape ? RL_EINVALID : RL_EUNPROCESSABLE;
  }

  struct stock_move m[2];
  size_t n = 1;
  if (adds) {
    m[0] = (struct stock_move){part.id, site, milli, type, str(b, "source"), 0, 0, 0};
    rc = store_stock_ensure(&m[0].part_id, &m[0].site_id, 1);
  } else {
    int64_t ids[2] = {part.id, part.id}, sites[2] = {site, to_site}, have[2] = {0, 0};
    size_t locked = to_site ? 2 : 1;
    rc = store_stock_lock(have, ids, sites, locked);
    if (rc == RL_OK && strcmp(type, "adjusted") == 0) {
      m[0] = (struct stock_move){part.id, site, milli - have[0], type, NULL, 0, 0, 0};
    } else if (rc == RL_OK) {
      if (have[0] < milli) {
        stock_short_error(errs, "quantity", part.sku, milli, have[0]);
        t->errors = errs;
        return RL_ESHORT;
      }
      m[0] = (struct stock_move){part.id, site,      -milli,    type,
                                 NULL,    device_id, repair_id, to_site != 0};
      if (to_site) {
        m[1] = (struct stock_move){part.id, to_site, milli, type, NULL, 0, 0, 1};
        n = 2;
      }
    }
  }
  json_decref(errs);
  if (rc != RL_OK)
    return rc;
  json_t *applied;
  store_tx_commit_next();
  rc = store_stock_apply(&applied, m, n, str(b, "note"), &actor);
  if (rc == RL_OK)
    t->out = json_pack("{s:o}", "movements", applied);
  return rc;
}

int stock_movement_create(json_t **out, json_t **errors, const char *sku, const json_t *body,
                          const struct rl_principal *who)
{
  *errors = NULL;
  if (strcmp(str(body, "type"), "adjusted") == 0 && who->role < RL_ROLE_ADMIN)
    return RL_EFORBIDDEN;
  struct movement_tx t = {sku, body, who, NULL, NULL};
  int rc = store_tx_run(STORE_READ_COMMITTED, movement_run, &t);
  if (rc == RL_OK) {
    *out = t.out;
    stock_count_alerts(json_object_get(t.out, "movements"));
  } else {
    json_decref(t.out);
  }
  *errors = t.errors;
  return rc;
}

/* ---- reading ---- */

/* "D 00:00:00 zone" (start of day D) or "D 24:00:00 zone" (its end), as
 * PostgreSQL reads times with a zone name. */
static void day_bound(char *out, size_t cap, const char *date, int end, const char *tz)
{
  snprintf(out, cap, "%s %s %s", date, end ? "24:00:00" : "00:00:00", tz);
}

int stock_get(json_t **out, json_t **errors, const char *sku, const char *site, const char *as_of,
              const char *timezone)
{
  *errors = NULL;
  if (as_of != NULL) {
    if (!rl_spec_is_date(as_of))
      return rl_spec_invalid(errors, "as_of", "not_a_date", "must be a date, YYYY-MM-DD");
    char before[96];
    day_bound(before, sizeof before, as_of, 1, timezone);
    int rc = store_stock_as_of(out, sku, site, before);
    if (rc == RL_OK && site != NULL && json_array_size(json_object_get(*out, "sites")) == 0) {
      /* No movement there by then: nothing, if the site exists. */
      json_t *now;
      rc = store_stock_get(&now, sku, site);
      if (rc == RL_OK) {
        json_array_append_new(json_object_get(*out, "sites"),
                              json_pack("{s:s s:i}", "site", site, "quantity", 0));
        json_decref(now);
      } else {
        json_decref(*out);
      }
    }
    if (rc == RL_OK)
      json_object_set_new(*out, "as_of", json_string(as_of));
    return rc;
  }
  return site ? store_stock_get(out, sku, site) : store_stock_list(out, sku);
}

int stock_movements(json_t **out, char *next_cursor, json_t **errors, const char *sku,
                    const char *site, const char *type, const char *from, const char *to,
                    const char *timezone, const char *cursor, int limit)
{
  *errors = NULL;
  next_cursor[0] = '\0';
  int64_t before;
  int rc = rl_spec_cursor(&before, cursor, errors);
  if (rc != RL_OK)
    return rc;
  char f[96], t[96];
  if (from)
    day_bound(f, sizeof f, from, 0, timezone);
  if (to)
    day_bound(t, sizeof t, to, 1, timezone);
  struct stock_filter filter = {sku, site, type, from ? f : NULL, to ? t : NULL};
  int64_t next = 0;
  rc = store_stock_movements(out, &next, &filter, before, limit);
  if (rc == RL_OK)
    rl_spec_next_cursor(next_cursor, next);
  return rc;
}

int stock_movement_get(json_t **out, const char *sku, int64_t id)
{
  return store_stock_movement(out, sku, id);
}

int stock_low(json_t **out, char *next_cursor, const char *site, const char *cursor, int limit)
{
  next_cursor[0] = '\0';
  int more = 0;
  int rc = store_stock_low(out, &more, site, cursor ? cursor : "", limit);
  size_t n = json_array_size(*out);
  if (rc == RL_OK && more && n > 0)
    snprintf(next_cursor, 64, "%s",
             json_string_value(json_object_get(json_array_get(*out, n - 1), "sku")));
  return rc;
}

int stock_check(json_t **out)
{
  json_t *mismatches;
  long checked = 0;
  int rc = store_stock_check(&mismatches, &checked);
  if (rc != RL_OK)
    return rc;
  *out = json_pack("{s:b s:i s:o}", "ok", json_array_size(mismatches) == 0, "checked", (int)checked,
                   "mismatches", mismatches);
  return RL_OK;
}
