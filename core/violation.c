/* Declared store violations as field errors. */
#include "core/violation.h"

#include "core/error.h"
#include "core/spec.h"
#include "core/store/pool.h"

int rl_violation_errors(int rc, json_t **errors)
{
  const struct store_violation *v = store_last_violation();
  if (rc == RL_OK || v == NULL || v->err != rc)
    return rc;
  rl_spec_invalid(errors, v->field, v->code, v->message);
  return rc;
}
