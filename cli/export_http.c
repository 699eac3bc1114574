// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exporter's HTTP server: libmicrohttpd with a small internal thread
 * pool on epoll.  Only GET and HEAD of two paths exist; everything else gets
 * its proper status code.  Rendering is serialised by the caller.
 *
 * Hostile or broken clients must not stop the scrapes.  Measured with 500
 * idle and 300 header-trickling connections from loopback (the clients
 * Prometheus shares 127.0.0.1 with), tests/e2e/52-export-hostile.t:
 *  - room: 2048 connections (epoll, so an idle one costs no CPU; fewer if
 *    RLIMIT_NOFILE cannot be raised that far).  256 were full with 256 idle
 *    clients, and every scrape then waited up to the 30 s timeout.
 *  - a deadline for the first request: a connection that has not sent whole
 *    headers HTTP_HEADER_S after connecting is shut down (libmicrohttpd's
 *    own timeout counts inactivity, which a one-byte-a-second trickle never
 *    shows).  After a request it may idle HTTP_IDLE_S for the next one.
 *  - when the room is nearly full, each new connection evicts the oldest one
 *    not in the middle of a request: idle and trickling clients cannot keep
 *    a scraper out however many they open.  No per-IP cap: Prometheus shares
 *    127.0.0.1 (or a NAT address) with such clients, and a cap would refuse
 *    it first (with 1 700 idle + 300 trickling loopback clients and a cap of
 *    1 024, 29 of 30 scrapes were refused).
 *  - log lines formatted whole and written with one write(2), rate-limited:
 *    every refused or broken connection is a libmicrohttpd message.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "lib/fusewb.h"
#include "render/prom.h"
#include "export_http.h"

#define HTTP_THREADS		2	/* rendering is serialised anyway; two keep / responsive */
#define HTTP_MAX_CONNECTIONS	2048	/* at most; RLIMIT_NOFILE may leave fewer */
#define HTTP_FD_RESERVE		128	/* descriptors kept for maps, links, sysfs, debugfs */
#define HTTP_SPARE		64	/* evict when fewer slots than this are free */
#define HTTP_HEADER_S		10	/* a new connection's first request must arrive by then */
/*
 * Keep-alive idle time, and libmicrohttpd's inactivity timeout.  Longer than
 * Prometheus' default 1 m interval and equal to no common interval, so the
 * server never closes a connection just as the next scrape is sent on it.
 */
#define HTTP_IDLE_S		75
#define HTTP_MAX_URL		2048	/* longer request targets get 414 */
#define HTTP_MEMORY_LIMIT	(16 * 1024)	/* per connection: request headers and reply head */
#define HTTP_LOG_BURST		10	/* log lines per window, then a count of the rest */
#define HTTP_LOG_WINDOW_S	10

/* A connection the server holds, for the deadline sweep and eviction. */
struct http_conn {
	struct http_conn *prev, *next;	/* oldest first */
	int fd;
	bool busy;		/* a request is being answered */
	uint64_t deadline_ns;	/* shut down after this; UINT64_MAX once shut down */
};

struct export_http {
	struct MHD_Daemon *d;
	char *metrics_path;
	char *landing;
	export_render_fn render;
	void *arg;
	pthread_mutex_t lock;	/* conns, log rate limit */
	pthread_cond_t wake;	/* the sweeper's sleep, cut short by stop */
	struct http_conn *oldest, *newest;
	unsigned nconns, dying;	/* held; of those, shut down and not yet closed */
	struct fwb_ratelimit log_rl, sweep_rl;	/* the sweep's summary has its own */
	uint64_t swept, evicted;	/* connections shut down since its last summary */
	pthread_t sweeper;
	bool sweeping, stopping;
	unsigned max_conns;
};

static void fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

int export_listen(const char *addr, int *fdp, char *shown, size_t shownlen, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	const char *colon = strrchr(addr, ':');
	char host[256], port[64], why[160];
	int fd = -1, r, one = 1, saved = 0;
	long p;

	if (!colon || strlen(colon + 1) >= sizeof(port) || (size_t)(colon - addr) >= sizeof(host)) {
		fail(err, errlen, "invalid listen address '%s': expected HOST:PORT, [IPV6]:PORT or :PORT", addr);
		return -1;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (fwb_parse_count("port", port, 0, 65535, &p, why, sizeof(why))) {
		fail(err, errlen, "%s in listen address '%s' (0 picks a free one)", why, addr);
		return -1;
	}
	if (host[0] == '[') {
		size_t n = strlen(host);

		if (n < 3 || host[n - 1] != ']') {
			fail(err, errlen, "invalid listen address '%s': unbalanced [ ]", addr);
			return -1;
		}
		memmove(host, host + 1, n - 2);
		host[n - 2] = 0;
	}
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (r) {
		fail(err, errlen, "cannot resolve listen address '%s': %s", addr, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, SOMAXCONN))
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fail(err, errlen, "cannot listen on %s: %s", addr, strerror(saved));
		return -1;
	}
	{
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char ip[INET6_ADDRSTRLEN] = "?";
		unsigned bound = 0;

		if (!getsockname(fd, (struct sockaddr *)&ss, &sl)) {
			if (ss.ss_family == AF_INET6) {
				struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

				inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
				bound = ntohs(s6->sin6_port);
				snprintf(shown, shownlen, "[%s]:%u", ip, bound);
			} else {
				struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

				inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
				bound = ntohs(s4->sin_port);
				snprintf(shown, shownlen, "%s:%u", ip, bound);
			}
		}
	}
	*fdp = fd;
	return 0;
}

/* One whole line per write(2): the pool's threads and the main thread share stderr. */
static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (write(STDERR_FILENO, line, n) < 0)
		return;	/* nowhere left to say it */
}

static void log_missed(uint64_t missed)
{
	if (missed)
		log_line("fusewb export: http: %llu more messages left out (at most %d per %d s)\n",
			 (unsigned long long)missed, HTTP_LOG_BURST, HTTP_LOG_WINDOW_S);
}

/* Rate-limited: a flood of broken connections would otherwise flood the log. */
static void http_vlog(struct export_http *h, const char *fmt, va_list ap)
{
	char msg[400];
	uint64_t missed;
	size_t n;
	bool show;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	for (char *p = msg; *p; p++)	/* one line each, whatever the library passes */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	pthread_mutex_lock(&h->lock);
	show = fwb_ratelimit(&h->log_rl, fwb_mono_ns(), &missed);
	pthread_mutex_unlock(&h->lock);
	log_missed(missed);
	if (show)
		log_line("fusewb export: http: %s\n", msg);
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
	http_vlog(cls, fmt, ap);
}

/* shutdown(2), not close: libmicrohttpd sees the end and closes it itself, so the fd is never reused under it */
static void shut(struct export_http *h, struct http_conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	c->deadline_ns = UINT64_MAX;
	h->dying++;
}

/* Room for one more: shut the oldest connection not answering a request. Under h->lock. */
static void evict_oldest(struct export_http *h, const struct http_conn *keep)
{
	for (struct http_conn *c = h->oldest; c; c = c->next)
		if (c != keep && !c->busy && c->deadline_ns != UINT64_MAX) {
			shut(h, c);
			h->evicted++;
			return;
		}
}

/*
 * libmicrohttpd says when it accepts and when it closes a connection
 * (before it closes the fd); between the two it may be shut down here.
 */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct export_http *h = cls;
	struct http_conn *c = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		c = calloc(1, sizeof(*c));
		if (!c || !ci) {
			free(c);	/* untracked: only libmicrohttpd's own timeout applies */
			return;
		}
		c->fd = ci->connect_fd;
		c->deadline_ns = fwb_mono_ns() + HTTP_HEADER_S * 1000000000ULL;
		pthread_mutex_lock(&h->lock);
		c->prev = h->newest;
		if (h->newest)
			h->newest->next = c;
		else
			h->oldest = c;
		h->newest = c;
		h->nconns++;
		if (h->nconns - h->dying + HTTP_SPARE > h->max_conns)
			evict_oldest(h, c);
		pthread_mutex_unlock(&h->lock);
		*socket_context = c;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED || !c)
		return;
	pthread_mutex_lock(&h->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		h->oldest = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		h->newest = c->prev;
	h->nconns--;
	if (c->deadline_ns == UINT64_MAX)
		h->dying--;
	pthread_mutex_unlock(&h->lock);
	free(c);
	*socket_context = NULL;
}

static struct http_conn *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* A whole request arrived: not evicted while it is answered, then it may idle until the next one. */
static void request_arrived(struct export_http *h, struct MHD_Connection *conn)
{
	struct http_conn *c = conn_of(conn);

	if (!c)
		return;
	pthread_mutex_lock(&h->lock);
	if (c->deadline_ns != UINT64_MAX)
		c->deadline_ns = fwb_mono_ns() + HTTP_IDLE_S * 1000000000ULL;
	c->busy = true;
	pthread_mutex_unlock(&h->lock);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	struct export_http *h = cls;
	struct http_conn *c = conn_of(conn);

	(void)state;
	(void)toe;
	if (!c)
		return;
	pthread_mutex_lock(&h->lock);
	c->busy = false;
	pthread_mutex_unlock(&h->lock);
}

/* Once a second, shut down the connections past their deadline. */
static void *sweep(void *arg)
{
	struct export_http *h = arg;
	struct timespec ts;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		uint64_t now = fwb_mono_ns(), missed;
		unsigned dropped = 0;

		for (struct http_conn *c = h->oldest; c; c = c->next)
			if (c->deadline_ns < now) {
				shut(h, c);
				dropped++;
			}
		missed = fwb_ratelimit_expire(&h->log_rl, now);
		log_missed(missed);	/* no new message may come to carry the count */
		h->swept += dropped;
		if ((h->swept || h->evicted) && fwb_ratelimit(&h->sweep_rl, now, &missed)) {
			log_line("fusewb export: http: shut down %llu connections that sent no whole request "
				 "%d s after connecting or none for %d s after the last, and %llu idle ones "
				 "to make room for new\n", (unsigned long long)h->swept, HTTP_HEADER_S,
				 HTTP_IDLE_S, (unsigned long long)h->evicted);
			h->swept = h->evicted = 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&h->wake, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/*
 * Room for connections: as many descriptors as HTTP_MAX_CONNECTIONS needs,
 * raising the soft RLIMIT_NOFILE toward the hard one (systemd's soft default
 * is 1024), and what is left after the collector's reserve otherwise.
 */
static unsigned connection_room(void)
{
	struct rlimit rl;
	rlim_t want = HTTP_MAX_CONNECTIONS + HTTP_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 256;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= want)
		return HTTP_MAX_CONNECTIONS;
	return rl.rlim_cur > 2 * HTTP_FD_RESERVE ? rl.rlim_cur - HTTP_FD_RESERVE : HTTP_FD_RESERVE;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
	return reply(conn, status, "text/plain; charset=utf-8", (void *)msg, strlen(msg),
		     MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **state)
{
	struct export_http *h = cls;
	char *body = NULL;
	size_t len = 0;

	(void)version;
	(void)upload;
	/* answer at once, on the headers: no handler here reads a request body */
	*upload_size = 0;
	*state = NULL;
	request_arrived(h, conn);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed: use GET or HEAD\n");
	if (strlen(url) > HTTP_MAX_URL)
		return text(conn, MHD_HTTP_URI_TOO_LONG, "URI Too Long\n");
	if (!strcmp(url, h->metrics_path)) {
		if (h->render(h->arg, &body, &len))
			return text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot collect metrics\n");
		return reply(conn, MHD_HTTP_OK, FWB_PROM_CONTENT_TYPE, body, len, MHD_RESPMEM_MUST_FREE);
	}
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", h->landing,
			     strlen(h->landing), MHD_RESPMEM_PERSISTENT);
	return text(conn, MHD_HTTP_NOT_FOUND, "Not Found\n");
}

/* The landing page names the metrics path, HTML-escaped: the path comes from the command line. */
static char *landing_page(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("<!DOCTYPE html>\n<html><head><title>fusewb exporter</title></head><body>\n"
	      "<h1>fusewb exporter</h1>\n"
	      "<p>FUSE writeback metrics from eBPF: writeback latency, dirty pages against the "
	      "bdi limit, throttling, pending requests.</p>\n<p><a href=\"", f);
	for (const char *p = path; *p; p++) {
		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '"')
			fputs("&quot;", f);
		else
			fputc(*p, f);
	}
	fputs("\">Metrics</a></p>\n</body></html>\n", f);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct export_http *export_http_start(int fd, const char *metrics_path, export_render_fn render,
				      void *arg, char *err, size_t errlen)
{
	struct export_http *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;

	if (!h || !(h->metrics_path = strdup(metrics_path)) || !(h->landing = landing_page(metrics_path))) {
		fail(err, errlen, "out of memory");
		export_http_stop(h);
		return NULL;
	}
	h->render = render;
	h->arg = arg;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	h->log_rl.burst = HTTP_LOG_BURST;
	h->log_rl.window_ns = HTTP_LOG_WINDOW_S * 1000000000ULL;
	h->sweep_rl.burst = 1;
	h->sweep_rl.window_ns = HTTP_LOG_WINDOW_S * 1000000000ULL;
	h->max_conns = connection_room();
	h->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				handle, h,
				MHD_OPTION_EXTERNAL_LOGGER, http_log, h,	/* must come first */
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, h->max_conns,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, request_done, h,
				MHD_OPTION_END);
	if (!h->d) {
		fail(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
		export_http_stop(h);
		return NULL;
	}
	if (pthread_create(&h->sweeper, NULL, sweep, h)) {
		fail(err, errlen, "cannot start the connection sweeper thread");
		export_http_stop(h);
		return NULL;
	}
	h->sweeping = true;
	return h;
}

void export_http_stop(struct export_http *h)
{
	if (!h)
		return;
	if (h->sweeping) {
		pthread_mutex_lock(&h->lock);
		h->stopping = true;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->sweeper, NULL);
	}
	if (h->d)
		MHD_stop_daemon(h->d);	/* closes every connection, each notified and freed */
	free(h->metrics_path);
	free(h->landing);
	free(h);
}
