// SPDX-License-Identifier: GPL-2.0-only
/* the exporter's log rate limit: burst per window, the rest counted and told */
#include "lib/fusewb.h"
#include "tap.h"

int main(void)
{
	struct fwb_ratelimit r = { .window_ns = 5000000000ULL, .burst = 3 };
	uint64_t missed, t = 1000, total_missed = 0;
	int shown = 0;

	for (int i = 0; i < 100; i++) {
		shown += fwb_ratelimit(&r, t + i * 1000000ULL, &missed);
		total_missed += missed;
	}
	ok(shown == 3, "100 messages in 0.1 s: the burst of 3 is shown (%d)", shown);
	ok(total_missed == 0, "nothing reported missed inside the window");
	/* ok() evaluates its condition twice: call first */
	bool y = fwb_ratelimit(&r, t + 5000000000ULL, &missed);
	ok(y, "the next window shows a message");
	ok(missed == 97, "and reports the 97 held back (%llu)", (unsigned long long)missed);
	y = fwb_ratelimit(&r, t + 5000000001ULL, &missed);
	ok(y && missed == 0, "the missed count is reported once");
	y = fwb_ratelimit(&r, t + 5000000002ULL, &missed);
	ok(y, "third of the new burst");
	y = fwb_ratelimit(&r, t + 5000000003ULL, &missed);
	ok(!y, "fourth is held back");
	y = fwb_ratelimit(&r, t + 60000000000ULL, &missed);
	ok(y && missed == 1, "a quiet minute later: shown, 1 missed (%llu)", (unsigned long long)missed);

	struct fwb_ratelimit q = { .window_ns = 10, .burst = 1 };

	fwb_ratelimit(&q, 100, &missed);
	fwb_ratelimit(&q, 101, &missed);
	fwb_ratelimit(&q, 102, &missed);
	missed = fwb_ratelimit_expire(&q, 105);
	ok(missed == 0, "expire: nothing while the window lasts");
	missed = fwb_ratelimit_expire(&q, 110);
	ok(missed == 2, "expire: the 2 held back once the window ended");
	missed = fwb_ratelimit_expire(&q, 111);
	ok(missed == 0, "expire: told once");
	y = fwb_ratelimit(&q, 112, &missed);
	ok(y && missed == 0, "the next message opens a window, with nothing missed to tell again");
	return tap_done();
}
