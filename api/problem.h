/* The one table from error codes to HTTP problems. */
#ifndef RL_API_PROBLEM_H
#define RL_API_PROBLEM_H

/* HTTP-only codes, beside core/error.h's RL_E* codes. */
enum {
  API_EROUTE = -100,         /* no such route */
  API_EMETHOD = -101,        /* route exists, method does not */
  API_ETOOLARGE = -102,      /* body over REPAIRD_MAX_BODY */
  API_EMEDIATYPE = -103,     /* not JSON where JSON is expected */
  API_EBADJSON = -104,       /* malformed JSON, bad UTF-8, too deep */
  API_ERATELIMIT = -105,     /* too many requests */
  API_EINTERNAL = -106,      /* a bug */
  API_ENOTACCEPTABLE = -107, /* no format the client accepts */
  API_EHEAVY = -108,         /* heavy requests at REPAIRD_HEAVY_REQUESTS already */
  API_EFRAMING = -109,       /* the body's length cannot be read unambiguously */
  API_ECODING = -110,        /* a transfer coding other than chunked */
  API_EEXPECT = -111,        /* an expectation other than 100-continue */
};

struct rl_problem {
  int code;
  unsigned status;
  const char *type; /* a URI reference, documented in docs/errors.md */
  const char *title;
};

/* The entry for code; the API_EINTERNAL entry for unknown codes. */
const struct rl_problem *rl_problem_for(int code);

#endif
