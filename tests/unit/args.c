// SPDX-License-Identifier: GPL-2.0-only
/* command-line numbers: what strtod/strtol take and a front end must not */
#include "lib/fusewb.h"
#include "tap.h"

static int secs(const char *s, double *v)
{
	char err[160];

	return fwb_parse_seconds("interval", s, FWB_INTERVAL_MIN_S, FWB_INTERVAL_MAX_S, v, err, sizeof(err));
}

static int count(const char *s, long *v)
{
	char err[160];

	return fwb_parse_count("count", s, 1, FWB_COUNT_MAX, v, err, sizeof(err));
}

int main(void)
{
	static const char *bad_secs[] = {
		"nan", "NaN", "-nan", "nan(0x1)", "inf", "-inf", "infinity", "1e-300", "1e300", "0",
		"0.05", "-1", "", " 1", "1 ", "1s", "0x", "86400.5", "1e999",
	};
	static const char *bad_counts[] = {
		"0", "-1", "", " 1", "1 ", "1.5", "1e3", "nan", "2147483648", "99999999999999999999999",
		"0x10",
	};
	char err[160];
	double v;
	long n;

	for (size_t i = 0; i < sizeof(bad_secs) / sizeof(*bad_secs); i++)
		ok(secs(bad_secs[i], &v) == -1, "interval '%s' is refused", bad_secs[i]);
	ok(!secs("0.1", &v) && v == 0.1, "the minimum interval is accepted");
	ok(!secs("86400", &v) && v == 86400, "a day is accepted");
	ok(!secs("2.5", &v) && v == 2.5, "2.5 s reads as 2.5");
	for (size_t i = 0; i < sizeof(bad_counts) / sizeof(*bad_counts); i++)
		ok(count(bad_counts[i], &n) == -1, "count '%s' is refused", bad_counts[i]);
	ok(!count("2147483647", &n) && n == 2147483647L, "the largest count is accepted");
	ok(!count("3", &n) && n == 3, "3 reads as 3");

	v = 7;
	fwb_parse_seconds("--slow", "nan", FWB_THRESHOLD_MIN_S, 86400, &v, err, sizeof(err));
	is_str(err, "invalid --slow 'nan': expected seconds from 0.001 to 86400", "message names the real bounds");
	ok(v == 7, "a refused value leaves the output alone");
	fwb_parse_count("port", "65536", 0, 65535, &n, err, sizeof(err));
	is_str(err, "invalid port '65536': expected a whole number from 0 to 65535", "port bounds in the message");
	return tap_done();
}
