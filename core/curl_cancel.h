/* Cutting a libcurl transfer short on a stop: the outgoing calls (webhook
 * deliveries, e-mail, uploads to the open-data portal) end within about a
 * second of the flag turning, whatever their own time limits. */
#ifndef RL_CORE_CURL_CANCEL_H
#define RL_CORE_CURL_CANCEL_H

#include <curl/curl.h>
#include <stdatomic.h>

/* The next transfer on c ends with CURLE_ABORTED_BY_CALLBACK once *cancel
 * is non-zero (cancel NULL: never). cancel must outlive the transfer. */
void rl_curl_cancel_on(CURL *c, const atomic_int *cancel);

#endif
