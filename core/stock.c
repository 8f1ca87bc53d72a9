/* Stock rules on top of store_stock: quantities, the parts a repair takes
 * (checked with the stock rows locked) and harvests. The movement call and
 * the reads are in stock_movement.c. */
#include "core/stock.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/code.h"
#include "core/device.h"
#include "core/error.h"
#include "core/lifecycle.h"
#include "core/spec.h"
#include "core/stock_internal.h"
#include "core/store/pool.h"
#include "core/store/store_device.h"

#define PARTS_MAX 50
/* The most of one part a movement may carry: more is a typing mistake. */
#define QUANTITY_MAX_MILLI (100000LL * 1000)

static atomic_ulong g_alerts;

unsigned long stock_alerts_total(void) { return atomic_load(&g_alerts); }

static const char *str(const json_t *o, const char *k)
{
  return json_string_value(json_object_get(o, k));
}

/* Reads a quantity in the part's unit into thousandths. Appends an error
 * naming field and returns -1 when it is not one. */
int stock_quantity(int64_t *milli, json_t *errors, const char *field, const json_t *v,
                   const char *unit, int zero_ok)
{
  if (!json_is_number(v)) {
    rl_spec_error(errors, field, "not_a_number", "must be a number");
    return -1;
  }
  double x = json_number_value(v) * 1000.0;
  double r = round(x);
  if (!isfinite(x) || fabs(x - r) > 1e-6) {
    rl_spec_error(errors, field, "too_many_decimals", "must have at most 3 decimals");
    return -1;
  }
  if (r < (zero_ok ? 0 : 1) || r > (double)QUANTITY_MAX_MILLI) {
    rl_spec_error(errors, field, "out_of_range",
                  zero_ok ? "must be from 0 to 100000" : "must be more than 0 and at most 100000");
    return -1;
  }
  *milli = (int64_t)r;
  if (strcmp(unit, "piece") == 0 && *milli % 1000 != 0) {
    rl_spec_error(errors, field, "fraction_of_a_piece",
                  "must be a whole number: this part is counted in pieces");
    return -1;
  }
  return 0;
}

static json_t *milli_json(int64_t m)
{
  return m % 1000 == 0 ? json_integer(m / 1000) : json_real((double)m / 1000.0);
}

/* Appends an error saying part i is short, with what is available. */
void stock_short_error(json_t *errors, const char *field, const char *sku, int64_t wanted,
                       int64_t available)
{
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %g wanted, %g in stock", sku, (double)wanted / 1000.0,
           (double)available / 1000.0);
  json_t *e = json_pack("{s:s s:s s:s s:s s:o s:o}", "field", field, "code", "insufficient_stock",
                        "message", msg, "sku", sku, "wanted", milli_json(wanted), "available",
                        milli_json(available));
  json_array_append_new(errors, e);
}

static int take_errors(json_t **errors, json_t *errs, int rc)
{
  if (json_array_size(errs) == 0) {
    json_decref(errs);
    return RL_OK;
  }
  *errors = errs;
  return rc;
}

/* ---- a list of parts with quantities, as repairs and harvests send ---- */

struct part_list {
  size_t n;
  struct stock_part *parts;
  int64_t *milli;
  char (*field)[32]; /* "parts[i].quantity" for errors */
};

static void part_list_free(struct part_list *l)
{
  free(l->parts);
  free(l->milli);
  free(l->field);
  memset(l, 0, sizeof *l);
}

/* Reads [{sku, quantity}] and looks the parts up; the same sku twice is
 * added up. Errors name parts[i]. */
static int part_list_read(struct part_list *l, json_t **errors, const json_t *arr, int inactive_ok)
{
  memset(l, 0, sizeof *l);
  json_t *errs = json_array();
  size_t n = json_array_size(arr);
  if (!json_is_array(arr) || n == 0 || n > PARTS_MAX) {
    rl_spec_error(errs, "parts", "item_count", "must be an array of 1 to 50 {sku, quantity}");
    return take_errors(errors, errs, RL_EINVALID);
  }
  const char **skus = calloc(n, sizeof *skus);
  l->parts = calloc(n, sizeof *l->parts);
  l->milli = calloc(n, sizeof *l->milli);
  l->field = calloc(n, sizeof *l->field);
  if (!skus || !l->parts || !l->milli || !l->field) {
    free(skus);
    json_decref(errs);
    part_list_free(l);
    return RL_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *it = json_array_get(arr, i);
    char f[40];
    const char *key;
    const json_t *v;
    snprintf(f, sizeof f, "parts[%zu]", i);
    if (!json_is_object(it)) {
      rl_spec_error(errs, f, "not_an_object", "must be an object {sku, quantity}");
      continue;
    }
    json_object_foreach((json_t *)it, key, v) {
      if (strcmp(key, "sku") != 0 && strcmp(key, "quantity") != 0) {
        char uf[300];
        snprintf(uf, sizeof uf, "%s.%s", f, key);
        rl_spec_error(errs, uf, "unknown_field", "unknown field");
      }
    }
    const char *sku = str(it, "sku");
    snprintf(f, sizeof f, "parts[%zu].sku", i);
    size_t len = sku ? strlen(sku) : 0;
    int ok = len >= 1 && len <= 40;
    for (size_t k = 0; ok && k < len; k++)
      ok = (sku[k] >= 'a' && sku[k] <= 'z') || (sku[k] >= 'A' && sku[k] <= 'Z') ||
           (sku[k] >= '0' && sku[k] <= '9') || strchr("-_.", sku[k]) != NULL;
    if (!ok)
      rl_spec_error(errs, f, "not_a_sku",
                    "is not a sku (letters, digits, '-', '_', '.', up to 40)");
    skus[i] = ok ? sku : "";
    snprintf(l->field[i], sizeof l->field[i], "parts[%zu].quantity", i);
  }
  int rc = json_array_size(errs) ? RL_OK : store_stock_parts(l->parts, skus, n);
  l->n = n;
  for (size_t i = 0; rc == RL_OK && json_array_size(errs) == 0 && i < n; i++) {
    char f[40];
    snprintf(f, sizeof f, "parts[%zu].sku", i);
    if (l->parts[i].id == 0)
      rl_spec_error(errs, f, "unknown_part", "is not a known part");
    else if (!l->parts[i].active && !inactive_ok)
      rl_spec_error(errs, f, "inactive_part", "is a deactivated part");
    else
      stock_quantity(&l->milli[i], errs, l->field[i],
                     json_object_get(json_array_get(arr, i), "quantity"), l->parts[i].unit, 0);
  }
  free(skus);
  /* The same part twice: one movement with the sum. */
  for (size_t i = 0; rc == RL_OK && i < l->n; i++)
    for (size_t j = i + 1; j < l->n; j++)
      if (l->parts[j].id != 0 && l->parts[j].id == l->parts[i].id) {
        l->milli[i] += l->milli[j];
        l->parts[j] = l->parts[l->n - 1];
        l->milli[j] = l->milli[l->n - 1];
        memcpy(l->field[j], l->field[l->n - 1], sizeof l->field[j]);
        l->n--;
        j--;
      }
  for (size_t i = 0; rc == RL_OK && json_array_size(errs) == 0 && i < l->n; i++)
    if (l->milli[i] > QUANTITY_MAX_MILLI)
      rl_spec_error(errs, l->field[i], "out_of_range",
                    "is, with the same part listed again, more than 100000");
  if (rc != RL_OK) {
    json_decref(errs);
    part_list_free(l);
    return rc;
  }
  rc = take_errors(errors, errs, RL_EUNPROCESSABLE);
  if (rc != RL_OK) {
    /* Shape errors are 400; unknown or deactivated parts are 422. */
    size_t i;
    json_t *e;
    json_array_foreach(*errors, i, e) {
      const char *code = json_string_value(json_object_get(e, "code"));
      if (code && strcmp(code, "unknown_part") != 0 && strcmp(code, "inactive_part") != 0)
        rc = RL_EINVALID;
    }
    part_list_free(l);
  }
  return rc;
}

/* ---- repairs' parts ---- */

void stock_take_free(struct stock_take *take)
{
  free(take->moves);
  take->moves = NULL;
  take->n = 0;
}

int stock_take_plan(struct stock_take *take, json_t **errors, const json_t *parts, int64_t site_id)
{
  memset(take, 0, sizeof *take);
  struct part_list l;
  int rc = part_list_read(&l, errors, parts, 0);
  if (rc != RL_OK)
    return rc;
  int64_t *ids = calloc(l.n, sizeof *ids), *sites = calloc(l.n, sizeof *sites),
          *have = calloc(l.n, sizeof *have);
  take->moves = calloc(l.n, sizeof *take->moves);
  rc = ids && sites && have && take->moves ? RL_OK : RL_ENOMEM;
  for (size_t i = 0; rc == RL_OK && i < l.n; i++) {
    ids[i] = l.parts[i].id;
    sites[i] = site_id;
  }
  if (rc == RL_OK)
    rc = store_stock_lock(have, ids, sites, l.n);
  json_t *errs = json_array();
  for (size_t i = 0; rc == RL_OK && i < l.n; i++) {
    if (have[i] < l.milli[i])
      stock_short_error(errs, l.field[i], l.parts[i].sku, l.milli[i], have[i]);
    take->moves[i] = (struct stock_move){ids[i], site_id, -l.milli[i], "used", NULL, 0, 0, 0};
  }
  take->n = l.n;
  if (rc == RL_OK)
    rc = take_errors(errors, errs, RL_ESHORT);
  else
    json_decref(errs);
  if (rc != RL_OK)
    stock_take_free(take);
  free(ids);
  free(sites);
  free(have);
  part_list_free(&l);
  return rc;
}

/* Counts the alerts of applied movements. */
void stock_count_alerts(const json_t *movements)
{
  size_t i;
  json_t *m;
  json_array_foreach((json_t *)movements, i, m) {
    if (json_is_true(json_object_get(m, "low_stock_alert")))
      atomic_fetch_add(&g_alerts, 1);
  }
}

int stock_take_apply(json_t **out, const struct stock_take *take, int64_t repair_id,
                     int64_t device_id, const struct rl_principal *who)
{
  for (size_t i = 0; i < take->n; i++) {
    take->moves[i].repair_id = repair_id;
    take->moves[i].device_id = device_id;
  }
  struct store_actor actor = {who->name, who->key_id};
  json_t *moves;
  int rc = store_stock_apply(&moves, take->moves, take->n, NULL, &actor);
  if (rc != RL_OK)
    return rc;
  stock_count_alerts(moves);
  json_t *parts = json_array();
  size_t i;
  json_t *m;
  json_array_foreach(moves, i, m) {
    json_t *q = json_object_get(m, "quantity");
    double v = -json_number_value(q);
    json_array_append_new(
        parts, json_pack("{s:O s:o}", "sku", json_object_get(m, "sku"), "quantity",
                         json_is_integer(q) ? json_integer(-json_integer_value(q)) : json_real(v)));
  }
  json_decref(moves);
  *out = parts;
  return RL_OK;
}

/* ---- harvests ---- */

struct harvest_tx {
  const char *code_body;
  const json_t *body;
  const struct rl_principal *who;
  json_t *out, *errors;
};

/* Whether a device may be harvested. *move_from is its status when it must
 * move to harvested first, else NULL. RL_ECONFLICT with *errors saying why
 * not. */
static int harvest_allowed(json_t **errors, const json_t *dev, const char **move_from)
{
  const char *kind = str(dev, "kind"), *status = str(dev, "status");
  *move_from = NULL;
  if (strcmp(kind, "repair") == 0) {
    rl_spec_invalid(errors, "code", "own_device_not_harvested",
                    "is a resident's own device: it is given back, never harvested");
    return RL_ECONFLICT;
  }
  if (strcmp(status, "harvested") == 0)
    return RL_OK;
  if (strcmp(status, "received") == 0 || strcmp(status, "unrepairable") == 0) {
    *move_from = rl_status_name(rl_status_parse(status));
    return RL_OK;
  }
  char msg[160];
  snprintf(msg, sizeof msg,
           "is %s: only a donated device received, unrepairable or already harvested can be "
           "harvested",
           status);
  rl_spec_invalid(errors, "code", "not_harvestable", msg);
  return RL_ECONFLICT;
}

static int harvest_run(void *ctx)
{
  struct harvest_tx *h = ctx;
  json_decref(h->out);
  json_decref(h->errors);
  h->out = h->errors = NULL;
  json_t *dev;
  struct store_device_ref ref;
  int rc = store_device_get(&dev, &ref, h->code_body, 1);
  if (rc != RL_OK)
    return rc;
  const char *move_from = NULL;
  rc = harvest_allowed(&h->errors, dev, &move_from);
  char code[RL_CODE_MAX];
  snprintf(code, sizeof code, "%s", str(dev, "code"));
  json_decref(dev);
  if (rc != RL_OK)
    return rc;
  struct part_list l;
  if ((rc = part_list_read(&l, &h->errors, json_object_get(h->body, "parts"), 0)) != RL_OK)
    return rc;
  struct stock_move *moves = calloc(l.n, sizeof *moves);
  int64_t *ids = calloc(l.n, sizeof *ids), *sites = calloc(l.n, sizeof *sites);
  rc = moves && ids && sites ? RL_OK : RL_ENOMEM;
  for (size_t i = 0; rc == RL_OK && i < l.n; i++) {
    ids[i] = l.parts[i].id;
    sites[i] = ref.site_id;
    moves[i] =
        (struct stock_move){ids[i], ref.site_id, l.milli[i], "harvested", NULL, ref.id, 0, 0};
  }
  struct store_actor actor = {h->who->name, h->who->key_id};
  if (rc == RL_OK && move_from != NULL) {
    const char *from[] = {move_from}, *to[] = {"harvested"};
    rc = store_device_move(NULL, &ref, from, to, 1, "harvested for parts", &actor);
  }
  /* Locked in the same order as every take locks them, so a harvest and a
   * take of the same parts wait for each other instead of deadlocking. */
  int64_t *have = rc == RL_OK ? calloc(l.n, sizeof *have) : NULL;
  if (rc == RL_OK)
    rc = have ? store_stock_lock(have, ids, sites, l.n) : RL_ENOMEM;
  free(have);
  json_t *applied = NULL;
  if (rc == RL_OK) {
    store_tx_commit_next();
    rc = store_stock_apply(&applied, moves, l.n, str(h->body, "note"), &actor);
  }
  if (rc == RL_OK)
    h->out = json_pack("{s:s s:s s:o}", "code", code, "status", "harvested", "movements", applied);
  free(moves);
  free(ids);
  free(sites);
  part_list_free(&l);
  return rc;
}

int stock_harvest_in_tx(json_t **out, json_t **errors, const char *code_body, const json_t *body,
                        const struct rl_principal *who)
{
  struct harvest_tx h = {code_body, body, who, NULL, NULL};
  int rc = harvest_run(&h);
  *out = h.out;
  *errors = h.errors;
  return rc;
}

int stock_harvest(json_t **out, json_t **errors, const char *code, const json_t *body,
                  const struct rl_principal *who)
{
  *errors = NULL;
  char cbody[RL_CODE_BODY_LEN + 1];
  int rc = device_code_body(cbody, code, "code", errors);
  if (rc != RL_OK)
    return rc;
  struct harvest_tx h = {cbody, body, who, NULL, NULL};
  rc = store_tx_run(STORE_READ_COMMITTED, harvest_run, &h);
  if (rc == RL_OK) {
    *out = h.out;
    stock_count_alerts(json_object_get(h.out, "movements"));
  } else {
    json_decref(h.out);
  }
  *errors = h.errors;
  return rc;
}
