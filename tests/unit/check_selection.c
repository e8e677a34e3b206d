/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_selection.c - unit tests of selection.c: exclusions (N M s d ~), the majority
 * intersection with liars, trust/require/prefer, minsources, hysteresis, combining and its
 * weights, the leap vote, and degenerate input (n = 0, NaN, negative, 64 sources).
 * Test code only; every input is a literal or from a fixed-seed generator.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "selection.h"
#include "suites.h"

#define HOUR 3600.0

/* A healthy candidate: stratum 2, 100 us jitter, 0.1 ppm skew. */
static SEL_Candidate
cand(int id, double offset, double distance)
{
  SEL_Candidate c;

  memset(&c, 0, sizeof c);
  c.id = id;
  c.usable = 1;
  c.offset = offset;
  c.root_distance = distance;
  c.std_dev = 1e-4;
  c.freq = 0.0;
  c.skew = 0.1;
  c.root_delay = distance;
  c.root_dispersion = distance / 2;
  c.stratum = 2;
  c.leap = 0;
  return c;
}

static SEL_Params
params(void)
{
  SEL_Params p;

  SEL_DefaultParams(&p);
  return p;
}

/* The chronyc letters of n statuses, as a string, for readable assertions. */
static const char *
letters(const SEL_Status *st, size_t n)
{
  static char buf[128];
  size_t i;

  for (i = 0; i < n && i < sizeof buf - 1; i++) {
    buf[i] = SEL_StatusChar(st[i]);
  }
  buf[i] = '\0';
  return buf;
}

START_TEST(test_defaults_and_letters)
{
  SEL_Params p = params();

  ck_assert_int_eq(p.minsources, 1);
  ck_assert_double_eq(p.maxdistance, 3.0);
  ck_assert_double_eq(p.maxjitter, 1.0);
  ck_assert_double_eq(p.combinelimit, 3.0);
  ck_assert_double_eq(p.reselectdist, 1e-4);
  ck_assert_double_eq(p.stratumweight, 1e-3);
  ck_assert_int_eq(p.current_id, -1);
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_SELECTED), '*');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_COMBINED), '+');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_OUTLIER), '-');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_FALSETICKER), 'x');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_JITTER), '~');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_DISTANCE), 'd');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_UNSYNC), 's');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_MISSING), 'M');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_NOSELECT), 'N');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_WAITING), 'W');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_NONE), '?');
  ck_assert_int_eq(SEL_StatusChar(SEL_ST_COUNT), '?');
  ck_assert_int_eq(SEL_StatusChar((SEL_Status)-5), '?');
}
END_TEST

START_TEST(test_one_source)
{
  SEL_Candidate c[1] = {cand(7, 0.0123, 0.02)};
  SEL_Params p = params();
  SEL_Status st[1];
  SEL_Result r;

  c[0].leap = 1;
  c[0].freq = -12.5;
  c[0].root_delay = 0.03;
  c[0].stratum = 3;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 1), "*");
  ck_assert_int_eq(r.selected, 0);
  ck_assert_int_eq(r.selected_id, 7);
  ck_assert_int_eq(r.n_truechimers, 1);
  ck_assert_double_eq_tol(r.offset, 0.0123, 1e-15);
  ck_assert_double_eq_tol(r.offset_sd, 1e-4, 1e-15);
  ck_assert_double_eq_tol(r.freq, -12.5, 1e-12);
  ck_assert_double_eq_tol(r.skew, 0.1, 1e-12);
  ck_assert_double_eq(r.root_delay, 0.03);
  ck_assert_double_eq_tol(r.root_dispersion, 0.01, 1e-15);
  ck_assert_int_eq(r.stratum, 3);
  ck_assert_int_eq(r.leap, 1);
  ck_assert_double_eq_tol(r.interval_lo, 0.0123 - 0.02, 1e-15);
  ck_assert_double_eq_tol(r.interval_hi, 0.0123 + 0.02, 1e-15);
}
END_TEST

START_TEST(test_three_agreeing)
{
  SEL_Candidate c[3] = {cand(1, 0.001, 0.02), cand(2, 0.002, 0.01), cand(3, 0.003, 0.02)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  /* The lowest distance is the peer; the others are within 3x its distance. */
  ck_assert_str_eq(letters(st, 3), "+*+");
  ck_assert_int_eq(r.selected_id, 2);
  ck_assert_int_eq(r.n_truechimers, 3);
  /* Weights 50, 100, 50: (0.05 + 0.2 + 0.15) / 200 = 0.002. */
  ck_assert_double_eq_tol(r.offset, 0.002, 1e-15);
  /* The intersection is where all three overlap: [0.002 - 0.01, 0.002 + 0.01]. */
  ck_assert_double_eq_tol(r.interval_lo, -0.008, 1e-15);
  ck_assert_double_eq_tol(r.interval_hi, 0.012, 1e-15);
  ck_assert(r.offset_sd > 1e-4);
}
END_TEST

START_TEST(test_combine_weights)
{
  SEL_Candidate c[2] = {cand(1, 0.0, 0.01), cand(2, 0.003, 0.02)};
  SEL_Params p = params();
  SEL_Status st[2];
  SEL_Result r;
  double f;

  c[0].freq = 10.0;
  c[0].skew = 1.0;
  c[1].freq = 20.0;
  c[1].skew = 2.0;
  c[0].root_dispersion = 0.004;
  c[1].root_dispersion = 0.010;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 2), "*+");
  /* Offset by 1/distance: (0 * 100 + 0.003 * 50) / 150 = 0.001. */
  ck_assert_double_eq_tol(r.offset, 0.001, 1e-15);
  /* Root dispersion by 1/distance: (0.4 + 0.5) / 150 = 0.006. */
  ck_assert_double_eq_tol(r.root_dispersion, 0.006, 1e-15);
  /* Frequency by 1/skew^2: (10 * 1 + 20 * 0.25) / 1.25 = 12. */
  f = (10.0 + 20.0 * 0.25) / 1.25;
  ck_assert_double_eq_tol(r.freq, f, 1e-12);
  /* Offset error includes the spread around the result:
     sqrt((100 * (1e-8 + 1e-6) + 50 * (1e-8 + 4e-6)) / 150). */
  ck_assert_double_eq_tol(r.offset_sd, sqrt((100 * (1e-8 + 1e-6) + 50 * (1e-8 + 4e-6)) / 150),
                          1e-15);
  ck_assert_double_eq_tol(r.skew,
                          sqrt((1.0 * (1.0 + (10 - f) * (10 - f)) +
                                0.25 * (4.0 + (20 - f) * (20 - f))) / 1.25), 1e-12);
  /* Root delay and stratum are the peer's, not combined (RFC 5905 §11.2.3). */
  ck_assert_double_eq(r.root_delay, 0.01);
}
END_TEST

START_TEST(test_one_liar)
{
  SEL_Candidate c[3] = {cand(1, 0.001, 0.02), cand(2, HOUR, 0.001), cand(3, 0.003, 0.02)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  /* The liar has the best distance, but it disagrees with the majority. */
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_int_eq(st[1], SEL_ST_FALSETICKER);
  ck_assert_int_ne(r.selected_id, 2);
  ck_assert_int_eq(r.n_truechimers, 2);
  ck_assert(r.offset >= 0.001 && r.offset <= 0.003);
  ck_assert(r.interval_hi < 1.0);
}
END_TEST

START_TEST(test_two_disagreeing)
{
  SEL_Candidate c[2] = {cand(1, 0.0, 0.01), cand(2, 1.0, 0.01)};
  SEL_Params p = params();
  SEL_Status st[2];
  SEL_Result r;

  /* One against one: neither has a majority, so neither is followed. */
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 2), "xx");
  ck_assert_int_eq(r.selected, -1);
  ck_assert_int_eq(r.selected_id, -1);
  ck_assert_double_eq(r.offset, 0.0);
}
END_TEST

START_TEST(test_two_liars_of_four)
{
  SEL_Candidate c[4] = {cand(1, 0.0, 0.01), cand(2, HOUR, 0.01), cand(3, 0.001, 0.01),
                        cand(4, HOUR + 0.001, 0.01)};
  SEL_Params p = params();
  SEL_Status st[4];
  SEL_Result r;

  /* Two agreeing liars against two truthful sources: 2 is not more than half of 4, and
     nothing distinguishes the groups, so nothing is selected (as chrony: "no majority"). */
  ck_assert_int_eq(SEL_Select(c, 4, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 4), "xxxx");
  ck_assert_int_eq(r.selected, -1);
}
END_TEST

START_TEST(test_two_liars_of_five)
{
  SEL_Candidate c[5] = {cand(1, HOUR, 0.001), cand(2, 0.0, 0.01), cand(3, HOUR + 0.0005, 0.001),
                        cand(4, 0.001, 0.01), cand(5, -0.001, 0.01)};
  SEL_Params p = params();
  SEL_Status st[5];
  SEL_Result r;

  ck_assert_int_eq(SEL_Select(c, 5, &p, st, &r), 1);
  ck_assert_int_eq(st[0], SEL_ST_FALSETICKER);
  ck_assert_int_eq(st[2], SEL_ST_FALSETICKER);
  ck_assert_int_eq(r.n_truechimers, 3);
  ck_assert(r.selected_id == 2 || r.selected_id == 4 || r.selected_id == 5);
  ck_assert(fabs(r.offset) <= 0.001);
}
END_TEST

START_TEST(test_touching_intervals)
{
  /* [0, 0.02] and [0.02, 0.04] share exactly one point: closed intervals agree. */
  SEL_Candidate c[2] = {cand(1, 0.01, 0.01), cand(2, 0.03, 0.01)};
  SEL_Params p = params();
  SEL_Status st[2];
  SEL_Result r;

  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.n_truechimers, 2);
  ck_assert_double_eq_tol(r.interval_lo, 0.02, 1e-15);
  ck_assert_double_eq_tol(r.interval_hi, 0.02, 1e-15);
}
END_TEST

START_TEST(test_prefer)
{
  SEL_Candidate c[3] = {cand(1, 0.001, 0.01), cand(2, 0.002, 0.02), cand(3, 0.0, 0.012)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  c[1].prefer = 1;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  /* The prefer source wins despite a larger distance; with prefer set only prefer sources
     are combined, so the result is exactly its offset. */
  ck_assert_str_eq(letters(st, 3), "-*-");
  ck_assert_int_eq(r.selected_id, 2);
  ck_assert_double_eq_tol(r.offset, 0.002, 1e-15);

  /* Two prefer sources: the better of them, and they are combined. */
  c[2].prefer = 1;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "-+*");

  /* A prefer source that is a falseticker is not followed. */
  c[2].prefer = 0;
  c[1].offset = HOUR;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "*x+");
}
END_TEST

START_TEST(test_noselect)
{
  SEL_Candidate c[3] = {cand(1, 0.0, 0.001), cand(2, 0.001, 0.01), cand(3, 1.0, 0.01)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  c[0].noselect = 1;
  /* The noselect source is neither selected nor counted: 1 vs 1 is no majority. */
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 3), "Nxx");
  c[2].offset = 0.002;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "N*+");
  ck_assert_int_eq(r.n_truechimers, 2);
  ck_assert_double_eq_tol(r.offset, 0.0015, 1e-15);
}
END_TEST

START_TEST(test_trust)
{
  SEL_Candidate c[3] = {cand(1, 0.0, 0.01), cand(2, 1.0, 0.01), cand(3, 1.001, 0.01)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  /* Two disagreeing, one trusted: the trusted one is assumed a truechimer. */
  c[0].trust = 1;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 2), "*x");
  ck_assert_double_eq(r.offset, 0.0);

  /* As chrony.conf(5): a trusted source can be rejected only by another trusted source,
     so it wins even against an untrusted majority. */
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "*xx");

  /* An untrusted source agrees with a trusted one only if its interval lies wholly in
     the best interval (chronyc selectdata shows 'T' there, we show 'x'): otherwise it
     could pull the combined offset outside the trusted interval. */
  c[1] = cand(2, 0.001, 0.005);
  c[2] = cand(3, 0.005, 0.01);
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "+*x");
  ck_assert_double_eq_tol(r.interval_lo, -0.004, 1e-15);
  ck_assert_double_eq_tol(r.interval_hi, 0.006, 1e-15);
  ck_assert_int_eq(r.n_truechimers, 2);

  /* Two trusted sources that disagree: the deeper overlap decides (the second trusted
     one, joined by an untrusted source), but the untrusted one is not nested in it. */
  c[1] = cand(2, 1.0, 0.01);
  c[1].trust = 1;
  c[2] = cand(3, 1.001, 0.01);
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "x*x");

  /* Two agreeing trusted sources reject a wide untrusted interval containing both. */
  c[1] = cand(2, 0.0, 0.01);
  c[1].trust = 1;
  c[2] = cand(3, 0.5, 0.6);
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "*+x");
  ck_assert_int_eq(r.n_truechimers, 2);
}
END_TEST

START_TEST(test_require)
{
  SEL_Candidate c[3] = {cand(1, 0.0, 0.01), cand(2, 0.001, 0.01), cand(3, HOUR, 0.01)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  /* The required source is a falseticker: nothing is selected. */
  c[2].require = 1;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 3), "WWx");
  ck_assert_int_eq(r.n_truechimers, 2);
  ck_assert_int_eq(r.selected_id, -1);

  /* The required source has no estimate yet: still nothing. */
  c[2] = cand(3, 0.0005, 0.01);
  c[2].require = 1;
  c[2].usable = 0;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 3), "WWM");

  /* The required source is a truechimer: selection proceeds normally. */
  c[2].usable = 1;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_int_eq(r.n_truechimers, 3);

  /* A noselect source's require is ignored (it can never be selectable). */
  c[2].noselect = 1;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_int_eq(st[2], SEL_ST_NOSELECT);
}
END_TEST

START_TEST(test_minsources)
{
  SEL_Candidate c[3] = {cand(1, 0.0, 0.01), cand(2, 0.001, 0.01), cand(3, HOUR, 0.01)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  p.minsources = 2;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_int_eq(r.n_truechimers, 2);
  /* Two truechimers are fewer than 3: wait. */
  p.minsources = 3;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 3), "WWx");
  /* Fewer selectable sources than minsources: wait before any intersection. */
  p.minsources = 4;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 3), "WWW");
  p.minsources = 2;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "W");
}
END_TEST

START_TEST(test_exclusions)
{
  SEL_Candidate c[7] = {cand(1, 0.0, 0.01), cand(2, 0.0, 4.0), cand(3, 0.0, 0.01),
                        cand(4, 0.0, 0.01), cand(5, 0.0, 0.01), cand(6, 0.0, 0.01),
                        cand(7, 0.0, 0.01)};
  SEL_Params p = params();
  SEL_Status st[7];
  SEL_Result r;

  c[2].std_dev = 1.5;   /* maxjitter 1 */
  c[3].leap = 3;        /* unsynchronised */
  c[4].stratum = 16;
  c[5].usable = 0;
  c[6].noselect = 1;
  ck_assert_int_eq(SEL_Select(c, 7, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 7), "*d~ssMN");
  ck_assert_int_eq(r.n_truechimers, 1);

  /* Limits from the parameters. */
  p.maxdistance = 0.005;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "d");
  p = params();
  p.maxjitter = 5e-5;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "~");

  /* The exclusions come in chronyc's order: noselect before missing before unsync... */
  p = params();
  c[0].noselect = 1;
  c[0].usable = 0;
  c[0].leap = 3;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "N");
  c[0].noselect = 0;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "M");
  c[0].usable = 1;
  c[0].root_distance = 10.0;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "s");
  c[0].leap = 0;
  c[0].std_dev = 10.0;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "d");
}
END_TEST

START_TEST(test_excluded_do_not_vote)
{
  /* Excluded sources do not count towards the majority: 1 good source plus 3 excluded
     ones is a majority of one. */
  SEL_Candidate c[4] = {cand(1, 0.0, 0.01), cand(2, HOUR, 5.0), cand(3, HOUR, 0.01),
                        cand(4, HOUR, 0.01)};
  SEL_Params p = params();
  SEL_Status st[4];
  SEL_Result r;

  c[2].leap = 3;
  c[3].usable = 0;
  ck_assert_int_eq(SEL_Select(c, 4, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 4), "*dsM");
}
END_TEST

START_TEST(test_hysteresis)
{
  SEL_Candidate c[2] = {cand(1, 0.0, 0.0100), cand(2, 0.0, 0.00995)};
  SEL_Params p = params();
  SEL_Status st[2];
  SEL_Result r;

  /* No current peer: the best one. */
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 2);
  /* Current peer 1: the other is better by 5e-5 < reselectdist 1e-4, so 1 stays. */
  p.current_id = 1;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 1);
  ck_assert_str_eq(letters(st, 2), "*+");
  /* Better by 2e-4: switch. */
  c[1].root_distance = 0.0098;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 2);
  /* A larger reselectdist keeps the current one again. */
  p.reselectdist = 1e-3;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 1);
  /* The current peer is kept only while it is a truechimer and selectable. */
  c[0].std_dev = 2.0;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 2);
  ck_assert_str_eq(letters(st, 2), "~*");
}
END_TEST

START_TEST(test_stratumweight)
{
  SEL_Candidate c[2] = {cand(1, 0.0, 0.0100), cand(2, 0.0, 0.0095)};
  SEL_Params p = params();
  SEL_Status st[2];
  SEL_Result r;

  /* 0.5 ms less distance but 2 strata higher (2 ms with weight 1e-3): stratum 1 wins. */
  c[0].stratum = 1;
  c[1].stratum = 3;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 1);
  ck_assert_int_eq(r.stratum, 1);
  p.stratumweight = 0.0;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 2);
  ck_assert_int_eq(r.stratum, 3);
}
END_TEST

START_TEST(test_combinelimit)
{
  SEL_Candidate c[3] = {cand(1, 0.0, 0.01), cand(2, 0.004, 0.02), cand(3, 0.004, 0.05)};
  SEL_Params p = params();
  SEL_Status st[3];
  SEL_Result r;

  /* 0.02 <= 3 * 0.01 is combined, 0.05 is not; the excluded one does not move the
     offset: (0 * 100 + 0.004 * 50) / 150. */
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "*+-");
  ck_assert_double_eq_tol(r.offset, 0.004 * 50 / 150, 1e-15);
  ck_assert_int_eq(r.n_truechimers, 3);
  p.combinelimit = 5.0;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "*++");
  p.combinelimit = 0.0;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_str_eq(letters(st, 3), "*--");
  ck_assert_double_eq(r.offset, 0.0);
}
END_TEST

START_TEST(test_leap_vote)
{
  SEL_Candidate c[4] = {cand(1, 0.0, 0.01), cand(2, 0.001, 0.01), cand(3, 0.002, 0.01),
                        cand(4, HOUR, 0.01)};
  SEL_Params p = params();
  SEL_Status st[4];
  SEL_Result r;

  /* 2 of 3 truechimers announce an insertion. */
  c[0].leap = 1;
  c[1].leap = 1;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_int_eq(r.leap, 1);
  /* 1 of 3 (even if it is the selected one) is no majority. */
  c[1].leap = 0;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 1);
  ck_assert_int_eq(r.selected_id, 1);
  ck_assert_int_eq(r.leap, 0);
  /* A falseticker's vote does not count: 1 of 3 truechimers plus a liar. */
  c[3].leap = 1;
  ck_assert_int_eq(SEL_Select(c, 4, &p, st, &r), 1);
  ck_assert_int_eq(st[3], SEL_ST_FALSETICKER);
  ck_assert_int_eq(r.leap, 0);
  /* Deletion. */
  c[0].leap = 2;
  c[1].leap = 2;
  c[2].leap = 2;
  ck_assert_int_eq(SEL_Select(c, 4, &p, st, &r), 1);
  ck_assert_int_eq(r.leap, 2);
  /* Split 2-2 among 4 truechimers: no announcement. */
  c[3].offset = 0.001;
  c[3].leap = 2;
  c[0].leap = 1;
  c[1].leap = 1;
  ck_assert_int_eq(SEL_Select(c, 4, &p, st, &r), 1);
  ck_assert_int_eq(r.n_truechimers, 4);
  ck_assert_int_eq(r.leap, 0);
}
END_TEST

START_TEST(test_degenerate)
{
  SEL_Candidate c[4] = {cand(1, 0.0, 0.01), cand(2, 0.0, 0.01), cand(3, 0.0, 0.01),
                        cand(4, 0.0, 0.01)};
  SEL_Params p = params();
  SEL_Status st[4];
  SEL_Result r;

  /* n = 0 and NULL pointers. */
  memset(&r, 0x55, sizeof r);
  ck_assert_int_eq(SEL_Select(c, 0, &p, st, &r), 0);
  ck_assert_int_eq(r.selected, -1);
  ck_assert_int_eq(r.selected_id, -1);
  ck_assert_int_eq(r.n_truechimers, 0);
  ck_assert_int_eq(SEL_Select(NULL, 0, &p, NULL, NULL), 0);
  ck_assert_int_eq(SEL_Select(NULL, 5, &p, NULL, &r), 0);
  /* NULL params = defaults, NULL status/out are allowed. */
  ck_assert_int_eq(SEL_Select(c, 4, NULL, NULL, NULL), 1);

  /* NaN, infinite and negative values are "no estimate", never selected. */
  c[0].root_distance = NAN;
  c[1].root_distance = -0.01;
  c[2].offset = INFINITY;
  c[3].std_dev = NAN;
  ck_assert_int_eq(SEL_Select(c, 4, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 4), "MMMM");
  c[0] = cand(1, NAN, 0.01);
  c[1] = cand(2, 0.0, 0.01);
  c[1].skew = -1.0;
  c[2] = cand(3, 0.0, 0.01);
  c[2].freq = NAN;
  c[3] = cand(4, 0.0, 0.01);
  c[3].leap = 7;
  ck_assert_int_eq(SEL_Select(c, 4, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 4), "MMMM");
  c[0] = cand(1, 0.0, 0.01);
  c[0].stratum = -1;
  c[1] = cand(2, 0.0, 0.01);
  c[1].root_dispersion = NAN;
  c[2] = cand(3, 0.0, 0.01);
  c[2].root_delay = -INFINITY;
  ck_assert_int_eq(SEL_Select(c, 3, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 3), "MMM");

  /* Zero distance and zero skew give finite results. */
  c[0] = cand(1, 0.001, 0.0);
  c[0].skew = 0.0;
  c[1] = cand(2, 0.001, 0.0);
  c[1].skew = 0.0;
  ck_assert_int_eq(SEL_Select(c, 2, &p, st, &r), 1);
  ck_assert(isfinite(r.offset) && isfinite(r.freq) && isfinite(r.skew) &&
            isfinite(r.offset_sd));
  ck_assert_double_eq_tol(r.offset, 0.001, 1e-15);

  /* NaN or out-of-range parameters fall back to the defaults instead of disabling the
     checks: a NaN maxdistance still rejects a 4 s distance. */
  p.maxdistance = NAN;
  p.maxjitter = -1.0;
  p.minsources = 0;
  p.combinelimit = INFINITY;
  p.reselectdist = NAN;
  p.stratumweight = NAN;
  c[0] = cand(1, 0.0, 4.0);
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "d");
  c[0] = cand(1, 0.0, 0.01);
  c[0].std_dev = 1.5;
  ck_assert_int_eq(SEL_Select(c, 1, &p, st, &r), 0);
  ck_assert_str_eq(letters(st, 1), "~");
}
END_TEST

/* Deterministic pseudo-random numbers (xorshift), so the test is repeatable. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double
rnd(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

START_TEST(test_many_sources)
{
  SEL_Candidate c[64];
  SEL_Params p = params();
  SEL_Status st[64];
  SEL_Result r;
  int round, i, ok, n_true, n_sel, n_ok = 0;

  for (round = 0; round < 500; round++) {
    for (i = 0; i < 64; i++) {
      double x = rnd();

      c[i] = cand(i, (rnd() - 0.5) * (round % 2 ? 0.01 : 10.0), rnd() * 0.05);
      c[i].stratum = (int)(rnd() * 18);
      c[i].leap = (int)(rnd() * 4);
      c[i].prefer = rnd() < 0.05;
      c[i].trust = rnd() < 0.03;
      c[i].require = rnd() < 0.02;
      c[i].noselect = rnd() < 0.05;
      c[i].usable = rnd() < 0.95;
      c[i].std_dev = rnd() * 1.1;
      if (x < 0.02) {
        c[i].root_distance = NAN;
      } else if (x < 0.04) {
        c[i].offset = -INFINITY;
      } else if (x < 0.06) {
        c[i].root_distance = -1.0;
      }
    }
    p.current_id = (int)(rnd() * 70) - 3;
    p.minsources = 1 + (int)(rnd() * 5);
    ok = SEL_Select(c, 64, &p, st, &r);
    n_ok += ok;
    n_true = n_sel = 0;
    for (i = 0; i < 64; i++) {
      ck_assert(st[i] > SEL_ST_NONE && st[i] < SEL_ST_COUNT);
      n_sel += st[i] == SEL_ST_SELECTED;
      n_true += st[i] == SEL_ST_SELECTED || st[i] == SEL_ST_COMBINED || st[i] == SEL_ST_OUTLIER;
    }
    ck_assert_int_eq(n_sel, ok);
    if (ok) {
      ck_assert_int_eq(n_true, r.n_truechimers);
      ck_assert(r.selected >= 0 && r.selected < 64);
      ck_assert_int_eq(st[r.selected], SEL_ST_SELECTED);
      ck_assert_int_eq(r.selected_id, c[r.selected].id);
      ck_assert(isfinite(r.offset) && isfinite(r.offset_sd) && isfinite(r.freq) &&
                isfinite(r.skew) && isfinite(r.root_dispersion));
      ck_assert(r.leap >= 0 && r.leap <= 2);
      ck_assert(r.n_truechimers >= p.minsources);
      /* The selected source's interval contains the majority interval or lies in it. */
      ck_assert(c[r.selected].offset + c[r.selected].root_distance >= r.interval_lo);
      ck_assert(c[r.selected].offset - c[r.selected].root_distance <= r.interval_hi);
    } else {
      ck_assert_int_eq(r.selected, -1);
    }
  }
  /* Both outcomes were exercised (110 of 500 rounds select a peer with this seed). */
  ck_assert(n_ok > 20 && n_ok < 480);
}
END_TEST

Suite *
selection_suite(void)
{
  Suite *s = suite_create("selection");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_defaults_and_letters);
  tcase_add_test(tc, test_one_source);
  tcase_add_test(tc, test_three_agreeing);
  tcase_add_test(tc, test_combine_weights);
  tcase_add_test(tc, test_one_liar);
  tcase_add_test(tc, test_two_disagreeing);
  tcase_add_test(tc, test_two_liars_of_four);
  tcase_add_test(tc, test_two_liars_of_five);
  tcase_add_test(tc, test_touching_intervals);
  tcase_add_test(tc, test_prefer);
  tcase_add_test(tc, test_noselect);
  tcase_add_test(tc, test_trust);
  tcase_add_test(tc, test_require);
  tcase_add_test(tc, test_minsources);
  tcase_add_test(tc, test_exclusions);
  tcase_add_test(tc, test_excluded_do_not_vote);
  tcase_add_test(tc, test_hysteresis);
  tcase_add_test(tc, test_stratumweight);
  tcase_add_test(tc, test_combinelimit);
  tcase_add_test(tc, test_leap_vote);
  tcase_add_test(tc, test_degenerate);
  tcase_add_test(tc, test_many_sources);
  suite_add_tcase(s, tc);
  return s;
}
