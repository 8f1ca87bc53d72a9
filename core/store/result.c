/* Reading results: columns by name, values as C strings or JSON. */
#include <stdlib.h>
#include <string.h>

#include "core/store/pool.h"

void store_cols(const PGresult *res, const char *const *names, int *idx, int n)
{
  for (int i = 0; i < n; i++)
    idx[i] = PQfnumber(res, names[i]);
}

const char *store_value(const PGresult *res, int row, int col)
{
  if (col < 0 || PQgetisnull(res, row, col))
    return NULL;
  return PQgetvalue(res, row, col);
}

json_t *store_json_str(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_stringn(v, (size_t)PQgetlength(res, row, col)) : json_null();
}

json_t *store_json_time(const PGresult *res, int row, int col)
{
  /* With TimeZone=UTC the text form is "2026-11-29 07:14:52.123456+00". */
  const char *v = store_value(res, row, col);
  if (v == NULL)
    return json_null();
  char buf[48];
  size_t n = strlen(v);
  if (n >= sizeof buf - 1)
    return json_string(v);
  memcpy(buf, v, n + 1);
  if (n > 10 && buf[10] == ' ')
    buf[10] = 'T';
  if (n > 3 && strcmp(buf + n - 3, "+00") == 0)
    memcpy(buf + n - 3, "Z", 2);
  return json_string(buf);
}

json_t *store_json_int(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_integer(strtoll(v, NULL, 10)) : json_null();
}

json_t *store_json_num(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_real(strtod(v, NULL)) : json_null();
}

json_t *store_json_bool(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  return v ? json_boolean(v[0] == 't') : json_null();
}

json_t *store_json_decimal(const PGresult *res, int row, int col)
{
  const char *v = store_value(res, row, col);
  if (v == NULL)
    return json_null();
  double d = strtod(v, NULL);
  long long whole = (long long)d;
  return (double)whole == d ? json_integer(whole) : json_real(d);
}
