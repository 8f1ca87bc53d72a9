/* Names of the error codes, for logs and the problem type URIs. */
#include "core/error.h"

const char *rl_err_name(int err)
{
  switch (err) {
  case RL_OK: return "ok";
  case RL_EINVALID: return "invalid";
  case RL_ENOTFOUND: return "not_found";
  case RL_ECONFLICT: return "conflict";
  case RL_EPRECONDITION: return "precondition_failed";
  case RL_EUNAVAILABLE: return "unavailable";
  case RL_EDB: return "database_error";
  case RL_ENOMEM: return "out_of_memory";
  case RL_EUNAUTHORIZED: return "unauthorized";
  case RL_EFORBIDDEN: return "forbidden";
  case RL_EDUPLICATE: return "duplicate";
  case RL_EIDEMPOTENCY: return "idempotency_mismatch";
  case RL_EINFLIGHT: return "idempotency_in_flight";
  case RL_EUNPROCESSABLE: return "unprocessable";
  case RL_ERETRY: return "retry";
  case RL_EINDOUBT: return "outcome_unknown";
  case RL_EREFUSED: return "refused";
  case RL_ESHORT: return "insufficient_stock";
  default: return "internal";
  }
}
