/* libcurl's progress callback as a stop check. */
#include "core/curl_cancel.h"

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  const atomic_int *cancel = arg;
  return cancel != NULL && atomic_load(cancel) ? 1 : 0;
}

void rl_curl_cancel_on(CURL *c, const atomic_int *cancel)
{
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)cancel);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
}
