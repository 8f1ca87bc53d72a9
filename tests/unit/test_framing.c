/* Transfer-Encoding values (RFC 9112 §6.1, §7): "chunked" exactly is read
 * (libmicrohttpd decodes nothing else); a coding this server does not have
 * is 501; a list whose end is not chunked, that lists it twice, that is not
 * a list of codings, or that only the RFC reads as chunked, is 400. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/conn.h"
#include "api/problem.h"

static int verdict(const char *v)
{
  const char *why = NULL;
  int rc = rl_transfer_coding_verdict(v, strlen(v), &why);
  if (rc != 0)
    cr_assert(why != NULL && *why != '\0', "%s: no reason", v);
  return rc;
}

Test(framing, chunked_exactly_in_any_case_is_read)
{
  const char *ok[] = {"chunked", "Chunked", "CHUNKED"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    cr_assert_eq(verdict(ok[i]), 0, "%s", ok[i]);
}

Test(framing, codings_this_server_does_not_have_are_not_implemented)
{
  const char *other[] = {"gzip", "gzip, chunked", "identity", "x-custom;level=1, chunked",
                         "deflate,chunked"};
  for (size_t i = 0; i < sizeof other / sizeof *other; i++)
    cr_assert_eq(verdict(other[i]), API_ECODING, "%s", other[i]);
}

Test(framing, lists_whose_end_cannot_be_found_are_bad_requests)
{
  const char *bad[] = {"", ",", "chunked, chunked", "chunked,CHUNKED", "chunked, gzip",
                       "chunked;q=1", "chun ked", "chunked\"", "gzip chunked", ";x",
                       /* Lists the RFC reads as chunked and libmicrohttpd would not. */
                       "chunked ", "chunked\t", ", chunked", "chunked,", "chunked ,, "};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_assert_eq(verdict(bad[i]), API_EFRAMING, "%s", bad[i]);
}
