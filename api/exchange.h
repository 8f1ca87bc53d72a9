/* One request and its reply between libmicrohttpd and the router: the
 * daemon's access handler. It replaces ulfius's dispatcher, which runs no
 * code of ours before the whole body is in; this one looks at the header
 * lines first, so that a body whose end cannot be found is refused at
 * once (RFC 9112 §6.3), and a client waiting for 100 Continue hears 401,
 * 403, 404, 413 or 415 instead of an invitation to upload. ulfius's
 * request and response structures stay what handlers see. */
#ifndef RL_API_EXCHANGE_H
#define RL_API_EXCHANGE_H

#include <microhttpd.h>

#include "core/config.h"

/* Before the daemon starts; cfg must outlive it. */
void rl_exchange_init(const struct rl_config *cfg);

/* A request begins: the URI logger's value, its target as sent. NULL
 * when out of memory (the access handler then closes the connection). */
void *rl_exchange_begin(const char *uri);

/* libmicrohttpd's access handler, with cls unused. */
enum MHD_Result rl_exchange_access(void *cls, struct MHD_Connection *con, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls);

/* The request ended (reply sent or connection gone): frees what
 * rl_exchange_begin made. */
void rl_exchange_end(void **con_cls);

#endif
