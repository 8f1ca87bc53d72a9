/* Events into the outbox exactly once: every change writes its event in
 * its own transaction, concurrent intakes one each, and a transaction that
 * fails after writing an event takes the event with it. Nothing here is
 * delivered (the server has no workers); deliveries are in
 * test_outbox_instances.c. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/loan_support.h"
#include "tests/process/outbox_support.h"

static pid_t g_pid = -1;
static char g_url[64], g_site[96];

static void start(void)
{
  g_pid = ob_server(g_url, sizeof g_url, "0", NULL);
  setenv("RL_TEST_URL", g_url, 1);
  ds_site(g_site, sizeof g_site, 1);
}

static void stop(void)
{
  if (g_pid > 0) {
    cr_expect_eq(th_server_stop(g_pid, SIGTERM), 0);
    g_pid = -1;
  }
}

/* Events of this type about this subject. */
static long ev(const char *type, const char *subject)
{
  return ds_count("SELECT count(*) FROM events WHERE type = '%s' AND subject = '%s'", type,
                  subject);
}

/* Events of any type written for this device. */
static long ev_device(const char *code)
{
  return ds_count("SELECT count(*) FROM events e JOIN devices d ON d.id = e.device_id"
                  " WHERE d.code = '%s'",
                  code);
}

/* No change without its event: every intake and every status change of the
 * device has exactly one event, and no event is without its change. */
static void assert_device_events_match(const char *code)
{
  long changes = ds_count("SELECT count(*) FROM device_events de JOIN devices d"
                          " ON d.id = de.device_id WHERE d.code = '%s'"
                          " AND de.type IN ('intake', 'transition')",
                          code);
  long events = ds_count("SELECT count(*) FROM events e JOIN devices d ON d.id = e.device_id"
                         " WHERE d.code = '%s'"
                         " AND e.type IN ('device.received', 'device.status_changed')",
                         code);
  cr_assert_eq(events, changes, "%s: %ld device events for %ld changes", code, events, changes);
}

Test(outbox, concurrent_intakes_write_one_event_each, .init = start, .fini = stop, .timeout = 120)
{
  enum { N = 200 };
  static char codes[N][CODE_CAP];
  const char *bases[] = {g_url};
  ob_intake_many(bases, 1, g_site, N, 32, codes);

  cr_assert_eq(ds_count("SELECT count(*) FROM devices d JOIN sites s ON s.id = d.site_id"
                        " WHERE s.slug = '%s'",
                        g_site),
               N);
  cr_assert_eq(ds_count("SELECT count(*) FROM events WHERE type = 'device.received'"
                        " AND data->'device'->>'site' = '%s'",
                        g_site),
               N, "one device.received a device");
  cr_assert_eq(ds_count("SELECT count(DISTINCT subject) FROM events"
                        " WHERE type = 'device.received' AND data->'device'->>'site' = '%s'",
                        g_site),
               N, "one device.received for each code");
  /* Each device has exactly one, about itself, and nothing else yet. */
  cr_assert_eq(ds_count("SELECT count(*) FROM devices d JOIN sites s ON s.id = d.site_id"
                        " WHERE s.slug = '%s' AND (SELECT count(*) FROM events e"
                        " WHERE e.device_id = d.id) <> 1",
                        g_site),
               0);
  cr_assert_eq(ds_count("SELECT count(*) FROM devices d JOIN sites s ON s.id = d.site_id"
                        " JOIN events e ON e.device_id = d.id WHERE s.slug = '%s'"
                        " AND (e.subject <> d.code OR e.data->'device'->>'code' <> d.code"
                        " OR e.type <> 'device.received')",
                        g_site),
               0, "each event names its own device");
  for (int i = 0; i < N; i += 37)
    cr_assert_eq(ev("device.received", codes[i]), 1, "%s", codes[i]);
}

/* The real path that writes an event and then fails: a checkout moves the
 * device to on_loan (its device.status_changed event is written) and then
 * the loan's insert meets the index that allows one open loan per device.
 * The device is put back on the shelf by SQL with its loan still open, as a
 * checkout that lost that race would find it. */
Test(outbox, a_checkout_refused_after_its_move_leaves_no_event, .init = start, .fini = stop,
     .timeout = 60)
{
  char dev[CODE_CAP], m1[NUMBER_CAP], m2[NUMBER_CAP];
  ls_device(dev, "laptop", g_site);
  ls_member(m1, -1);
  ls_member(m2, -1);
  long loan = ls_lend_ok(dev, m1, "");
  char loan_id[24];
  snprintf(loan_id, sizeof loan_id, "%ld", loan);
  cr_assert_eq(ev("loan.started", loan_id), 1);
  assert_device_events_match(dev);
  cr_assert_not_null(ds_sql("UPDATE devices SET status = 'available' WHERE code = '%s'", dev));

  long before = ev_device(dev), all = ds_count("SELECT count(*) FROM events");
  struct th_resp *r = ls_lend(dev, m2, "");
  ls_assert_refused(r, "device", "device_not_available");
  th_free(r);
  cr_assert_eq(ev_device(dev), before, "the refused checkout's move left its event");
  cr_assert_str_eq(ls_device_status(dev), "available", "the move was undone with it");
  cr_assert_eq(ls_db_open_loans(m2), 0);

  /* Under an Idempotency-Key the refusal is stored and the work undone
   * (a savepoint): the event goes too, and the replay writes nothing. */
  const char *idem[] = {"Idempotency-Key: outbox-refused-checkout", NULL};
  char body[160];
  snprintf(body, sizeof body, "{\"device\":\"%s\",\"member\":\"%s\"}", dev, m2);
  for (int i = 0; i < 2; i++) {
    r = th_req("POST", "/api/v1/loans", ds_vol(), body, idem);
    ls_assert_refused(r, "device", "device_not_available");
    th_free(r);
    cr_assert_eq(ev_device(dev), before);
  }
  cr_assert_eq(ds_count("SELECT count(*) FROM events"), all, "no event at all was written");
}

/* The trigger writes the event inside the change's transaction, so a
 * rollback takes it back (psql: BEGIN; INSERT …; ROLLBACK). */
Test(outbox, a_rolled_back_change_leaves_no_event, .init = start, .fini = stop)
{
  char dev[CODE_CAP];
  ds_device(dev, "donation", g_site, "Rollback");
  cr_assert_eq(ev_device(dev), 1);
  const char *inside =
      ds_sql("BEGIN; INSERT INTO device_events (device_id, site_id, actor, type, from_status,"
             " to_status) SELECT id, site_id, 'psql', 'transition', 'received', 'diagnosing'"
             " FROM devices WHERE code = '%s';"
             " SELECT count(*) FROM events e JOIN devices d ON d.id = e.device_id"
             " WHERE d.code = '%s'; ROLLBACK",
             dev, dev);
  cr_assert_not_null(inside);
  cr_assert_str_eq(inside, "2", "inside the transaction the event is there");
  cr_assert_eq(ev_device(dev), 1, "after the rollback it is not");
  /* And a committed one is. */
  cr_assert_not_null(
      ds_sql("BEGIN; INSERT INTO device_events (device_id, site_id, actor, type, from_status,"
             " to_status) SELECT id, site_id, 'psql', 'transition', 'received', 'diagnosing'"
             " FROM devices WHERE code = '%s'; COMMIT",
             dev));
  cr_assert_eq(ev("device.status_changed", dev), 1);
}

/* Each API call writes the events of its change, and only those. */
Test(outbox, each_change_writes_its_own_event, .init = start, .fini = stop, .timeout = 60)
{
  char dev[CODE_CAP];
  long all = ds_count("SELECT count(*) FROM events");
  ds_device(dev, "repair", g_site, "Kinds");
  cr_assert_eq(ev("device.received", dev), 1);
  cr_assert_eq(ev_device(dev), 1);

  static const char *const diagnose[] = {"diagnosing", NULL};
  ds_drive(dev, diagnose);
  cr_assert_eq(ev("device.status_changed", dev), 1);
  cr_assert_str_eq(ds_sql("SELECT data->>'from' || '>' || (data->>'to') FROM events"
                          " WHERE type = 'device.status_changed' AND subject = '%s'",
                          dev),
                   "received>diagnosing");

  char path[96];
  snprintf(path, sizeof path, "/api/v1/devices/%s/repairs", dev);
  struct th_resp *r = th_req("POST", path, ds_vol(), "{\"outcome\":\"fixed\"}", NULL);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  cr_assert_eq(ev("repair.recorded", dev), 1);
  cr_assert_eq(ev("device.status_changed", dev), 2, "the repair's move diagnosing>repaired");
  assert_device_events_match(dev);
  cr_assert_eq(ev_device(dev), 4);

  /* A loan: started (and the device's move), renewed, returned. */
  char lent[CODE_CAP], mem[NUMBER_CAP], id[24];
  ls_device(lent, "laptop", g_site);
  ls_member(mem, -1);
  long before = ev_device(lent);
  long loan = ls_lend_ok(lent, mem, "");
  snprintf(id, sizeof id, "%ld", loan);
  cr_assert_eq(ev("loan.started", id), 1);
  cr_assert_eq(ev_device(lent), before + 2, "loan.started and available>on_loan");
  r = ls_renew(loan, NULL);
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  cr_assert_eq(ev("loan.renewed", id), 1);
  r = ls_return(loan, "{\"condition\":\"ok\"}");
  cr_assert_eq(r->status, 200, "%s", r->body);
  th_free(r);
  cr_assert_eq(ev("loan.returned", id), 1);
  cr_assert_eq(ev("loan.started", id), 1);
  cr_assert_eq(ev("loan.renewed", id), 1);
  assert_device_events_match(lent);

  /* A part falling to its threshold: one alert, not one per movement
   * below it. */
  const char *sku = th_unique("OBX-");
  r = th_reqf("POST", "/api/v1/parts", ds_admin(),
              "{\"sku\":\"%s\",\"name\":\"Part %s\",\"unit\":\"piece\",\"low_stock\":2}", sku, sku);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  snprintf(path, sizeof path, "/api/v1/parts/%s/movements", sku);
  r = th_reqf("POST", path, ds_vol(),
              "{\"type\":\"received\",\"site\":\"%s\",\"quantity\":5,\"source\":\"donated\"}",
              g_site);
  cr_assert_eq(r->status, 201, "%s", r->body);
  th_free(r);
  cr_assert_eq(ev("part.low_stock", sku), 0);
  for (int i = 0; i < 3; i++) {
    r = th_reqf("POST", path, ds_vol(), "{\"type\":\"scrapped\",\"site\":\"%s\",\"quantity\":%d}",
                g_site, i == 0 ? 3 : 1);
    cr_assert_eq(r->status, 201, "%s", r->body);
    th_free(r);
    cr_assert_eq(ev("part.low_stock", sku), 1, "after movement %d", i + 1);
  }
  char site_of_alert[160];
  snprintf(site_of_alert, sizeof site_of_alert, "2 %s", g_site);
  cr_assert_str_eq(ds_sql("SELECT trim_scale((data->>'quantity')::numeric)::text || ' ' ||"
                          " (data->>'site') FROM events WHERE type = 'part.low_stock'"
                          " AND subject = '%s'",
                          sku),
                   site_of_alert);

  /* Nothing else was written meanwhile: the events above are all there
   * are (a loan's events name its device too; the alert names none). */
  long loans = ds_count("SELECT count(*) FROM events WHERE subject = '%s'", id);
  cr_assert_eq(loans, 3);
  cr_assert_eq(ds_count("SELECT count(*) FROM events") - all, ev_device(dev) + ev_device(lent) + 1,
               "events written by others meanwhile?");
}
