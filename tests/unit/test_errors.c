/* The one error table: every code maps to the right status and a problem type. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/problem.h"
#include "core/error.h"

Test(errors, each_code_has_its_status)
{
  struct {
    int code;
    unsigned status;
  } cases[] = {
      {RL_EINVALID, 400},    {API_EBADJSON, 400},     {RL_EUNAUTHORIZED, 401},
      {RL_EFORBIDDEN, 403},  {RL_ENOTFOUND, 404},     {API_EROUTE, 404},
      {API_EMETHOD, 405},    {RL_ECONFLICT, 409},     {RL_EDUPLICATE, 409},
      {RL_EINFLIGHT, 409},   {RL_EPRECONDITION, 412}, {API_ETOOLARGE, 413},
      {API_EMEDIATYPE, 415}, {RL_EIDEMPOTENCY, 422},  {RL_EUNPROCESSABLE, 422},
      {API_ERATELIMIT, 429}, {RL_EUNAVAILABLE, 503},  {RL_EDB, 500},
      {API_EFRAMING, 400},   {API_EEXPECT, 417},      {API_ECODING, 501},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const struct rl_problem *p = rl_problem_for(cases[i].code);
    cr_assert_not_null(p);
    cr_assert_eq(p->status, cases[i].status, "code %d: %u", cases[i].code, p->status);
    cr_assert(strncmp(p->type, "/problems/", 10) == 0);
    cr_assert(strlen(p->title) > 0);
  }
}

Test(errors, unknown_code_is_internal)
{
  const struct rl_problem *p = rl_problem_for(-9999);
  cr_assert_eq(p->status, 500);
  cr_assert_str_eq(rl_err_name(-9999), "internal");
  cr_assert_str_eq(rl_err_name(RL_ENOTFOUND), "not_found");
}
