/* The device lifecycle against PRODUCT.md's table, written out again here
 * by name so that the test does not share a single line with the code's
 * own table. */
#include "core/lifecycle.h"

#include <criterion/criterion.h>
#include <string.h>

static const char *const names[] = {"received", "diagnosing",   "in_repair", "awaiting_parts",
                                    "repaired", "unrepairable", "returned",  "available",
                                    "on_loan",  "rehomed",      "harvested", "recycled",
                                    "lost"};
#define N_STATUS 13

/* PRODUCT.md, "Allowed moves". who: "any", "repair", "donation"; via:
 * "manual" or "loan" (the moves only a loan may make). */
static const struct {
  const char *from, *to, *who, *via;
} table[] = {
    {"received", "diagnosing", "any", "manual"},
    {"received", "returned", "repair", "manual"},
    {"received", "harvested", "donation", "manual"},
    {"received", "recycled", "any", "manual"},
    {"diagnosing", "in_repair", "any", "manual"},
    {"diagnosing", "awaiting_parts", "any", "manual"},
    {"diagnosing", "repaired", "any", "manual"},
    {"diagnosing", "unrepairable", "any", "manual"},
    {"diagnosing", "returned", "repair", "manual"},
    {"awaiting_parts", "in_repair", "any", "manual"},
    {"awaiting_parts", "unrepairable", "any", "manual"},
    {"awaiting_parts", "returned", "repair", "manual"},
    {"in_repair", "repaired", "any", "manual"},
    {"in_repair", "awaiting_parts", "any", "manual"},
    {"in_repair", "unrepairable", "any", "manual"},
    {"in_repair", "returned", "repair", "manual"},
    {"repaired", "returned", "repair", "manual"},
    {"repaired", "available", "donation", "manual"},
    {"unrepairable", "returned", "repair", "manual"},
    {"unrepairable", "harvested", "donation", "manual"},
    {"unrepairable", "recycled", "any", "manual"},
    {"available", "on_loan", "any", "loan"},
    {"available", "rehomed", "any", "manual"},
    {"available", "diagnosing", "any", "manual"},
    {"available", "harvested", "any", "manual"},
    {"available", "recycled", "any", "manual"},
    {"on_loan", "available", "any", "loan"},
    {"on_loan", "diagnosing", "any", "loan"},
    {"on_loan", "lost", "any", "loan"},
    {"harvested", "recycled", "any", "manual"},
};

static int expected(const char *kind, const char *from, const char *to, const char *via)
{
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].from, from) == 0 && strcmp(table[i].to, to) == 0 &&
        strcmp(table[i].via, via) == 0 &&
        (strcmp(table[i].who, "any") == 0 || strcmp(table[i].who, kind) == 0))
      return 1;
  return 0;
}

static enum rl_status st(const char *name)
{
  enum rl_status s = rl_status_parse(name);
  cr_assert_neq(s, RL_ST_INVALID, "status %s does not parse", name);
  return s;
}

Test(lifecycle, status_and_kind_names)
{
  cr_assert_eq(RL_ST_COUNT, N_STATUS);
  for (int i = 0; i < N_STATUS; i++) {
    enum rl_status s = st(names[i]);
    cr_assert_str_eq(rl_status_name(s), names[i]);
  }
  const char *bad[] = {"", "Received", "RECEIVED", "received ", "Lost", "on-loan", NULL};
  for (int i = 0; bad[i]; i++)
    cr_assert_eq(rl_status_parse(bad[i]), RL_ST_INVALID, "%s", bad[i]);
  cr_assert_eq(rl_status_parse(NULL), RL_ST_INVALID);
  cr_assert_str_eq(rl_status_name(RL_ST_INVALID), "invalid");
  cr_assert_str_eq(rl_status_name(RL_ST_COUNT), "invalid");
  cr_assert_eq(rl_kind_parse("donation"), RL_KIND_DONATION);
  cr_assert_eq(rl_kind_parse("repair"), RL_KIND_REPAIR);
  cr_assert_eq(rl_kind_parse("Repair"), RL_KIND_INVALID);
  cr_assert_eq(rl_kind_parse("loan"), RL_KIND_INVALID);
  cr_assert_eq(rl_kind_parse(NULL), RL_KIND_INVALID);
}

Test(lifecycle, every_pair_for_both_kinds_and_both_ways)
{
  const char *kinds[] = {"donation", "repair"};
  const char *vias[] = {"manual", "loan"};
  int allowed_count = 0;
  for (int k = 0; k < 2; k++) {
    enum rl_kind kind = rl_kind_parse(kinds[k]);
    for (int v = 0; v < 2; v++) {
      enum rl_move_via via = v == 0 ? RL_VIA_MANUAL : RL_VIA_LOAN;
      for (int f = 0; f < N_STATUS; f++) {
        for (int t = 0; t < N_STATUS; t++) {
          int want = expected(kinds[k], names[f], names[t], vias[v]);
          int got = rl_move_allowed(kind, st(names[f]), st(names[t]), via);
          cr_assert_eq(!!got, want, "%s device, %s -> %s by %s: got %d, table says %d", kinds[k],
                       names[f], names[t], vias[v], got, want);
          allowed_count += want;
        }
      }
    }
  }
  /* The table above counted once per kind that may make the move. */
  cr_assert_eq(allowed_count, 2 * 30 - 9);
}

Test(lifecycle, moves_from_lists_exactly_the_allowed_moves)
{
  const char *kinds[] = {"donation", "repair"};
  for (int k = 0; k < 2; k++) {
    enum rl_kind kind = rl_kind_parse(kinds[k]);
    for (int v = 0; v < 2; v++) {
      enum rl_move_via via = v == 0 ? RL_VIA_MANUAL : RL_VIA_LOAN;
      for (int f = 0; f < N_STATUS; f++) {
        enum rl_status out[RL_ST_COUNT + 4];
        size_t n = rl_moves_from(out, kind, st(names[f]), via);
        int want_n = 0;
        for (int t = 0; t < N_STATUS; t++)
          want_n += expected(kinds[k], names[f], names[t], v == 0 ? "manual" : "loan");
        cr_assert_eq(n, (size_t)want_n, "%s from %s: %zu moves listed, table has %d", kinds[k],
                     names[f], n, want_n);
        for (size_t i = 0; i < n; i++) {
          cr_assert(
              expected(kinds[k], names[f], rl_status_name(out[i]), v == 0 ? "manual" : "loan"),
              "%s from %s lists %s", kinds[k], names[f], rl_status_name(out[i]));
          for (size_t j = 0; j < i; j++)
            cr_assert_neq(out[i], out[j], "listed twice");
        }
      }
    }
  }
}

Test(lifecycle, final_states_have_no_moves)
{
  const char *finals[] = {"returned", "rehomed", "recycled", "lost"};
  for (int f = 0; f < N_STATUS; f++) {
    int is_final = 0;
    for (int i = 0; i < 4; i++)
      is_final |= strcmp(finals[i], names[f]) == 0;
    cr_assert_eq(!!rl_status_final(st(names[f])), is_final, "%s", names[f]);
    if (!is_final)
      continue;
    for (int k = 0; k < 2; k++)
      for (int v = 0; v < 2; v++) {
        enum rl_status out[RL_ST_COUNT];
        cr_assert_eq(rl_moves_from(out, k == 0 ? RL_KIND_DONATION : RL_KIND_REPAIR, st(names[f]),
                                   v == 0 ? RL_VIA_MANUAL : RL_VIA_LOAN),
                     0, "%s has moves", names[f]);
        for (int t = 0; t < N_STATUS; t++)
          cr_assert(!rl_move_allowed(k == 0 ? RL_KIND_DONATION : RL_KIND_REPAIR, st(names[f]),
                                     st(names[t]), v == 0 ? RL_VIA_MANUAL : RL_VIA_LOAN),
                    "%s -> %s", names[f], names[t]);
      }
  }
}

Test(lifecycle, invalid_inputs_are_never_allowed)
{
  for (int t = 0; t < N_STATUS; t++) {
    int kind_specific = expected("donation", "received", names[t], "manual") !=
                        expected("repair", "received", names[t], "manual");
    if (kind_specific)
      cr_assert(!rl_move_allowed(RL_KIND_INVALID, RL_ST_RECEIVED, st(names[t]), RL_VIA_MANUAL),
                "an invalid kind makes a kind-specific move: received -> %s", names[t]);
    cr_assert(!rl_move_allowed(RL_KIND_DONATION, RL_ST_INVALID, st(names[t]), RL_VIA_MANUAL));
    cr_assert(!rl_move_allowed(RL_KIND_DONATION, st(names[t]), RL_ST_INVALID, RL_VIA_MANUAL));
  }
}
