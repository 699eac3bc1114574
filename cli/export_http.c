// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exporter's HTTP server: libmicrohttpd with a small internal thread
 * pool.  Only GET and HEAD of two paths exist; everything else gets its
 * proper status code.  Rendering is serialised by the caller.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "lib/fusewb.h"
#include "lib/prom.h"
#include "export_http.h"

#define HTTP_THREADS		2	/* rendering is serialised anyway; two keep / responsive */
#define HTTP_MAX_CONNECTIONS	256	/* beyond this MHD refuses; the backlog holds a burst */
#define HTTP_TIMEOUT_S		30	/* idle or slow clients are dropped */
#define HTTP_MAX_URL		2048	/* longer request targets get 414 */

struct export_http {
	struct MHD_Daemon *d;
	char *metrics_path;
	char *landing;
	export_render_fn render;
	void *arg;
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

static void http_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("fusewb export: http: ", stderr);
	vfprintf(stderr, fmt, ap);
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

	if (!h || !(h->metrics_path = strdup(metrics_path)) || !(h->landing = landing_page(metrics_path))) {
		fail(err, errlen, "out of memory");
		export_http_stop(h);
		return NULL;
	}
	h->render = render;
	h->arg = arg;
	h->d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				handle, h,
				MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,	/* must come first */
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_S,
				MHD_OPTION_END);
	if (!h->d) {
		fail(err, errlen, "cannot start the HTTP server (libmicrohttpd)");
		export_http_stop(h);
		return NULL;
	}
	return h;
}

void export_http_stop(struct export_http *h)
{
	if (!h)
		return;
	if (h->d)
		MHD_stop_daemon(h->d);
	free(h->metrics_path);
	free(h->landing);
	free(h);
}
