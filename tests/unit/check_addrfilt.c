/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_addrfilt.c - unit tests of the allow/deny table (ADF_).
 *
 * Covers every rule form of chrony's allow/deny (with and without `all`, with and without
 * a subnet), ordering, every prefix length of both families (CVE-2015-1821 was a prefix
 * length not divisible by 4), IPv4-mapped IPv6, family separation, default deny and
 * ADF_AnyAllowed, plus a randomised comparison with a brute-force model of the semantics.
 * No I/O.
 */
#include <stdint.h>
#include <string.h>

#include "addrfilt.h"
#include "suites.h"

static IPAddr ip(const char *text)
{
  IPAddr a;

  ck_assert_msg(ADDR_Parse(text, &a), "bad test address %s", text);
  return a;
}

static int allowed(const ADF_Table *t, const char *text)
{
  IPAddr a = ip(text);
  return ADF_IsAllowed(t, &a);
}

static void rule(ADF_Table *t, const char *net, int prefix, int allow, int all)
{
  IPAddr a;

  if (net) {
    a = ip(net);
  } else {
    memset(&a, 0, sizeof(a));
  }
  ck_assert_int_eq(ADF_AddRule(t, &a, prefix, allow, all), 1);
}

START_TEST(test_default_deny)
{
  ADF_Table *t = ADF_Create();
  IPAddr unspec;

  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(allowed(t, "1.2.3.4"), 0);
  ck_assert_int_eq(allowed(t, "0.0.0.0"), 0);
  ck_assert_int_eq(allowed(t, "::1"), 0);
  ck_assert_int_eq(allowed(t, "::ffff:1.2.3.4"), 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 0);
  memset(&unspec, 0, sizeof(unspec));
  ck_assert_int_eq(ADF_IsAllowed(t, &unspec), 0);
  ck_assert_int_eq(ADF_IsAllowed(t, NULL), 0);
  ck_assert_int_eq(ADF_IsAllowed(NULL, &unspec), 0);
  ADF_Destroy(t);
  ADF_Destroy(NULL);
}
END_TEST

START_TEST(test_single_host)
{
  ADF_Table *t = ADF_Create();

  rule(t, "192.0.2.7", 32, 1, 0);
  ck_assert_int_eq(allowed(t, "192.0.2.7"), 1);
  ck_assert_int_eq(allowed(t, "192.0.2.6"), 0);
  ck_assert_int_eq(allowed(t, "192.0.2.8"), 0);
  ck_assert_int_eq(allowed(t, "64.0.2.7"), 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 1);
  ADF_Destroy(t);
}
END_TEST

/* chrony.conf(5): `allow 1.2.3.4`, `deny 1.2.3`, `allow 1.2` have the same effect in any
   order: 1.2.x.y allowed except 1.2.3.x, but 1.2.3.4 allowed. */
START_TEST(test_order_independent_without_all)
{
  static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                  {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  int p, i;

  for (p = 0; p < 6; p++) {
    ADF_Table *t = ADF_Create();
    for (i = 0; i < 3; i++) {
      switch (perms[p][i]) {
      case 0:
        rule(t, "1.2.3.4", 32, 1, 0);
        break;
      case 1:
        rule(t, "1.2.3.0", 24, 0, 0);
        break;
      default:
        rule(t, "1.2.0.0", 16, 1, 0);
        break;
      }
    }
    ck_assert_int_eq(allowed(t, "1.2.3.4"), 1);
    ck_assert_int_eq(allowed(t, "1.2.3.5"), 0);
    ck_assert_int_eq(allowed(t, "1.2.3.255"), 0);
    ck_assert_int_eq(allowed(t, "1.2.4.1"), 1);
    ck_assert_int_eq(allowed(t, "1.2.255.255"), 1);
    ck_assert_int_eq(allowed(t, "1.3.0.0"), 0);
    ck_assert_int_eq(allowed(t, "1.1.255.255"), 0);
    ADF_Destroy(t);
  }
}
END_TEST

/* The second chrony.conf(5) example: `allow all 1.2` overrides the earlier rules inside it,
   but only those given before it. */
START_TEST(test_all_clears_earlier_more_specific)
{
  ADF_Table *t = ADF_Create();

  rule(t, "1.2.3.4", 32, 1, 0);
  rule(t, "1.2.3.0", 24, 0, 0);
  rule(t, "10.0.0.0", 8, 0, 0);
  rule(t, "1.2.0.0", 16, 1, 1);
  ck_assert_int_eq(allowed(t, "1.2.3.5"), 1);
  ck_assert_int_eq(allowed(t, "1.2.3.4"), 1);
  ck_assert_int_eq(allowed(t, "10.1.1.1"), 0); /* outside 1.2/16: untouched */
  /* A rule after the `all` one still applies. */
  rule(t, "1.2.3.0", 24, 0, 0);
  ck_assert_int_eq(allowed(t, "1.2.3.5"), 0);
  ck_assert_int_eq(allowed(t, "1.2.4.5"), 1);
  ADF_Destroy(t);

  /* deny all 1.2 removes an allowed host inside it, and AnyAllowed sees it. */
  t = ADF_Create();
  rule(t, "1.2.3.4", 32, 1, 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 1);
  rule(t, "1.2.0.0", 16, 0, 1);
  ck_assert_int_eq(allowed(t, "1.2.3.4"), 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 0);
  /* `all` does not touch less specific rules. */
  ADF_Destroy(t);
  t = ADF_Create();
  rule(t, "1.0.0.0", 8, 1, 0);
  rule(t, "1.2.0.0", 16, 0, 1);
  ck_assert_int_eq(allowed(t, "1.3.0.1"), 1);
  ck_assert_int_eq(allowed(t, "1.2.0.1"), 0);
  ADF_Destroy(t);
}
END_TEST

START_TEST(test_same_subnet_later_wins)
{
  ADF_Table *t = ADF_Create();

  rule(t, "10.0.0.0", 8, 1, 0);
  rule(t, "10.0.0.0", 8, 0, 0);
  ck_assert_int_eq(allowed(t, "10.9.9.9"), 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 0);
  rule(t, "10.0.0.0", 8, 1, 0);
  ck_assert_int_eq(allowed(t, "10.9.9.9"), 1);
  ck_assert_int_eq(ADF_AnyAllowed(t), 1);
  /* Bits beyond the prefix are ignored: 10.1.2.3/8 is the same subnet as 10/8. */
  rule(t, "10.1.2.3", 8, 0, 0);
  ck_assert_int_eq(allowed(t, "10.9.9.9"), 0);
  ck_assert_int_eq(allowed(t, "10.1.2.3"), 0);
  ADF_Destroy(t);
}
END_TEST

START_TEST(test_no_argument_forms)
{
  ADF_Table *t = ADF_Create();

  /* `allow`: everything of both families. */
  rule(t, NULL, 0, 1, 0);
  ck_assert_int_eq(allowed(t, "1.2.3.4"), 1);
  ck_assert_int_eq(allowed(t, "2001:db8::1"), 1);
  ck_assert_int_eq(allowed(t, "::ffff:8.8.8.8"), 1);
  /* `deny 1.2.3.4` then `deny`: the host rule is more specific and survives. */
  rule(t, "1.2.3.4", 32, 1, 0);
  rule(t, NULL, 0, 0, 0);
  ck_assert_int_eq(allowed(t, "1.2.3.4"), 1);
  ck_assert_int_eq(allowed(t, "1.2.3.5"), 0);
  ck_assert_int_eq(allowed(t, "2001:db8::1"), 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 1);
  /* `deny all`: clears everything. */
  rule(t, NULL, 0, 0, 1);
  ck_assert_int_eq(allowed(t, "1.2.3.4"), 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 0);
  /* `allow all` after specific denies clears them. */
  rule(t, "1.2.3.4", 32, 0, 0);
  rule(t, "2001:db8::", 32, 0, 0);
  rule(t, NULL, 0, 1, 1);
  ck_assert_int_eq(allowed(t, "1.2.3.4"), 1);
  ck_assert_int_eq(allowed(t, "2001:db8::5"), 1);
  ADF_Destroy(t);

  /* A prefix length given with ADDR_UNSPEC is ignored, whatever it is. */
  t = ADF_Create();
  {
    IPAddr u;
    memset(&u, 0, sizeof(u));
    ck_assert_int_eq(ADF_AddRule(t, &u, 999, 1, 0), 1);
  }
  ck_assert_int_eq(allowed(t, "203.0.113.1"), 1);
  ADF_Destroy(t);
}
END_TEST

START_TEST(test_family_separation)
{
  ADF_Table *t = ADF_Create();

  rule(t, "0.0.0.0", 0, 1, 0);
  ck_assert_int_eq(allowed(t, "255.255.255.255"), 1);
  ck_assert_int_eq(allowed(t, "0.0.0.0"), 1);
  ck_assert_int_eq(allowed(t, "::"), 0);
  ck_assert_int_eq(allowed(t, "2001:db8::1"), 0);
  /* Mapped addresses are IPv4. */
  ck_assert_int_eq(allowed(t, "::ffff:9.9.9.9"), 1);
  ADF_Destroy(t);

  t = ADF_Create();
  rule(t, "::", 0, 1, 0);
  ck_assert_int_eq(allowed(t, "2001:db8::1"), 1);
  ck_assert_int_eq(allowed(t, "::"), 1);
  ck_assert_int_eq(allowed(t, "9.9.9.9"), 0);
  ck_assert_int_eq(allowed(t, "::ffff:9.9.9.9"), 0);
  /* The IPv4-compatible (not mapped) form stays IPv6. */
  ck_assert_int_eq(allowed(t, "::9.9.9.9"), 1);
  /* deny all for IPv6 leaves IPv4 rules alone. */
  rule(t, "9.9.9.0", 24, 1, 0);
  rule(t, "::", 0, 0, 1);
  ck_assert_int_eq(allowed(t, "9.9.9.9"), 1);
  ck_assert_int_eq(allowed(t, "2001:db8::1"), 0);
  ADF_Destroy(t);
}
END_TEST

START_TEST(test_mapped_ipv6)
{
  ADF_Table *t = ADF_Create();

  rule(t, "192.0.2.0", 24, 1, 0);
  ck_assert_int_eq(allowed(t, "::ffff:192.0.2.1"), 1);
  ck_assert_int_eq(allowed(t, "::ffff:192.0.3.1"), 0);
  /* A rule written as a mapped subnet is an IPv4 rule. */
  rule(t, "::ffff:10.0.0.0", 104, 1, 0);
  ck_assert_int_eq(allowed(t, "10.1.2.3"), 1);
  ck_assert_int_eq(allowed(t, "::ffff:10.1.2.3"), 1);
  ck_assert_int_eq(allowed(t, "11.1.2.3"), 0);
  rule(t, "::ffff:10.1.2.3", 128, 0, 0);
  ck_assert_int_eq(allowed(t, "10.1.2.3"), 0);
  ck_assert_int_eq(allowed(t, "10.1.2.4"), 1);
  ADF_Destroy(t);
}
END_TEST

START_TEST(test_edge_prefixes)
{
  ADF_Table *t = ADF_Create();

  rule(t, "128.0.0.0", 1, 1, 0);
  ck_assert_int_eq(allowed(t, "128.0.0.0"), 1);
  ck_assert_int_eq(allowed(t, "255.255.255.255"), 1);
  ck_assert_int_eq(allowed(t, "127.255.255.255"), 0);
  rule(t, "192.0.2.4", 31, 0, 0);
  ck_assert_int_eq(allowed(t, "192.0.2.4"), 0);
  ck_assert_int_eq(allowed(t, "192.0.2.5"), 0);
  ck_assert_int_eq(allowed(t, "192.0.2.3"), 1);
  ck_assert_int_eq(allowed(t, "192.0.2.6"), 1);
  rule(t, "192.0.2.5", 32, 1, 0);
  ck_assert_int_eq(allowed(t, "192.0.2.5"), 1);
  ck_assert_int_eq(allowed(t, "192.0.2.4"), 0);
  ADF_Destroy(t);

  t = ADF_Create();
  rule(t, "2001:db8::", 127, 1, 0);
  ck_assert_int_eq(allowed(t, "2001:db8::"), 1);
  ck_assert_int_eq(allowed(t, "2001:db8::1"), 1);
  ck_assert_int_eq(allowed(t, "2001:db8::2"), 0);
  rule(t, "2001:db8::1", 128, 0, 0);
  ck_assert_int_eq(allowed(t, "2001:db8::1"), 0);
  ck_assert_int_eq(allowed(t, "2001:db8::"), 1);
  rule(t, "8000::", 1, 1, 0);
  ck_assert_int_eq(allowed(t, "ffff::1"), 1);
  ck_assert_int_eq(allowed(t, "7fff::1"), 0);
  ADF_Destroy(t);
}
END_TEST

START_TEST(test_bad_arguments)
{
  ADF_Table *t = ADF_Create();
  IPAddr a = ip("1.2.3.4"), b = ip("2001:db8::1");

  ck_assert_int_eq(ADF_AddRule(t, &a, -1, 1, 0), 0);
  ck_assert_int_eq(ADF_AddRule(t, &a, 33, 1, 0), 0);
  ck_assert_int_eq(ADF_AddRule(t, &b, -1, 1, 0), 0);
  ck_assert_int_eq(ADF_AddRule(t, &b, 129, 1, 0), 0);
  a.family = 5;
  ck_assert_int_eq(ADF_AddRule(t, &a, 8, 1, 0), 0);
  ck_assert_int_eq(ADF_AddRule(t, NULL, 8, 1, 0), 0);
  ck_assert_int_eq(ADF_AddRule(NULL, &b, 8, 1, 0), 0);
  ck_assert_int_eq(ADF_AnyAllowed(t), 0);
  ck_assert_int_eq(ADF_IsAllowed(t, &a), 0); /* unknown family: denied */
  ck_assert_int_eq(ADF_AnyAllowed(NULL), 0);
  ADF_Destroy(t);
}
END_TEST

/* For every prefix length of both families: the subnet contains exactly the addresses that
   agree on the first p bits.  Flipping any bit at or after p stays inside; flipping a bit
   before p leaves it. */
static void flip(uint8_t *addr, int bit)
{
  addr[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
}

START_TEST(test_every_prefix_length)
{
  const char *bases[2] = {"203.0.113.77", "2001:db8:a5c3:5a3c:f00f:1234:8765:abcd"};
  int f;

  for (f = 0; f < 2; f++) {
    IPAddr base = ip(bases[f]);
    int bits = ADDR_Bits(&base), p, b;

    for (p = 0; p <= bits; p++) {
      ADF_Table *t = ADF_Create();
      ck_assert_int_eq(ADF_AddRule(t, &base, p, 1, 0), 1);
      ck_assert_int_eq(ADF_IsAllowed(t, &base), 1);
      for (b = 0; b < bits; b++) {
        IPAddr x = base;
        flip(x.addr, b);
        ck_assert_msg(ADF_IsAllowed(t, &x) == (b >= p), "family %d prefix %d bit %d",
                      base.family, p, b);
      }
      /* A deny one bit longer carves out exactly half. */
      if (p < bits) {
        IPAddr x = base;
        ck_assert_int_eq(ADF_AddRule(t, &base, p + 1, 0, 0), 1);
        ck_assert_int_eq(ADF_IsAllowed(t, &base), 0);
        flip(x.addr, p);
        ck_assert_int_eq(ADF_IsAllowed(t, &x), 1);
      }
      ADF_Destroy(t);
    }
  }
}
END_TEST

/* A brute-force model of the semantics: a list of (subnet, state); a rule replaces the
   entry for its subnet; `all` first drops the entries strictly inside it; lookup takes the
   longest containing entry. */
typedef struct {
  IPAddr net;
  int prefix;
  int allow;
} ModelRule;

#define MODEL_MAX 600

typedef struct {
  ModelRule r[MODEL_MAX];
  int n;
} Model;

static void model_add(Model *m, const IPAddr *net, int prefix, int allow, int all)
{
  IPAddr masked = *net;
  int i, j;

  ADDR_MaskPrefix(&masked, prefix);
  if (all) {
    for (i = j = 0; i < m->n; i++) {
      if (m->r[i].net.family == masked.family && m->r[i].prefix > prefix &&
          ADDR_InSubnet(&m->r[i].net, &masked, prefix)) {
        continue;
      }
      m->r[j++] = m->r[i];
    }
    m->n = j;
  }
  for (i = 0; i < m->n; i++) {
    if (m->r[i].prefix == prefix && ADDR_Equal(&m->r[i].net, &masked)) {
      m->r[i].allow = allow;
      return;
    }
  }
  ck_assert_int_lt(m->n, MODEL_MAX);
  m->r[m->n].net = masked;
  m->r[m->n].prefix = prefix;
  m->r[m->n].allow = allow;
  m->n++;
}

static int model_allowed(const Model *m, const IPAddr *a)
{
  int i, best = -1, allow = 0;

  for (i = 0; i < m->n; i++) {
    if (ADDR_InSubnet(a, &m->r[i].net, m->r[i].prefix) || (m->r[i].prefix == 0 &&
        a->family == m->r[i].net.family)) {
      if (m->r[i].prefix > best) {
        best = m->r[i].prefix;
        allow = m->r[i].allow;
      }
    }
  }
  return allow;
}

static uint32_t rng_state;

static uint32_t rnd(void)
{
  /* xorshift32: deterministic, so a failure reproduces. */
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* Addresses drawn near a few bases, so that random rules and lookups overlap. */
static void random_addr(IPAddr *a, int v6)
{
  static const uint8_t base4[4] = {10, 20, 30, 40};
  static const uint8_t base6[16] = {0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  int i, n = v6 ? 16 : 4;
  int keep = (int)(rnd() % (unsigned)(n * 8 + 1));

  memset(a, 0, sizeof(*a));
  a->family = v6 ? ADDR_INET6 : ADDR_INET4;
  for (i = 0; i < n; i++) {
    a->addr[i] = v6 ? base6[i] : base4[i];
  }
  /* Randomise the bits after `keep`. */
  for (i = keep; i < n * 8; i++) {
    if (rnd() & 1) {
      flip(a->addr, i);
    }
  }
}

START_TEST(test_random_against_model)
{
  static Model m;
  int round;

  rng_state = 0x12345678u;
  for (round = 0; round < 20; round++) {
    ADF_Table *t = ADF_Create();
    int i;

    m.n = 0;
    for (i = 0; i < 25; i++) {
      IPAddr net;
      int v6 = (int)(rnd() & 1), prefix, allow = (int)(rnd() & 1);
      int all = (rnd() % 5) == 0;

      random_addr(&net, v6);
      prefix = (int)(rnd() % (unsigned)(ADDR_Bits(&net) + 1));
      ck_assert_int_eq(ADF_AddRule(t, &net, prefix, allow, all), 1);
      model_add(&m, &net, prefix, allow, all);
    }
    for (i = 0; i < 400; i++) {
      IPAddr a;
      random_addr(&a, (int)(rnd() & 1));
      ck_assert_int_eq(ADF_IsAllowed(t, &a), model_allowed(&m, &a));
    }
    {
      int any = 0;
      for (i = 0; i < m.n; i++) {
        any |= m.r[i].allow;
      }
      ck_assert_int_eq(ADF_AnyAllowed(t), any);
    }
    ADF_Destroy(t);
  }
}
END_TEST

START_TEST(test_many_rules)
{
  /* 20000 host rules and 20000 lookups; also exercises freeing a big tree with `all`. */
  ADF_Table *t = ADF_Create();
  IPAddr a;
  uint32_t i;

  for (i = 0; i < 20000; i++) {
    ADDR_FromIPv4(0x0a000000u + i * 2, &a);
    ck_assert_int_eq(ADF_AddRule(t, &a, 32, 1, 0), 1);
  }
  for (i = 0; i < 20000; i++) {
    ADDR_FromIPv4(0x0a000000u + i, &a);
    ck_assert_int_eq(ADF_IsAllowed(t, &a), (i & 1) == 0);
  }
  ADDR_FromIPv4(0x0a000000u, &a);
  ck_assert_int_eq(ADF_AddRule(t, &a, 8, 0, 1), 1);
  ck_assert_int_eq(ADF_AnyAllowed(t), 0);
  ADDR_FromIPv4(0x0a000002u, &a);
  ck_assert_int_eq(ADF_IsAllowed(t, &a), 0);
  ADF_Destroy(t);
}
END_TEST

Suite *addrfilt_suite(void)
{
  Suite *s = suite_create("addrfilt");
  TCase *tc = tcase_create("rules");

  tcase_add_test(tc, test_default_deny);
  tcase_add_test(tc, test_single_host);
  tcase_add_test(tc, test_order_independent_without_all);
  tcase_add_test(tc, test_all_clears_earlier_more_specific);
  tcase_add_test(tc, test_same_subnet_later_wins);
  tcase_add_test(tc, test_no_argument_forms);
  tcase_add_test(tc, test_family_separation);
  tcase_add_test(tc, test_mapped_ipv6);
  tcase_add_test(tc, test_edge_prefixes);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_every_prefix_length);
  tcase_add_test(tc, test_random_against_model);
  tcase_add_test(tc, test_many_rules);
  suite_add_tcase(s, tc);
  return s;
}
