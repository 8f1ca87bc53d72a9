/* The HTTP daemon: libmicrohttpd's own thread pool with epoll, on a
 * listening socket that no other process shares, our own access handler
 * (api/exchange.h), and a graceful stop on signals. */
#include "api/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/exchange.h"
#include "api/router.h"
#include "core/error.h"
#include "core/log.h"
#include "core/maintenance.h"
#include "core/outbox.h"
#include "core/portal.h"
#include "core/publisher.h"
#include "core/read_log.h"
#include "core/store/migrate.h"
#include "core/store/pool.h"

#define CONNECTION_TIMEOUT_S 30
/* How often expired stored replies are purged and waiting-list holds that
 * ran out pass on. */
#define MAINTENANCE_INTERVAL_S 60

/* Requests begun and not yet completed (response sent or connection gone):
 * MHD calls the URI logger once when a request starts and the completion
 * callback once when it ends. */
static atomic_long g_in_flight;
/* When a request last began or ended (CLOCK_MONOTONIC, ms): the drain
 * waits for connections it took over to send theirs. */
static atomic_llong g_last_activity_ms;

static long long mono_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *con)
{
  (void)cls;
  (void)con;
  atomic_fetch_add(&g_in_flight, 1);
  atomic_store(&g_last_activity_ms, mono_ms());
  return rl_exchange_begin(uri);
}

static void request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)connection;
  (void)toe;
  rl_exchange_end(con_cls);
  atomic_store(&g_last_activity_ms, mono_ms());
  atomic_fetch_sub(&g_in_flight, 1);
}

static int make_address(const struct rl_config *cfg, struct sockaddr_storage *ss, int *ipv6)
{
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  const char *host = strcmp(cfg->listen_host, "localhost") == 0 ? "127.0.0.1" : cfg->listen_host;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(cfg->listen_port);
    *ipv6 = 0;
    return 0;
  }
  if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(cfg->listen_port);
    *ipv6 = 1;
    return 0;
  }
  return -1;
}

/* Binds and listens ourselves, rather than through MHD, so that a taken
 * port is told apart from other failures. Only SO_REUSEADDR (a restart
 * need not wait for TIME_WAIT), never SO_REUSEPORT: a second repaird on the
 * same port would silently share requests with this one. Returns the
 * socket, or -1 with the reason in why. */
static int open_listener(const struct sockaddr_storage *addr, int ipv6, char *why, size_t cap)
{
  char buf[128]; /* for GNU strerror_r (strerror is not thread-safe) */
  int fd = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    snprintf(why, cap, "%s", strerror_r(errno, buf, sizeof buf));
    return -1;
  }
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (ipv6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  socklen_t len = ipv6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, SOMAXCONN) != 0) {
    int e = errno;
    snprintf(why, cap, "%s",
             e == EADDRINUSE ? "the address is already in use (is another repaird running?)"
                             : strerror_r(e, buf, sizeof buf));
    close(fd);
    return -1;
  }
  return fd;
}

/* Connections still open on the daemon. */
static unsigned connections_of(struct MHD_Daemon *d)
{
  const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
  return i ? i->num_connections : 0;
}

/* The graceful stop. New connections are refused from the start (the
 * listening socket is closed), but every connection the kernel had already
 * queued is taken over and answered, as are requests begun; replies say
 * Connection: close. It waits at most timeout_s, then says what it cuts. */
static void drain(struct MHD_Daemon *d, unsigned timeout_s)
{
  rl_router_drain();
  MHD_socket listen_fd = MHD_quiesce_daemon(d);
  unsigned queued = 0;
  if (listen_fd != MHD_INVALID_SOCKET) {
    for (;;) {
      struct sockaddr_storage a;
      socklen_t len = sizeof a;
      int fd = accept4(listen_fd, (struct sockaddr *)&a, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        break; /* EAGAIN: the queue is empty (the socket is non-blocking) */
      if (MHD_add_connection(d, fd, (struct sockaddr *)&a, len) == MHD_YES)
        queued++;
    }
    close(listen_fd);
  }
  /* The connections just taken over send their requests a moment later. */
  atomic_store(&g_last_activity_ms, mono_ms());
  rl_log(RL_LOG_INFO, "stop",
         "stopped accepting: %u queued connections taken over, the listening socket closed",
         queued);
  long long until = mono_ms() + (long long)timeout_s * 1000;
  /* Done when no request runs and the open connections (keep-alive ones,
   * or taken-over ones that sent nothing) have been quiet a moment. */
  while (mono_ms() < until &&
         (atomic_load(&g_in_flight) > 0 ||
          (connections_of(d) > 0 && mono_ms() - atomic_load(&g_last_activity_ms) < 500))) {
    struct timespec t = {0, 20L * 1000 * 1000};
    nanosleep(&t, NULL);
  }
  long cut = atomic_load(&g_in_flight);
  if (cut > 0)
    rl_log(RL_LOG_WARN, "stop",
           "REPAIRD_DRAIN_TIMEOUT (%u s) reached with %ld requests still running: the server "
           "stops once they end, their connections closed",
           timeout_s, cut);
}

int rl_serve(const struct rl_config *cfg)
{
  char msg[1024];
  int pending = 0;
  if (store_migrate_pending(cfg->database_url, &pending, msg, sizeof msg) != 0) {
    fprintf(stderr, "repaird: %s\n", msg);
    return 1;
  }
  if (pending > 0) {
    fprintf(stderr, "repaird: %d migration(s) pending (%s); run `repaird migrate` first\n", pending,
            msg);
    return 1;
  }
  store_pool_init(cfg->database_url);
  /* Before any thread: libcurl's global setup is not thread-safe. */
  if (portal_global_init() != RL_OK) {
    fprintf(stderr, "repaird: cannot initialise libcurl\n");
    return 1;
  }

  struct sockaddr_storage addr;
  int ipv6 = 0;
  if (make_address(cfg, &addr, &ipv6) != 0) {
    fprintf(stderr, "repaird: REPAIRD_LISTEN: %s is not an IP address\n", cfg->listen_host);
    return 1;
  }
  char why[128];
  int listen_fd = open_listener(&addr, ipv6, why, sizeof why);
  if (listen_fd < 0) {
    fprintf(stderr, "repaird: cannot listen on %s:%u: %s\n", cfg->listen_host, cfg->listen_port,
            why);
    return 1;
  }

  /* Signals are taken by sigwait below, so every thread must block them. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  (void)signal(SIGPIPE, SIG_IGN); /* fails only for an invalid signal number */

  if (rl_router_init(cfg) != 0) {
    fprintf(stderr, "repaird: cannot initialise the router\n");
    close(listen_fd);
    return 1;
  }
  rl_exchange_init(cfg);

  /* Before the first request: a personal reply needs a place in its queue. */
  if (read_log_start(0) != RL_OK) {
    fprintf(stderr, "repaird: cannot start the read log's writer\n");
    close(listen_fd);
    return 1;
  }

  struct MHD_OptionItem ops[] = {
      {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)cfg->threads, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S, NULL},
      {MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, 4096, NULL},
      /* RFC 9112: an HTTP/1.1 request without Host, or with a space in its
       * target, is a 400. */
      {MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL},
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_logger, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO;
  if (ipv6)
    flags |= MHD_USE_IPv6;
  struct MHD_Daemon *daemon = MHD_start_daemon(flags, 0, NULL, NULL, rl_exchange_access, NULL,
                                               MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
  if (daemon == NULL) {
    fprintf(stderr, "repaird: cannot start the HTTP daemon on %s:%u\n", cfg->listen_host,
            cfg->listen_port);
    read_log_stop(0);
    close(listen_fd);
    return 1;
  }
  if (rl_maintenance_start(MAINTENANCE_INTERVAL_S, cfg) != RL_OK)
    rl_log(RL_LOG_WARN, "start", "no maintenance thread: expired stored replies stay");
  if (rl_publisher_start(cfg) != RL_OK)
    rl_log(RL_LOG_WARN, "start", "no publisher thread: no monthly publication or retry here");
  if (rl_outbox_start(cfg) != RL_OK)
    rl_log(RL_LOG_WARN, "start", "no outbox workers: this instance delivers no event");
  rl_log(RL_LOG_INFO, "start", "listening on %s:%u with %u threads, public URL %s",
         cfg->listen_host, cfg->listen_port, cfg->threads, cfg->public_url);

  int sig = 0;
  sigwait(&stop, &sig);
  rl_log(RL_LOG_INFO, "stop", "signal %d: finishing requests in flight", sig);
  drain(daemon, cfg->drain_timeout_s);
  MHD_stop_daemon(daemon);
  /* Every reply is built: what they carried is written before exit, the
   * database given as long as the drain was. */
  read_log_stop(cfg->drain_timeout_s);
  rl_outbox_stop();
  rl_maintenance_stop();
  rl_publisher_stop();
  store_pool_close_thread();
  portal_global_cleanup();
  rl_log(RL_LOG_INFO, "stop", "stopped");
  return 0;
}
