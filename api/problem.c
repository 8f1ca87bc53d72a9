/* Error code → HTTP status, problem type and title. */
#include "api/problem.h"

#include <stddef.h>

#include "core/error.h"

static const struct rl_problem table[] = {
    {RL_EINVALID, 400, "/problems/validation", "The request has invalid fields"},
    {API_EFRAMING, 400, "/problems/bad-framing",
     "Where the request's body ends cannot be read unambiguously"},
    {API_EBADJSON, 400, "/problems/malformed-json", "The body is not valid JSON"},
    {RL_EUNAUTHORIZED, 401, "/problems/unauthorized", "A valid API key is required"},
    {RL_EFORBIDDEN, 403, "/problems/forbidden", "This key's role does not allow this"},
    {RL_ENOTFOUND, 404, "/problems/not-found", "Not found"},
    {API_EROUTE, 404, "/problems/not-found", "Not found"},
    {API_EMETHOD, 405, "/problems/method-not-allowed", "Method not allowed"},
    {API_ENOTACCEPTABLE, 406, "/problems/not-acceptable", "No acceptable format"},
    {RL_ECONFLICT, 409, "/problems/conflict", "The current state does not allow this"},
    {RL_EDUPLICATE, 409, "/problems/duplicate", "This already exists"},
    {RL_ESHORT, 409, "/problems/insufficient-stock",
     "Not enough in stock: see errors for each part short and what is available"},
    {RL_EREFUSED, 409, "/problems/refused",
     "The rules do not allow this now: see errors for each reason"},
    {RL_EINFLIGHT, 409, "/problems/idempotency-in-flight",
     "A request with this Idempotency-Key is still being processed"},
    {RL_EPRECONDITION, 412, "/problems/precondition-failed",
     "The object changed since you read it (If-Match)"},
    {API_ETOOLARGE, 413, "/problems/body-too-large", "The body is too large"},
    {API_EMEDIATYPE, 415, "/problems/unsupported-media-type", "The body must be application/json"},
    {API_EEXPECT, 417, "/problems/expectation-failed", "This expectation cannot be met"},
    {RL_EIDEMPOTENCY, 422, "/problems/idempotency-mismatch",
     "This Idempotency-Key was used with another request"},
    {RL_EUNPROCESSABLE, 422, "/problems/unprocessable",
     "The request cannot be processed as it stands"},
    {API_ERATELIMIT, 429, "/problems/rate-limited", "Too many requests"},
    {API_EINTERNAL, 500, "/problems/internal", "Internal error"},
    {API_ECODING, 501, "/problems/transfer-coding", "This transfer coding is not supported"},
    {RL_ENOMEM, 503, "/problems/unavailable", "The service is overloaded"},
    {RL_EDB, 500, "/problems/internal", "Internal error"},
    {RL_EUNAVAILABLE, 503, "/problems/unavailable",
     "The database is unreachable; try again shortly"},
    {RL_ERETRY, 503, "/problems/busy", "Too many concurrent changes to the same data; try again"},
    {API_EHEAVY, 503, "/problems/busy",
     "As many label batches as this server renders at once are running; try again shortly"},
    {RL_EINDOUBT, 503, "/problems/outcome-unknown",
     "The database connection was lost during the write, which may have been applied:"
     " check before repeating it, or repeat it with the same Idempotency-Key"},
};

const struct rl_problem *rl_problem_for(int code)
{
  const struct rl_problem *fallback = NULL;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (table[i].code == code)
      return &table[i];
    if (table[i].code == API_EINTERNAL)
      fallback = &table[i];
  }
  return fallback;
}
