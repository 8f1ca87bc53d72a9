/* The device lifecycle: statuses and the moves allowed between them
 * (PRODUCT.md, "Device lifecycle"), by device kind. */
#ifndef RL_CORE_LIFECYCLE_H
#define RL_CORE_LIFECYCLE_H

#include <stddef.h>

enum rl_status {
  RL_ST_RECEIVED,
  RL_ST_DIAGNOSING,
  RL_ST_IN_REPAIR,
  RL_ST_AWAITING_PARTS,
  RL_ST_REPAIRED,
  RL_ST_UNREPAIRABLE,
  RL_ST_RETURNED,
  RL_ST_AVAILABLE,
  RL_ST_ON_LOAN,
  RL_ST_REHOMED,
  RL_ST_HARVESTED,
  RL_ST_RECYCLED,
  RL_ST_LOST,
  RL_ST_COUNT,
  RL_ST_INVALID = -1,
};

enum rl_kind { RL_KIND_DONATION, RL_KIND_REPAIR, RL_KIND_INVALID = -1 };

/* Who asks for a move: a manual transition, or a loan (lend or return). */
enum rl_move_via { RL_VIA_MANUAL, RL_VIA_LOAN };

enum rl_status rl_status_parse(const char *s);
const char *rl_status_name(enum rl_status s);
enum rl_kind rl_kind_parse(const char *s);

/* Whether the move from → to is allowed for a device of this kind. */
int rl_move_allowed(enum rl_kind kind, enum rl_status from, enum rl_status to,
                    enum rl_move_via via);

/* The statuses reachable from `from` for this kind and way, in table order;
 * returns how many were written to out (at most RL_ST_COUNT). */
size_t rl_moves_from(enum rl_status *out, enum rl_kind kind, enum rl_status from,
                     enum rl_move_via via);

/* Whether no move leaves this status. */
int rl_status_final(enum rl_status s);

/* The status names, NULL-terminated (for validation specs). */
extern const char *const rl_status_names[];

#endif
