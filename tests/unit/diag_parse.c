// SPDX-License-Identifier: GPL-2.0-only
/* Framing the record stream of the diagnose iterators. */
#include <errno.h>
#include <stdlib.h>
#include "lib/diag.h"
#include "tap.h"

int main(void)
{
	struct fwb_diag_dev dev = { .h = { FWB_DIAG_DEV, sizeof(dev) }, .tgid = 10, .pid = 10, .conn = 41 };
	struct fwb_diag_req req = { .h = { FWB_DIAG_REQ, sizeof(req) }, .conn = 41, .opcode = 16, .unique = 92 };
	struct fwb_diag_conn conn = { .h = { FWB_DIAG_CONN, sizeof(conn) }, .conn = 41, .connected = 1 };
	struct fwb_diag_task task = { .h = { FWB_DIAG_TASK, sizeof(task) }, .pid = 11, .tgid = 10, .state = 2 };
	struct fwb_diag_hdr future = { 99, 16 };
	char buf[4096], *p = buf;
	struct fwb_diag_raw r = {0};
	uint64_t pad = 0;
	int err;

	/* one byte off so the parser may not assume alignment */
	p++;
#define PUT(x) do { memcpy(p, &(x), sizeof(x)); p += sizeof(x); } while (0)
	PUT(dev);
	PUT(req);
	PUT(req);
	PUT(conn);
	PUT(future);
	PUT(pad);
	PUT(task);
	err = fwb_diag_parse(buf + 1, p - buf - 1, &r);
	ok(err == 0, "a well-framed stream parses (%d)", err);
	ok(r.ndevs == 1 && r.devs[0].conn == 41, "one daemon record");
	ok(r.nreqs == 2 && r.reqs[1].unique == 92 && r.reqs[1].opcode == 16, "two request records");
	ok(r.nconns == 1 && r.conns[0].connected == 1, "one connection record");
	ok(r.ntasks == 1 && r.tasks[0].pid == 11, "one task record");
	ok(r.skipped == 1, "an unknown kind is skipped by its size");
	fwb_diag_raw_free(&r);

	/* a record whose size runs past the end */
	p = buf;
	PUT(dev);
	err = fwb_diag_parse(buf, sizeof(dev) - 4, &r);
	ok(err == -EINVAL && r.ndevs == 0, "a torn stream is an error, not a record");
	fwb_diag_raw_free(&r);

	/* the right kind with the wrong size (a build mismatch) */
	dev.h.size = sizeof(dev) - 8;
	p = buf;
	PUT(dev);
	err = fwb_diag_parse(buf, sizeof(dev), &r);
	ok(r.ndevs == 0 && r.skipped >= 1, "a known kind of the wrong size is not trusted");
	fwb_diag_raw_free(&r);

	dev.h.size = 0;
	p = buf;
	PUT(dev);
	ok(fwb_diag_parse(buf, sizeof(dev), &r) == -EINVAL, "size 0 cannot loop forever");
	fwb_diag_raw_free(&r);
	return tap_done();
}
