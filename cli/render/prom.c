// SPDX-License-Identifier: GPL-2.0-only
/*
 * Prometheus text exposition 0.0.4 of a snapshot.  Counters are the
 * snapshot's own values, cumulative since the collector loaded (its maps
 * are never reset), so they never go backwards while the exporter runs.
 * Values the kernel did not give (-1 in the snapshot) are left out, never
 * reported as 0.
 *
 * A scrape of a busy host is tens of thousands of lines, so the text is
 * built in one growing buffer with plain copies; printf is kept for the
 * rare lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "prom.h"
#include "lib/diag.h"

#define NBOUNDS (FWB_PROM_LAST_SLOT - FWB_PROM_FIRST_SLOT + 1)

struct out {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool grow(struct out *o, size_t n)
{
	size_t cap = o->cap ? o->cap : 65536;
	char *np;

	if (o->oom)
		return false;
	while (cap - o->len < n + 1)
		cap *= 2;
	if (cap == o->cap)
		return true;
	np = realloc(o->p, cap);
	if (!np) {
		o->oom = true;
		return false;
	}
	o->p = np;
	o->cap = cap;
	return true;
}

static void o_mem(struct out *o, const char *s, size_t n)
{
	if (o->cap - o->len < n + 1 && !grow(o, n))
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void o_str(struct out *o, const char *s)
{
	o_mem(o, s, strlen(s));
}

static void o_ch(struct out *o, char c)
{
	o_mem(o, &c, 1);
}

static void o_u64(struct out *o, uint64_t v)
{
	char b[24];
	int i = sizeof(b);

	do {
		b[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	o_mem(o, b + i, sizeof(b) - i);
}

static void o_i64(struct out *o, int64_t v)
{
	if (v < 0) {
		o_ch(o, '-');
		o_u64(o, -(uint64_t)v);
	} else {
		o_u64(o, v);
	}
}

static void __attribute__((format(printf, 2, 3))) o_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(o, n))
		return;
	va_start(ap, fmt);
	vsnprintf(o->p + o->len, n + 1, fmt, ap);
	va_end(ap);
	o->len += n;
}

/* A sysfs percentage as a fraction, exactly: 1 -> 0.01, 50 -> 0.5, 100 -> 1 (as %g prints them). */
/* v / 10^digits as an exact decimal without trailing zeros: (1, 2) "0.01", (885, 6) "0.000885" */
static void o_fixed(struct out *o, int64_t v, int digits)
{
	char frac[16];
	int64_t scale = 1;
	int n;

	for (int i = 0; i < digits; i++)
		scale *= 10;
	o_u64(o, v / scale);
	if (!(v % scale))
		return;
	n = snprintf(frac, sizeof(frac), ".%0*lld", digits, (long long)(v % scale));
	while (frac[n - 1] == '0')
		n--;
	o_mem(o, frac, n);
}

/* Nanoseconds as exact decimal seconds ("1.500000000"), no float rounding. */
static void o_seconds(struct out *o, uint64_t ns)
{
	char frac[10];
	uint32_t f = ns % 1000000000ULL;

	o_u64(o, ns / 1000000000ULL);
	frac[0] = '.';
	for (int i = 9; i > 0; i--, f /= 10)
		frac[i] = '0' + f % 10;
	o_mem(o, frac, sizeof(frac));
}

static void family(struct out *o, const char *name, const char *type, const char *help)
{
	o_fmt(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Accept one well-formed UTF-8 sequence at s; its length, 0 if malformed. */
static int utf8_len(const unsigned char *s)
{
	uint32_t cp;
	int n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void o_label(struct out *o, const char *v)
{
	const unsigned char *s = (const unsigned char *)(v ? v : "");

	while (*s) {
		int n = utf8_len(s);

		if (!n) {
			o_str(o, "\xef\xbf\xbd");
			s++;
		} else if (*s == '\\' || *s == '"') {
			o_ch(o, '\\');
			o_ch(o, *s++);
		} else if (*s == '\n') {
			o_str(o, "\\n");
			s++;
		} else {
			o_mem(o, (const char *)s, n);
			s += n;
		}
	}
}

char *fwb_prom_label_escape(const char *v)
{
	struct out o = {0};

	o_label(&o, v);
	if (!grow(&o, 0)) {
		free(o.p);
		return NULL;
	}
	o.p[o.len] = 0;
	return o.p;
}

/* A string with its length: the hot loops copy, they never measure. */
struct str {
	const char *p;
	size_t n;
};

#define STR(lit) ((struct str){ lit, sizeof(lit) - 1 })

static void o_s(struct out *o, struct str s)
{
	o_mem(o, s.p, s.n);
}

/* "name_suffix{labels} ": a sample line up to its value */
static void series(struct out *o, struct str name, struct str suffix, struct str labels)
{
	o_s(o, name);
	o_s(o, suffix);
	o_ch(o, '{');
	o_s(o, labels);
	o_s(o, STR("} "));
}

/* mountpoint, fstype, connection: the labels every per-mount series carries */
static void mount_labels(struct out *o, const struct fwb_mount *m)
{
	o_str(o, "mountpoint=\"");
	o_label(o, m->mountpoint);
	o_str(o, "\",fstype=\"");
	o_label(o, m->fstype);
	o_str(o, "\",connection=\"");
	o_u64(o, m->conn);
	o_ch(o, '"');
}

/* Every mount's label text in one buffer; labels[i] is empty (p NULL) when out of memory. */
struct labels {
	struct out buf;
	struct str *l;
};

static bool labels_build(struct labels *L, const struct fwb_snapshot *s)
{
	size_t *off = calloc(s->nmounts + 1, sizeof(*off));

	L->l = calloc(s->nmounts + 1, sizeof(*L->l));
	if (!off || !L->l) {
		free(off);
		return false;
	}
	for (int i = 0; i < s->nmounts; i++) {
		off[i] = L->buf.len;
		mount_labels(&L->buf, &s->mounts[i]);
	}
	off[s->nmounts] = L->buf.len;
	for (int i = 0; i < s->nmounts && !L->buf.oom; i++)
		L->l[i] = (struct str){ L->buf.p + off[i], off[i + 1] - off[i] };
	free(off);
	return !L->buf.oom;
}

static void labels_free(struct labels *L)
{
	free(L->buf.p);
	free(L->l);
}

typedef struct str le_table[NBOUNDS];

/* Which log2 slots' upper bounds a histogram exposes: first, then every step-th. */
struct layout {
	int first, step;
};

static const struct layout wb_layout = { FWB_PROM_FIRST_SLOT, 1 };
static const struct layout req_layout = { FWB_PROM_REQUEST_FIRST_SLOT, FWB_PROM_REQUEST_STEP };

/*
 * A log2 histogram as cumulative buckets at the bounds of layout ly.
 * _count is the buckets' own total rather than the map's request counter,
 * so +Inf and _count always agree even when a scrape lands between the two
 * per-CPU increments.
 */
static void hist(struct out *o, struct str name, struct str labels, const struct fwb_hist *h,
		 const le_table le, struct layout ly)
{
	size_t pre = o->len, plen;
	uint64_t cum = 0;
	int i;

	/* the bucket lines differ only in le and count: compose the rest once, then copy it */
	o_s(o, name);
	o_s(o, STR("_bucket{"));
	o_s(o, labels);
	o_s(o, STR(",le=\""));
	if (o->oom)
		return;
	plen = o->len - pre;
	for (i = 0; i < ly.first; i++)
		cum += h->slots[i];
	for (i = ly.first; i <= FWB_PROM_LAST_SLOT; i++) {
		cum += h->slots[i];
		if ((i - ly.first) % ly.step)
			continue;
		if (i != ly.first && grow(o, plen))	/* the first one is in place */
			o_mem(o, o->p + pre, plen);
		o_s(o, le[i - FWB_PROM_FIRST_SLOT]);
		o_s(o, STR("\"} "));
		o_u64(o, cum);
		o_ch(o, '\n');
	}
	for (; i < FWB_HIST_SLOTS; i++)
		cum += h->slots[i];
	if (grow(o, plen))
		o_mem(o, o->p + pre, plen);
	o_s(o, STR("+Inf\"} "));
	o_u64(o, cum);
	o_ch(o, '\n');
	series(o, name, STR("_sum"), labels);
	o_seconds(o, h->sum_ns);
	o_ch(o, '\n');
	series(o, name, STR("_count"), labels);
	o_u64(o, cum);
	o_ch(o, '\n');
}

/*
 * Histogram text by (connection, opcode) from the last scrape.  On a host
 * with many mounts most are idle between two scrapes, and their histograms
 * are most of the exposition: a histogram whose buckets and labels are
 * unchanged is copied instead of formatted again, byte for byte the same.
 * Entries a scrape did not use (the mount or opcode went away) are dropped
 * at its end, so the cache holds at most one scrape's histograms.
 */
struct hist_entry {
	bool used;
	uint64_t key;		/* connection << 32 | opcode (FWB_OP_WRITEBACK for the writeback histogram) */
	uint64_t gen;		/* the scrape that last used it */
	uint64_t sig;		/* hist_sig() of the histogram the text shows */
	char *text;		/* malloc'd, out of the table to keep it small */
	size_t len;
};

/*
 * A 64-bit signature of a histogram: the text is reused when it matches,
 * without reading the old histogram back (a cache miss per bucket line).
 * The histograms are counters, so any change also changes their total and
 * sum; the hash of the buckets guards against the rest.
 */
static uint64_t hist_sig(const struct fwb_hist *h)
{
	uint64_t x = 0xcbf29ce484222325ULL;

	for (int i = 0; i < FWB_HIST_SLOTS; i++)
		x = (x ^ h->slots[i]) * 0x100000001b3ULL;
	x = (x ^ h->count) * 0x100000001b3ULL;
	x = (x ^ h->sum_ns) * 0x100000001b3ULL;
	return x ^ h->max_ns;
}

#define KWB_CACHE_KEY	(FWB_OP_WRITEBACK << 1)	/* no opcode: the kernel-timed histogram */

struct fwb_prom_cache {
	struct hist_entry *e;
	size_t cap, n;		/* cap: a power of two, at least twice n */
	uint64_t gen;
};

struct fwb_prom_cache *fwb_prom_cache_new(void)
{
	return calloc(1, sizeof(struct fwb_prom_cache));
}

void fwb_prom_cache_free(struct fwb_prom_cache *c)
{
	for (size_t i = 0; c && i < c->cap; i++)
		free(c->e[i].text);
	if (c)
		free(c->e);
	free(c);
}

static struct hist_entry *cache_slot(struct hist_entry *e, size_t cap, uint64_t key)
{
	size_t i = (key * 0x9e3779b97f4a7c15ULL) >> 32;

	for (;; i++)
		if (!e[i & (cap - 1)].used || e[i & (cap - 1)].key == key)
			return &e[i & (cap - 1)];
}

/* Re-hash into cap slots, keeping the entries of scrape gen (all when gen is 0). */
static bool cache_rehash(struct fwb_prom_cache *c, size_t cap, uint64_t gen)
{
	struct hist_entry *ne = calloc(cap, sizeof(*ne));

	if (!ne)
		return false;
	c->n = 0;
	for (size_t i = 0; i < c->cap; i++) {
		struct hist_entry *old = &c->e[i];

		if (!old->used)
			continue;
		if (gen && old->gen != gen) {
			free(old->text);
			continue;
		}
		*cache_slot(ne, cap, old->key) = *old;
		c->n++;
	}
	free(c->e);
	c->e = ne;
	c->cap = cap;
	return true;
}

static struct hist_entry *cache_get(struct fwb_prom_cache *c, uint64_t key)
{
	struct hist_entry *e;

	if ((c->n + 1) * 2 > c->cap && !cache_rehash(c, c->cap ? c->cap * 2 : 256, 0))
		return NULL;
	e = cache_slot(c->e, c->cap, key);
	if (!e->used) {
		e->used = true;
		e->key = key;
		c->n++;
	}
	e->gen = c->gen;
	return e;
}

/* after a scrape: forget what it did not use */
static void cache_sweep(struct fwb_prom_cache *c)
{
	size_t live = 0;

	for (size_t i = 0; i < c->cap; i++)
		live += c->e[i].used && c->e[i].gen == c->gen;
	if (live != c->n)
		cache_rehash(c, c->cap, c->gen);
}

/* hist() through the cache: the text starts with name "_bucket{" labels ",le=" */
static void hist_cached(struct out *o, struct fwb_prom_cache *c, uint64_t key, struct str name,
			struct str labels, const struct fwb_hist *h, const le_table le, struct layout ly)
{
	size_t at = name.n + 8, start = o->len;
	struct hist_entry *e = c ? cache_get(c, key) : NULL;
	uint64_t sig = c ? hist_sig(h) : 0;
	char *t;

	if (e && e->text && e->sig == sig && e->len > at + labels.n &&
	    !memcmp(e->text + at, labels.p, labels.n) && e->text[at + labels.n] == ',') {
		o_mem(o, e->text, e->len);
		return;
	}
	hist(o, name, labels, h, le, ly);
	if (!e || o->oom || !(t = realloc(e->text, o->len - start)))
		return;
	memcpy(t, o->p + start, o->len - start);
	e->text = t;
	e->len = o->len - start;
	e->sig = sig;
}

/*
 * How a snapshot field becomes a sample.  For the signed kinds a negative
 * value means "unknown" and the sample is skipped, except CLAMP0: a gauge
 * summed over CPUs that can be transiently negative but is always known.
 */
enum kind { U64, I64, CLAMP0, CLAMP0_PAGES_AS_BYTES, RATIO_PCT, CAP_RATIO, PAGES_AS_BYTES, NS_AS_SECONDS };

struct per_mount {
	const char *name, *type, *help;
	size_t off;		/* field offset in struct fwb_mount */
	enum kind kind;
	int width;		/* 4 (int) or 8 bytes, for the signed kinds */
	uint32_t need;		/* FWB_KWB_* bits a source must feed (kernels before 6.16), 0: always */
};

/* in need: fed by the balance_dirty_pages program, left out where it is not in use */
#define NEED_THROTTLE	0x80000000u
/* in need: from the request table, left out for a mount it could not hold (fusewb_mount_tracked 0) */
#define NEED_TRACKED	0x40000000u
/* in need: fed by the request sources, left out where none is in use */
#define NEED_REQUESTS	0x20000000u
/* in need: the kernel says when the daemon reads a request (fuse_request_sent) */
#define NEED_SPLIT	0x10000000u

#define FIELD(fld) offsetof(struct fwb_mount, fld)
#define WIDTH(fld) ((int)sizeof(((struct fwb_mount *)0)->fld))

/* one per-mount series: its field's offset and width come from the field itself */
#define M(name, type, fld, kind, need, help) { name, type, help, FIELD(fld), kind, WIDTH(fld), need }

static const struct per_mount per_mount[] = {
	M("fusewb_writeback_writes_total", "counter", wb_writes, U64, NEED_TRACKED | NEED_REQUESTS,
	  "Writeback WRITE requests completed by the daemon."),
	M("fusewb_writeback_bytes_total", "counter", wb_bytes, U64, NEED_TRACKED | NEED_REQUESTS,
	  "Bytes carried by completed writeback WRITE requests."),
	M("fusewb_writeback_pages_total", "counter", wb_pages, U64, NEED_TRACKED | NEED_REQUESTS,
	  "Pages carried by completed writeback WRITE requests."),
	M("fusewb_writeback_errors_total", "counter", wb_errors, U64, NEED_TRACKED | NEED_REQUESTS,
	  "Writeback WRITE requests the daemon answered with an error."),
	/*
	 * Memory in base units, as every _bytes series beside it; counters of
	 * pages (_pages_total) count events, like _writes_total, and stay counts.
	 */
	M("fusewb_writeback_inflight_bytes", "gauge", wb_inflight_pages, CLAMP0_PAGES_AS_BYTES, NEED_TRACKED | NEED_REQUESTS,
	  "Page cache in writeback WRITE requests sent to the daemon and not yet answered (whole pages)."),
	M("fusewb_bdi_dirty_bytes", "gauge", bdi_dirty_pages, PAGES_AS_BYTES, 0,
	  "Dirty page cache of the mount's bdi (BdiReclaimable in debugfs)."),
	M("fusewb_bdi_writeback_bytes", "gauge", bdi_writeback_pages, PAGES_AS_BYTES, 0,
	  "Page cache of the mount's bdi under writeback (BdiWriteback in debugfs)."),
	M("fusewb_bdi_dirty_limit_bytes", "gauge", bdi_thresh_pages, PAGES_AS_BYTES, 0,
	  "Dirty threshold of the mount's bdi (BdiDirtyThresh in debugfs): throttling starts near it."),
	M("fusewb_bdi_dirty_peak_bytes", "gauge", peak_dirty_pages, PAGES_AS_BYTES, NEED_THROTTLE,
	  "Most dirty+writeback memory of the bdi a balance_dirty_pages event saw since the previous scrape."),
	M("fusewb_bdi_dirty_peak_limit_bytes", "gauge", peak_limit_pages, PAGES_AS_BYTES, NEED_THROTTLE,
	  "The bdi's dirty limit at that event (from its wb_setpoint, limit and setpoint)."),
	{ "fusewb_bdi_max_ratio", "gauge",
	  "The bdi's dirty cap as a fraction of the global dirty limit (sysfs max_ratio_fine / 1e6; max_ratio / 100 before 6.2).",
	  0, CAP_RATIO, 8, 0 },
	M("fusewb_bdi_min_ratio", "gauge", min_ratio, RATIO_PCT, 0,
	  "The bdi's min_ratio as a fraction (sysfs percent / 100) of the global dirty limit."),
	M("fusewb_bdi_strict_limit", "gauge", strict_limit, I64, 0,
	  "1 when the bdi's strict_limit is set (its own dirty limit is enforced)."),
	M("fusewb_bdi_max_bytes", "gauge", max_bytes, I64, 0,
	  "The bdi's max_bytes dirty limit in sysfs (the same cap as max_ratio, at the current global limit)."),
	M("fusewb_bdi_dirty_cap_bytes", "gauge", cap_pages, PAGES_AS_BYTES, 0,
	  "The bdi's dirty cap: the global dirty limit (debugfs DirtyThresh) times max_ratio."),
	M("fusewb_bdi_dirty_limit_capped", "gauge", cap_binds, I64, 0,
	  "1 when the cap sets the bdi's dirty threshold, 0 when its share of recent writeback (below the cap) does."),
	M("fusewb_throttle_seconds_total", "counter", throttle_ns, NS_AS_SECONDS, NEED_THROTTLE,
	  "Time writers spent paused in balance_dirty_pages on this bdi."),
	M("fusewb_throttle_pauses_total", "counter", throttle_count, U64, NEED_THROTTLE,
	  "balance_dirty_pages pauses on this bdi."),
	M("fusewb_pending_requests", "gauge", pending_count, U64, NEED_REQUESTS,
	  "Requests sent to the daemon and not yet answered."),
	M("fusewb_pending_oldest_age_seconds", "gauge", pending_oldest_ns, NS_AS_SECONDS, NEED_REQUESTS,
	  "Age of the oldest unanswered request; grows without bound when the daemon hangs."),
	M("fusewb_pending_oldest_age_lower_bound", "gauge", pending_oldest_min, I64, NEED_REQUESTS,
	  "1 when the oldest age is only a lower bound: a request taken in at start on a kernel without create_time."),
	M("fusewb_connection_waiting_requests", "gauge", waiting, I64, 0,
	  "Requests waiting on the connection (fusectl 'waiting')."),
	M("fusewb_connection_max_background", "gauge", max_background, I64, 0,
	  "Background request limit of the connection (fusectl 'max_background')."),
	M("fusewb_connection_congestion_threshold", "gauge", congestion_threshold, I64, 0,
	  "Background requests at which the connection counts as congested (fusectl)."),
	/* the kernel's own view of temp-page writeback: kernels before 6.16, patched or probed */
	M("fusewb_writeback_temp_inflight_bytes", "gauge", tmp_inflight_pages, CLAMP0_PAGES_AS_BYTES,
	  FWB_KWB_TEMP | FWB_KWB_CLOSE,
	  "Temporary writeback pages (NR_WRITEBACK_TEMP) of the mount whose request is not yet released, in bytes."),
	M("fusewb_writeback_temp_allocated_pages_total", "counter", tmp_alloc_pages, U64, FWB_KWB_TEMP,
	  "Temporary writeback pages allocated (each a copy of a dirty page)."),
	M("fusewb_writeback_temp_completed_pages_total", "counter", tmp_end_pages, U64, FWB_KWB_TEMP,
	  "Temporary writeback pages whose WRITE completed."),
	M("fusewb_writeback_temp_orphaned_pages_total", "counter", tmp_orphan_pages, U64, FWB_KWB_TEMP | FWB_KWB_CLOSE,
	  "Temporary writeback pages released without a completed WRITE (merged, truncated, aborted)."),
	M("fusewb_writeback_temp_requests_closed_total", "counter", kwb_closed, U64, FWB_KWB_TEMP | FWB_KWB_CLOSE,
	  "Temp-page WRITE requests the kernel released (fuse_writepage_free), completed or not."),
	M("fusewb_writeback_temp_requests_orphaned_total", "counter", kwb_orphans, U64, FWB_KWB_TEMP | FWB_KWB_CLOSE,
	  "Of those, released without a completed WRITE (merged into a queued one, truncated, aborted)."),
	M("fusewb_writeback_temp_requests_untracked_total", "counter", kwb_untracked, U64, FWB_KWB_TEMP,
	  "Temp-page WRITE requests not tracked (the collector's table was full): missing from the temp page series."),
	M("fusewb_kernel_writeback_errors_total", "counter", kwb_errors, U64, FWB_KWB_LAT,
	  "Temp-page WRITEs the kernel completed with an error."),
	M("fusewb_redirty_waits_total", "counter", redirty_waits, U64, FWB_KWB_REDIRTY,
	  "Waits of a task about to dirty a page again until its previous WRITE completed."),
	M("fusewb_redirty_wait_seconds_total", "counter", redirty_wait_ns, NS_AS_SECONDS, FWB_KWB_REDIRTY,
	  "Time tasks spent in those waits."),
	M("fusewb_redirty_wait_max_seconds", "gauge", redirty_wait_max_ns, NS_AS_SECONDS, FWB_KWB_REDIRTY,
	  "The longest of those waits since the exporter started."),
	/* fuse_set_nowrite: fsync, flush, setattr/truncate and direct I/O wait for all the inode's WRITEs */
	M("fusewb_nowrite_waits_total", "counter", nowrite_waits, U64, FWB_KWB_NOWRITE,
	  "Waits of a task for every writeback WRITE of an inode (fsync, flush, truncate, direct I/O)."),
	M("fusewb_nowrite_wait_seconds_total", "counter", nowrite_wait_ns, NS_AS_SECONDS, FWB_KWB_NOWRITE,
	  "Time tasks spent in those waits."),
	M("fusewb_nowrite_wait_max_seconds", "gauge", nowrite_wait_max_ns, NS_AS_SECONDS, FWB_KWB_NOWRITE,
	  "The longest of those waits since the exporter started."),
	/* the queue/serve split: kernels with fuse_request_sent only (mainline, the patched 6.12) */
	M("fusewb_writeback_split_writes_total", "counter", wb_split.count, U64,
	  NEED_TRACKED | NEED_REQUESTS | NEED_SPLIT,
	  "Writeback WRITEs timed from send to the daemon's read and from the read to the answer."),
	M("fusewb_writeback_queue_seconds_total", "counter", wb_split.queue_sum_ns, NS_AS_SECONDS,
	  NEED_TRACKED | NEED_REQUESTS | NEED_SPLIT,
	  "Time those WRITEs waited for the daemon to read them (queued in the kernel)."),
	M("fusewb_writeback_serve_seconds_total", "counter", wb_split.serve_sum_ns, NS_AS_SECONDS,
	  NEED_TRACKED | NEED_REQUESTS | NEED_SPLIT,
	  "Time those WRITEs spent in the daemon, from its read to its answer."),
	M("fusewb_pending_in_service_requests", "gauge", pending_in_service, U64, NEED_REQUESTS | NEED_SPLIT,
	  "Pending requests the daemon has read and not yet answered (the rest are queued for it)."),
};

static int64_t field_i64(const struct fwb_mount *m, const struct per_mount *p)
{
	const char *base = (const char *)m + p->off;

	/* the cap in ppm: max_ratio_fine where the kernel has it (6.2+), else whole percents */
	if (p->kind == CAP_RATIO)
		return m->max_ratio_fine >= 0 ? m->max_ratio_fine : m->max_ratio >= 0 ? m->max_ratio * 10000LL : -1;

	if (p->width == 4)
		return *(const int *)base;
	return *(const int64_t *)base;
}

static void value(struct out *o, const struct fwb_mount *m, const struct per_mount *p, long page_size)
{
	int64_t v;

	if (p->kind == U64) {
		o_u64(o, *(const uint64_t *)((const char *)m + p->off));
		return;
	}
	if (p->kind == NS_AS_SECONDS) {
		o_seconds(o, *(const uint64_t *)((const char *)m + p->off));
		return;
	}
	v = field_i64(m, p);
	if ((p->kind == CLAMP0 || p->kind == CLAMP0_PAGES_AS_BYTES) && v < 0)
		v = 0;
	if (p->kind == RATIO_PCT)
		o_fixed(o, v, 2);
	else if (p->kind == CAP_RATIO)
		o_fixed(o, v, 6);
	else if (p->kind == PAGES_AS_BYTES || p->kind == CLAMP0_PAGES_AS_BYTES)
		o_i64(o, v * page_size);
	else
		o_i64(o, v);
}

static bool known(const struct fwb_mount *m, const struct per_mount *p)
{
	uint32_t have = m->kwb_have | (m->throttle_have ? NEED_THROTTLE : 0) | (m->ops_untracked ? 0 : NEED_TRACKED) |
			(m->req_unknown ? 0 : NEED_REQUESTS) | (m->split_have ? NEED_SPLIT : 0);

	if ((have & p->need) != p->need)
		return false;
	if (p->kind == U64 || p->kind == NS_AS_SECONDS || p->kind == CLAMP0 || p->kind == CLAMP0_PAGES_AS_BYTES)
		return true;
	return field_i64(m, p) >= 0;
}

static void write_mount_values(struct out *o, const struct fwb_snapshot *s, const struct str *labels,
			       long page_size)
{
	for (size_t j = 0; j < sizeof(per_mount) / sizeof(per_mount[0]); j++) {
		const struct per_mount *p = &per_mount[j];
		struct str name = { p->name, strlen(p->name) };

		family(o, p->name, p->type, p->help);
		for (int i = 0; i < s->nmounts; i++) {
			const struct fwb_mount *m = &s->mounts[i];

			if (!known(m, p))
				continue;
			series(o, name, STR(""), labels[i]);
			value(o, m, p, page_size);
			o_ch(o, '\n');
		}
	}
}

static void write_info(struct out *o, const struct fwb_snapshot *s, const struct str *labels)
{
	family(o, "fusewb_mount_info", "gauge",
	       "Always 1: a FUSE mount fusewb sees, with its bdi and mount source.");
	for (int i = 0; i < s->nmounts; i++) {
		o_s(o, STR("fusewb_mount_info{"));
		o_s(o, labels[i]);
		o_s(o, STR(",bdi=\""));
		o_label(o, s->mounts[i].bdi);
		o_str(o, "\",source=\"");
		o_label(o, s->mounts[i].source);
		o_str(o, "\"} 1\n");
	}
}

static void write_tracked(struct out *o, const struct fwb_snapshot *s, const struct str *labels)
{
	family(o, "fusewb_mount_tracked", "gauge",
	       "1 when the mount's requests are counted; 0 when the request table was full as it began "
	       "(--tracked-mounts): its writeback and request series are then absent, not 0.");
	for (int i = 0; i < s->nmounts; i++) {
		series(o, STR("fusewb_mount_tracked"), STR(""), labels[i]);
		o_s(o, s->mounts[i].ops_untracked ? STR("0\n") : STR("1\n"));
	}
}

static void write_daemons(struct out *o, const struct fwb_snapshot *s, const struct str *labels)
{
	family(o, "fusewb_daemon_processes", "gauge",
	       "Processes holding the connection's /dev/fuse open; 0 means the daemon is gone.");
	for (int i = 0; i < s->nmounts; i++) {
		series(o, STR("fusewb_daemon_processes"), STR(""), labels[i]);
		o_u64(o, s->mounts[i].ndaemons);
		o_ch(o, '\n');
	}
}

/*
 * diagnose's verdict per mount, as one series whose state label changes:
 * an alert tells "network" or "stopped_transport" (lossless to wait or
 * resume) from "daemon_gone" or "not_answering" (the daemon's own).
 */
static void write_states(struct out *o, const struct fwb_snapshot *s, const struct str *labels,
			 const struct fwb_daemon_state *st)
{
	family(o, "fusewb_daemon_state", "gauge",
	       "Always 1, one per mount: the state label is fusewb diagnose's verdict (healthy, "
	       "daemon_stopped, stopped_transport, network, helper_blocked, not_answering, "
	       "daemon_gone...), read from the kernel when a request waits over 1 s.");
	for (int i = 0; i < s->nmounts; i++) {
		o_s(o, STR("fusewb_daemon_state{"));
		o_s(o, labels[i]);
		o_str(o, ",state=\"");
		o_str(o, fwb_verdict_name(st[i].verdict));
		o_str(o, "\"} 1\n");
	}
}

/* labels of mount m plus its opcode, composed in scratch (reused: no allocation per series) */
static struct str op_labels(struct out *scratch, struct str mount, uint32_t opcode)
{
	scratch->len = 0;
	o_s(scratch, mount);
	o_s(scratch, STR(",opcode=\""));
	o_str(scratch, fwb_opcode_name(opcode));
	o_ch(scratch, '"');
	return (struct str){ scratch->p, scratch->oom ? 0 : scratch->len };
}

/* in write_op_counter's flags: the value is in ns, shown in seconds */
#define OPC_NS		0x1
/* only for mounts whose kernel says when the daemon reads a request (the queue/serve split) */
#define OPC_SPLIT	0x2

/*
 * one sample per mount and opcode (writeback WRITEs left out) of the
 * uint64_t at off in its struct fwb_op
 */
static void write_op_counter(struct out *o, const struct fwb_snapshot *s, const struct str *labels,
			     struct str name, size_t off, struct out *scratch, unsigned flags)
{
	for (int i = 0; i < s->nmounts; i++) {
		const struct fwb_mount *m = &s->mounts[i];

		if ((flags & OPC_SPLIT) && !m->split_have)
			continue;
		for (int j = 0; j < m->nops; j++) {
			if (m->ops[j].opcode & FWB_OP_WRITEBACK)
				continue;
			series(o, name, STR(""), op_labels(scratch, labels[i], m->ops[j].opcode));
			if (flags & OPC_NS)
				o_seconds(o, *(const uint64_t *)((const char *)&m->ops[j] + off));
			else
				o_u64(o, *(const uint64_t *)((const char *)&m->ops[j] + off));
			o_ch(o, '\n');
		}
	}
}

static void write_histograms(struct out *o, const struct fwb_snapshot *s, const struct str *labels,
			     const le_table le, bool requests, struct fwb_prom_cache *c)
{
	static const struct str wb = STR("fusewb_writeback_write_duration_seconds");
	static const struct str req = STR("fusewb_request_duration_seconds");
	static const struct str kwb = STR("fusewb_kernel_writeback_write_duration_seconds");
	static const struct str err = STR("fusewb_request_errors_total");
	static const struct str cnt = STR("fusewb_requests_total");
	struct out scratch = {0};

	family(o, wb.p, "histogram", "Writeback WRITE requests from send to the daemon's answer.");
	for (int i = 0; i < s->nmounts; i++)
		if (!s->mounts[i].ops_untracked && !s->mounts[i].req_unknown)
			hist_cached(o, c, (uint64_t)s->mounts[i].conn << 32 | FWB_OP_WRITEBACK, wb, labels[i],
				    &s->mounts[i].wb_lat, le, wb_layout);

	family(o, kwb.p, "histogram",
	       "Temp-page writeback WRITEs from their first temp page to completion (kernels before "
	       "6.16); includes the queueing before the send.");
	for (int i = 0; i < s->nmounts; i++)
		if (s->mounts[i].kwb_have & FWB_KWB_LAT)
			hist_cached(o, c, (uint64_t)s->mounts[i].conn << 32 | KWB_CACHE_KEY, kwb, labels[i],
				    &s->mounts[i].kwb_lat, le, wb_layout);
	if (!requests)
		return;

	family(o, req.p, "histogram",
	       "FUSE requests from send to answer, per opcode (bounds 8x apart), of those timed: one in "
	       "FUSEWB_TIME_EVERY and each CPU's first in a jiffy, so _count is a sample "
	       "(fusewb_requests_total counts all); writeback WRITEs are in "
	       "fusewb_writeback_write_duration_seconds instead.");
	for (int i = 0; i < s->nmounts; i++) {
		const struct fwb_mount *m = &s->mounts[i];

		for (int j = 0; j < m->nops; j++)
			if (!(m->ops[j].opcode & FWB_OP_WRITEBACK))
				hist_cached(o, c, (uint64_t)m->conn << 32 | m->ops[j].opcode, req,
					    op_labels(&scratch, labels[i], m->ops[j].opcode), &m->ops[j].lat,
					    le, req_layout);
	}

	family(o, "fusewb_requests_total", "counter",
	       "FUSE requests answered, per opcode, every one (writeback WRITEs excluded).");
	write_op_counter(o, s, labels, cnt, offsetof(struct fwb_op, count), &scratch, 0);
	family(o, "fusewb_request_errors_total", "counter",
	       "FUSE requests answered with an error, per opcode (writeback WRITEs excluded).");
	write_op_counter(o, s, labels, err, offsetof(struct fwb_op, errors), &scratch, 0);
	/* the queue/serve split, on kernels with fuse_request_sent */
	family(o, "fusewb_request_split_total", "counter",
	       "Timed FUSE requests seen both read by the daemon and answered, per opcode.");
	write_op_counter(o, s, labels, STR("fusewb_request_split_total"), offsetof(struct fwb_op, split.count),
			 &scratch, OPC_SPLIT);
	family(o, "fusewb_request_queue_seconds_total", "counter",
	       "Their time queued for the daemon (send to read), per opcode.");
	write_op_counter(o, s, labels, STR("fusewb_request_queue_seconds_total"),
			 offsetof(struct fwb_op, split.queue_sum_ns), &scratch, OPC_SPLIT | OPC_NS);
	family(o, "fusewb_request_serve_seconds_total", "counter",
	       "Their time in the daemon (read to answer), per opcode.");
	write_op_counter(o, s, labels, STR("fusewb_request_serve_seconds_total"),
			 offsetof(struct fwb_op, split.serve_sum_ns), &scratch, OPC_SPLIT | OPC_NS);
	if (scratch.oom)
		o->oom = true;
	free(scratch.p);
}

static void write_vm(struct out *o, const struct fwb_vmstat *vm, long page_size)
{
	static const struct { const char *name, *help; size_t off; } v[] = {
		{ "fusewb_vm_dirty_bytes", "Dirty page cache of the whole system (nr_dirty).",
		  offsetof(struct fwb_vmstat, nr_dirty) },
		{ "fusewb_vm_writeback_bytes", "Page cache under writeback, whole system (nr_writeback).",
		  offsetof(struct fwb_vmstat, nr_writeback) },
		{ "fusewb_vm_writeback_temp_bytes", "Temporary writeback buffers (nr_writeback_temp).",
		  offsetof(struct fwb_vmstat, nr_writeback_temp) },
		{ "fusewb_vm_dirty_threshold_bytes", "Global dirty limit (nr_dirty_threshold).",
		  offsetof(struct fwb_vmstat, dirty_threshold) },
		{ "fusewb_vm_dirty_background_threshold_bytes",
		  "Global background writeback threshold (nr_dirty_background_threshold).",
		  offsetof(struct fwb_vmstat, dirty_background_threshold) },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t x = *(const int64_t *)((const char *)vm + v[i].off);

		family(o, v[i].name, "gauge", v[i].help);
		if (x >= 0)
			o_fmt(o, "%s %lld\n", v[i].name, (long long)x * page_size);
	}
}

static const char *state_label(enum fwb_source_state st)
{
	switch (st) {
	case FWB_SRC_IN_USE: return "in_use";
	case FWB_SRC_AVAILABLE: return "available";
	case FWB_SRC_FAILED: return "failed";
	case FWB_SRC_LOST: return "lost";
	default: return "unavailable";
	}
}

static void write_self(struct out *o, const struct fwb_snapshot *s, const struct fwb_prom_ctx *c)
{
	static const struct { const char *reason; size_t off; } drops[] = {
		{ "pending_full", offsetof(struct fwb_drops, pending_full) },
		{ "unmatched_end", offsetof(struct fwb_drops, unmatched_end) },
		{ "opstats_full", offsetof(struct fwb_drops, opstats_full) },
		{ "taskstats_full", offsetof(struct fwb_drops, taskstats_full) },
		{ "bdistats_full", offsetof(struct fwb_drops, bdistats_full) },
		{ "wbreqs_full", offsetof(struct fwb_drops, wbreqs_full) },
		{ "wbreq_unmatched", offsetof(struct fwb_drops, wbreq_unmatched) },
		{ "kwbstats_full", offsetof(struct fwb_drops, kwbstats_full) },
	};

	family(o, "fusewb_mounts", "gauge", "FUSE connections exported.");
	o_fmt(o, "fusewb_mounts %d\n", s->nmounts);
	family(o, "fusewb_collector_drops_total", "counter",
	       "Events the BPF collector could not account, by reason (full tables, ends without a send).");
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
		o_fmt(o, "fusewb_collector_drops_total{reason=\"%s\"} %llu\n", drops[i].reason,
		      (unsigned long long)*(const __u64 *)((const char *)&s->drops + drops[i].off));
	family(o, "fusewb_source_info", "gauge",
	       "Always 1: a data source of the collector, its state (in_use, available, failed, unavailable, lost) and why it is not in use.");
	for (int i = 0; i < c->nsrcs; i++) {
		o_str(o, "fusewb_source_info{group=\"");
		o_label(o, c->srcs[i].group);
		o_str(o, "\",source=\"");
		o_label(o, c->srcs[i].name);
		o_fmt(o, "\",state=\"%s\",reason=\"", state_label(c->srcs[i].state));
		o_label(o, c->srcs[i].state == FWB_SRC_IN_USE ? "" : c->srcs[i].reason);
		o_str(o, "\"} 1\n");
	}
	/* node_exporter's convention: the version as a label of a constant 1 */
	family(o, "fusewb_build_info", "gauge", "Always 1: the version of the fusewb exporter serving.");
	o_str(o, "fusewb_build_info{version=\"");
	o_label(o, fwb_version());
	o_str(o, "\"} 1\n");
	family(o, "fusewb_exporter_scrapes_total", "counter", "Scrapes served since the exporter started.");
	o_fmt(o, "fusewb_exporter_scrapes_total %llu\n", (unsigned long long)c->scrapes);
	family(o, "fusewb_scrape_duration_seconds", "gauge",
	       "Time this scrape spent reading BPF maps, mountinfo and sysfs.");
	if (c->collect_seconds >= 0)
		o_fmt(o, "fusewb_scrape_duration_seconds %.6f\n", c->collect_seconds);
}

char *fwb_prom_render(const struct fwb_snapshot *s, const struct fwb_prom_ctx *c, size_t *len)
{
	long page_size = c->page_size > 0 ? c->page_size : 4096;
	struct labels L = {0};
	struct out o = {0};
	char le_text[NBOUNDS][24];
	le_table le;

	if (!labels_build(&L, s)) {
		labels_free(&L);
		return NULL;
	}
	/* sized like the last scrape: no realloc chain through megabytes */
	if (c->size_hint)
		grow(&o, c->size_hint + c->size_hint / 8);
	for (int i = 0; i < NBOUNDS; i++) {
		le[i].p = le_text[i];
		le[i].n = snprintf(le_text[i], sizeof(le_text[i]), "%.12g",
				   fwb_hist_slot_upper_ns(i + FWB_PROM_FIRST_SLOT) / 1e9);
	}
	write_info(&o, s, L.l);
	write_tracked(&o, s, L.l);
	if (c->cache)
		c->cache->gen++;
	write_histograms(&o, s, L.l, le, !c->no_requests, c->cache);
	if (c->cache)
		cache_sweep(c->cache);
	write_mount_values(&o, s, L.l, page_size);
	if (c->daemons_known)
		write_daemons(&o, s, L.l);
	if (c->states)
		write_states(&o, s, L.l, c->states);
	write_vm(&o, &s->vm, page_size);
	write_self(&o, s, c);
	labels_free(&L);
	/* a partial exposition would read as vanished series: all or nothing */
	if (o.oom || !grow(&o, 0)) {
		free(o.p);
		return NULL;
	}
	o.p[o.len] = 0;
	*len = o.len;
	return o.p;
}
