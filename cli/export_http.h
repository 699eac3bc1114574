/* SPDX-License-Identifier: GPL-2.0-only */
/* fusewb export's HTTP side: a libmicrohttpd server for /metrics and a landing page. */
#ifndef FWB_EXPORT_HTTP_H
#define FWB_EXPORT_HTTP_H

#include <stddef.h>

/* Build the metrics body; malloc'd into *body (freed by the server). 0 on success. */
typedef int (*export_render_fn)(void *arg, char **body, size_t *len);

struct export_http;

/*
 * Bind and listen on "HOST:PORT", "[V6]:PORT" or ":PORT" (every IPv4 address).
 * Port 0 picks a free one; *shown gets the address really bound.
 */
int export_listen(const char *addr, int *fd, char *shown, size_t shownlen, char *err, size_t errlen);

/* Serve GET/HEAD of metrics_path (render) and "/" (a landing page) on fd. */
struct export_http *export_http_start(int fd, const char *metrics_path, export_render_fn render,
				      void *arg, char *err, size_t errlen);
void export_http_stop(struct export_http *h);

#endif
