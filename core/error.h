/* The one error idiom of Repair Ledger: functions return RL_OK (0) or one of
 * these negative codes. api/problem.c maps each code to an HTTP reply. */
#ifndef RL_CORE_ERROR_H
#define RL_CORE_ERROR_H

enum rl_err {
  RL_OK = 0,
  RL_EINVALID = -1,        /* the input breaks a rule (field errors attached) */
  RL_ENOTFOUND = -2,       /* no such object */
  RL_ECONFLICT = -3,       /* state does not allow it (e.g. a refused transition) */
  RL_EPRECONDITION = -4,   /* If-Match no longer matches */
  RL_EUNAVAILABLE = -5,    /* the database cannot be reached right now */
  RL_EDB = -6,             /* the database answered with an unexpected error */
  RL_ENOMEM = -7,          /* out of memory */
  RL_EUNAUTHORIZED = -8,   /* no key, or a wrong or revoked key */
  RL_EFORBIDDEN = -9,      /* the key's role is not enough */
  RL_EDUPLICATE = -10,     /* a unique value already exists */
  RL_EIDEMPOTENCY = -11,   /* same Idempotency-Key, other request */
  RL_EINFLIGHT = -12,      /* same Idempotency-Key, first request still running */
  RL_EUNPROCESSABLE = -13, /* well-formed but refers to things that do not exist */
  RL_ERETRY = -14,         /* serialization failure or deadlock: run the transaction again */
  RL_EINDOUBT = -15,       /* the connection was lost after a write was sent: it may have
                              been applied */
  RL_ESHORT = -16,         /* not enough in stock (the parts short are attached) */
  RL_EREFUSED = -17,       /* a rule of the domain refuses it (its reasons are attached) */
};

/* A short stable name for the code ("not_found"); never NULL. */
const char *rl_err_name(int err);

#endif
