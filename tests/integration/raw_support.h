/* Raw bytes to the shared server over a connection of their own, for what
 * curl would not send: the framing and header tests. */
#ifndef RL_TESTS_INTEGRATION_RAW_SUPPORT_H
#define RL_TESTS_INTEGRATION_RAW_SUPPORT_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/helpers/th.h"

static inline int raw_open(void)
{
  const char *url = th_url();
  const char *colon = strrchr(url, ':');
  cr_assert_not_null(colon);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  cr_assert_eq(connect(s, (struct sockaddr *)&a, sizeof a), 0);
  return s;
}

static inline void raw_send(int s, const char *data)
{
  size_t len = strlen(data);
  cr_assert_eq(send(s, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Reads what the server sends into buf until it closes, until buf holds
 * until (NULL: read to the close), or until ms milliseconds pass with
 * nothing new. */
static inline size_t raw_read_until(int s, char *buf, size_t cap, int ms, const char *until)
{
  size_t got = 0;
  buf[0] = '\0';
  struct pollfd p = {.fd = s, .events = POLLIN};
  while (got + 1 < cap && (until == NULL || strstr(buf, until) == NULL) && poll(&p, 1, ms) == 1) {
    ssize_t n = recv(s, buf + got, cap - 1 - got, 0);
    if (n <= 0)
      break;
    got += (size_t)n;
    buf[got] = '\0';
  }
  return got;
}

static inline size_t raw_read(int s, char *buf, size_t cap, int ms)
{
  return raw_read_until(s, buf, cap, ms, NULL);
}

static inline long status_of(const char *reply)
{
  return strncmp(reply, "HTTP/1.", 7) == 0 ? strtol(reply + 9, NULL, 10) : 0;
}

/* Sends request on a connection of its own and reads the reply until the
 * server closes (or 15 s of silence): its status, the reply in reply. */
static inline long raw_roundtrip(const char *request, char *reply, size_t cap)
{
  int s = raw_open();
  raw_send(s, request);
  raw_read(s, reply, cap, 15000);
  close(s);
  return status_of(reply);
}

#endif
