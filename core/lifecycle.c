/* The lifecycle table, as data. */
#include "core/lifecycle.h"

#include <string.h>

const char *const rl_status_names[] = {
    "received", "diagnosing", "in_repair", "awaiting_parts", "repaired",  "unrepairable",
    "returned", "available",  "on_loan",   "rehomed",        "harvested", "recycled",
    "lost",     NULL,
};

enum { ANY = 0, REPAIR_ONLY = 1, DONATION_ONLY = 2 };

struct move {
  enum rl_status from, to;
  int kinds;
  enum rl_move_via via;
};

static const struct move moves[] = {
    {RL_ST_RECEIVED, RL_ST_DIAGNOSING, ANY, RL_VIA_MANUAL},
    {RL_ST_RECEIVED, RL_ST_RETURNED, REPAIR_ONLY, RL_VIA_MANUAL},
    {RL_ST_RECEIVED, RL_ST_HARVESTED, DONATION_ONLY, RL_VIA_MANUAL},
    {RL_ST_RECEIVED, RL_ST_RECYCLED, ANY, RL_VIA_MANUAL},
    {RL_ST_DIAGNOSING, RL_ST_IN_REPAIR, ANY, RL_VIA_MANUAL},
    {RL_ST_DIAGNOSING, RL_ST_AWAITING_PARTS, ANY, RL_VIA_MANUAL},
    {RL_ST_DIAGNOSING, RL_ST_REPAIRED, ANY, RL_VIA_MANUAL},
    {RL_ST_DIAGNOSING, RL_ST_UNREPAIRABLE, ANY, RL_VIA_MANUAL},
    {RL_ST_DIAGNOSING, RL_ST_RETURNED, REPAIR_ONLY, RL_VIA_MANUAL},
    {RL_ST_AWAITING_PARTS, RL_ST_IN_REPAIR, ANY, RL_VIA_MANUAL},
    {RL_ST_AWAITING_PARTS, RL_ST_UNREPAIRABLE, ANY, RL_VIA_MANUAL},
    {RL_ST_AWAITING_PARTS, RL_ST_RETURNED, REPAIR_ONLY, RL_VIA_MANUAL},
    {RL_ST_IN_REPAIR, RL_ST_REPAIRED, ANY, RL_VIA_MANUAL},
    {RL_ST_IN_REPAIR, RL_ST_AWAITING_PARTS, ANY, RL_VIA_MANUAL},
    {RL_ST_IN_REPAIR, RL_ST_UNREPAIRABLE, ANY, RL_VIA_MANUAL},
    {RL_ST_IN_REPAIR, RL_ST_RETURNED, REPAIR_ONLY, RL_VIA_MANUAL},
    {RL_ST_REPAIRED, RL_ST_RETURNED, REPAIR_ONLY, RL_VIA_MANUAL},
    {RL_ST_REPAIRED, RL_ST_AVAILABLE, DONATION_ONLY, RL_VIA_MANUAL},
    {RL_ST_UNREPAIRABLE, RL_ST_RETURNED, REPAIR_ONLY, RL_VIA_MANUAL},
    {RL_ST_UNREPAIRABLE, RL_ST_HARVESTED, DONATION_ONLY, RL_VIA_MANUAL},
    {RL_ST_UNREPAIRABLE, RL_ST_RECYCLED, ANY, RL_VIA_MANUAL},
    {RL_ST_AVAILABLE, RL_ST_ON_LOAN, ANY, RL_VIA_LOAN},
    {RL_ST_AVAILABLE, RL_ST_REHOMED, ANY, RL_VIA_MANUAL},
    {RL_ST_AVAILABLE, RL_ST_DIAGNOSING, ANY, RL_VIA_MANUAL},
    {RL_ST_AVAILABLE, RL_ST_HARVESTED, ANY, RL_VIA_MANUAL},
    {RL_ST_AVAILABLE, RL_ST_RECYCLED, ANY, RL_VIA_MANUAL},
    {RL_ST_ON_LOAN, RL_ST_AVAILABLE, ANY, RL_VIA_LOAN},
    {RL_ST_ON_LOAN, RL_ST_DIAGNOSING, ANY, RL_VIA_LOAN},
    {RL_ST_ON_LOAN, RL_ST_LOST, ANY, RL_VIA_LOAN},
    {RL_ST_HARVESTED, RL_ST_RECYCLED, ANY, RL_VIA_MANUAL},
};

enum rl_status rl_status_parse(const char *s)
{
  for (int i = 0; s && rl_status_names[i]; i++)
    if (strcmp(rl_status_names[i], s) == 0)
      return (enum rl_status)i;
  return RL_ST_INVALID;
}

const char *rl_status_name(enum rl_status s)
{
  return (s >= 0 && s < RL_ST_COUNT) ? rl_status_names[s] : "invalid";
}

enum rl_kind rl_kind_parse(const char *s)
{
  if (s && strcmp(s, "donation") == 0)
    return RL_KIND_DONATION;
  if (s && strcmp(s, "repair") == 0)
    return RL_KIND_REPAIR;
  return RL_KIND_INVALID;
}

static int kind_fits(int kinds, enum rl_kind kind)
{
  return kinds == ANY || (kinds == REPAIR_ONLY && kind == RL_KIND_REPAIR) ||
         (kinds == DONATION_ONLY && kind == RL_KIND_DONATION);
}

int rl_move_allowed(enum rl_kind kind, enum rl_status from, enum rl_status to, enum rl_move_via via)
{
  for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
    if (moves[i].from == from && moves[i].to == to && moves[i].via == via &&
        kind_fits(moves[i].kinds, kind))
      return 1;
  return 0;
}

size_t rl_moves_from(enum rl_status *out, enum rl_kind kind, enum rl_status from,
                     enum rl_move_via via)
{
  size_t n = 0;
  for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
    if (moves[i].from == from && moves[i].via == via && kind_fits(moves[i].kinds, kind))
      out[n++] = moves[i].to;
  return n;
}

int rl_status_final(enum rl_status s)
{
  for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
    if (moves[i].from == s)
      return 0;
  return 1;
}
