/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_conf.c - unit tests of the configuration parser (conf/conf.c).
 *
 * Every directive in valid and invalid forms, defaults, the "FILE:LINE:" messages, and
 * include/confdir/sourcedir through a fake CNF_FileOps whose files live in memory (the
 * core gets no real files).  No I/O.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "suites.h"

/* ---------- in-memory files for include/confdir/sourcedir ---------- */

typedef struct {
  const char *path;
  const char *text;
} MemFile;

typedef struct {
  const MemFile *files;
  size_t n;
  int reads;
} MemFs;

static int mem_read(void *ctx, const char *path, char **text, size_t *len, const char **err)
{
  MemFs *fs = ctx;

  for (size_t i = 0; i < fs->n; i++) {
    if (!strcmp(fs->files[i].path, path)) {
      size_t l = strlen(fs->files[i].text);
      *text = malloc(l ? l : 1);
      memcpy(*text, fs->files[i].text, l);
      *len = l;
      fs->reads++;
      return 1;
    }
  }
  *err = "No such file or directory";
  return 0;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int mem_list(void *ctx, const char *pattern, int is_dir, char ***paths)
{
  MemFs *fs = ctx;
  char **out = calloc(fs->n + 1, sizeof(*out));
  int n = 0;

  for (size_t i = 0; i < fs->n; i++) {
    const char *f = fs->files[i].path;
    size_t dl = strlen(pattern);
    int match;

    if (is_dir) {
      match = !strncmp(f, pattern, dl) && f[dl] == '/' && !strchr(f + dl + 1, '/') &&
              fnmatch("*.conf", f + dl + 1, 0) == 0;
    } else {
      match = fnmatch(pattern, f, FNM_PATHNAME) == 0;
    }
    if (match) {
      out[n++] = strdup(f);
    }
  }
  qsort(out, (size_t)n, sizeof(*out), cmp_str);
  *paths = out;
  return n;
}

#define FOPS(fs) {&(fs), mem_read, mem_list}

/* ---------- helpers ---------- */

static CNF_Messages m;

static CNF_Config *parse(const char *text)
{
  return CNF_Parse(text, strlen(text), "t.conf", NULL, &m);
}

/* Parse text that must fail; the message text must contain want. */
static void expect_error(const char *text, const char *want)
{
  CNF_Config *c = parse(text);

  ck_assert_msg(c == NULL, "'%s' was accepted", text);
  ck_assert_msg(m.n_errors >= 1, "'%s': no error counted", text);
  ck_assert_msg(strstr(m.text, want) != NULL, "'%s': expected '%s' in:\n%s", text, want, m.text);
}

/* Parse text that must succeed with no warnings. */
static CNF_Config *expect_ok(const char *text)
{
  CNF_Config *c = parse(text);

  ck_assert_msg(c != NULL, "'%s' rejected:\n%s", text, m.text);
  ck_assert_msg(m.n_warnings == 0 && m.n_errors == 0, "'%s' warned:\n%s", text, m.text);
  return c;
}

static CNF_Config *expect_warning(const char *text, const char *want)
{
  CNF_Config *c = parse(text);

  ck_assert_msg(c != NULL, "'%s' rejected:\n%s", text, m.text);
  ck_assert_msg(m.n_warnings >= 1 && strstr(m.text, want), "'%s': expected warning '%s' in:\n%s",
                text, want, m.text);
  return c;
}

/* ---------- defaults and syntax ---------- */

START_TEST(test_defaults)
{
  CNF_Config *d = CNF_Default(), *c = expect_ok("");

  ck_assert_int_eq(d->port, 123);
  ck_assert_int_eq(d->bind4.family, ADDR_UNSPEC);
  ck_assert_int_eq(d->bind6.family, ADDR_UNSPEC);
  ck_assert_uint_eq(d->n_rules, 0);
  ck_assert_uint_eq(d->n_sources, 0);
  ck_assert_int_eq(d->ratelimit.enabled, 0);
  ck_assert_int_eq(d->ratelimit.interval, 3);
  ck_assert_int_eq(d->ratelimit.burst, 8);
  ck_assert_int_eq(d->ratelimit.leak, 2);
  ck_assert_uint_eq(d->clientloglimit, 524288);
  ck_assert_int_eq(d->noclientlog, 0);
  ck_assert_int_eq(d->local, 0);
  ck_assert_int_eq(d->local_stratum, 10);
  ck_assert_str_eq(d->user, "");
  ck_assert_str_eq(d->bindcmdaddress, RUNDIR "/timed.sock");
  ck_assert_str_eq(d->pidfile, RUNDIR "/timed.pid");
  ck_assert_str_eq(d->driftfile, "");
  ck_assert(d->makestep_threshold == 0.0 && d->makestep_limit == 0);
  ck_assert(d->maxchange_offset == 0.0);
  /* An empty file is exactly the default. */
  ck_assert_int_eq(c->port, d->port);
  ck_assert_str_eq(c->pidfile, d->pidfile);
  ck_assert_uint_eq(c->clientloglimit, d->clientloglimit);
  ck_assert_uint_eq(m.len, 0);
  CNF_Free(c);
  CNF_Free(d);
  CNF_Free(NULL);
}
END_TEST

START_TEST(test_comments_and_blanks)
{
  CNF_Config *c = expect_ok("# comment\n  ! bang\n;semi\n\t%percent\n\n   \r\nserver a\r\n"
                            "# port 9\nPORT 1235");

  ck_assert_int_eq(c->port, 1235); /* case-insensitive as chronyd; last one without newline */
  CNF_Free(c);
  /* A comment character after a directive is not a comment (as chrony). */
  expect_error("port 123 # server\n", "too many arguments");
  /* The given port twice gives a warning, the last one wins. */
  c = expect_warning("port 1\nport 2\n", "t.conf:2: warning: port given more than once");
  ck_assert_int_eq(c->port, 2);
  CNF_Free(c);
}
END_TEST

START_TEST(test_port)
{
  CNF_Config *c = expect_ok("port 0\n");

  ck_assert_int_eq(c->port, 0);
  CNF_Free(c);
  c = expect_ok("port 65535\n");
  ck_assert_int_eq(c->port, 65535);
  CNF_Free(c);
  expect_error("port\n", "t.conf:1: error: port: missing argument");
  expect_error("port 65536\n", "out of range");
  expect_error("port -1\n", "out of range");
  expect_error("port 12a\n", "is not an integer");
  expect_error("port 1 2\n", "too many arguments");
  expect_error("port 99999999999999999999999\n", "out of range");
}
END_TEST

START_TEST(test_bindaddress)
{
  char buf[ADDR_STRLEN];
  CNF_Config *c = expect_ok("bindaddress 192.0.2.1\nbindaddress 2001:db8::1\n");

  ck_assert_str_eq(ADDR_Format(&c->bind4, buf, sizeof(buf)), "192.0.2.1");
  ck_assert_str_eq(ADDR_Format(&c->bind6, buf, sizeof(buf)), "2001:db8::1");
  CNF_Free(c);
  expect_error("bindaddress 192.0.2.1\nbindaddress 192.0.2.2\n",
               "t.conf:2: error: bindaddress: only one IPv4 address");
  expect_error("bindaddress ::1\nbindaddress ::2\n", "only one IPv6 address");
  expect_error("bindaddress host.example\n", "is not an IP address");
  expect_error("bindaddress\n", "missing argument");
}
END_TEST

/* ---------- allow / deny ---------- */

START_TEST(test_allow_forms)
{
  static const struct {
    const char *line, *addr;
    int family, prefix, allow, all;
  } ok[] = {
      {"allow 1.2.3.4", "1.2.3.4", ADDR_INET4, 32, 1, 0},
      {"allow 1.2.3.0/24", "1.2.3.0", ADDR_INET4, 24, 1, 0},
      {"allow 1.2.3", "1.2.3.0", ADDR_INET4, 24, 1, 0},
      {"allow 1.2", "1.2.0.0", ADDR_INET4, 16, 1, 0},
      {"allow 10", "10.0.0.0", ADDR_INET4, 8, 1, 0},
      {"allow 10/8", "10.0.0.0", ADDR_INET4, 8, 1, 0},
      {"allow 192.168.0.0/16", "192.168.0.0", ADDR_INET4, 16, 1, 0},
      {"allow 1.2.3.4/20", "1.2.0.0", ADDR_INET4, 20, 1, 0}, /* host bits cleared */
      {"allow 0/0", "0.0.0.0", ADDR_INET4, 0, 1, 0},         /* all of IPv4 (chrony) */
      {"allow ::/0", "::", ADDR_INET6, 0, 1, 0},
      {"allow 2001:db8::/32", "2001:db8::", ADDR_INET6, 32, 1, 0},
      {"allow 2001:db8::1", "2001:db8::1", ADDR_INET6, 128, 1, 0},
      {"deny 1.2.3.0/28", "1.2.3.0", ADDR_INET4, 28, 0, 0},
      {"deny all 1.2", "1.2.0.0", ADDR_INET4, 16, 0, 1},
      {"allow all 2001:db8::/48", "2001:db8::", ADDR_INET6, 48, 1, 1},
      {"ALLOW ALL 10", "10.0.0.0", ADDR_INET4, 8, 1, 1},
  };
  char buf[ADDR_STRLEN], text[128];

  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    snprintf(text, sizeof(text), "\n%s\n", ok[i].line);
    CNF_Config *c = expect_ok(text);
    ck_assert_uint_eq(c->n_rules, 1);
    ck_assert_msg(c->rules[0].net.family == ok[i].family, "%s: family", ok[i].line);
    ck_assert_str_eq(ADDR_Format(&c->rules[0].net, buf, sizeof(buf)), ok[i].addr);
    ck_assert_int_eq(c->rules[0].prefix, ok[i].prefix);
    ck_assert_int_eq(c->rules[0].allow, ok[i].allow);
    ck_assert_int_eq(c->rules[0].all, ok[i].all);
    ck_assert_int_eq(c->rules[0].line, 2);
    CNF_Free(c);
  }
}
END_TEST

START_TEST(test_allow_all_addresses_and_order)
{
  CNF_Config *c = expect_ok("allow\ndeny all\nallow 1.2.3.4\ndeny 1.2.3.0/24\nallow all 1.2/16\n");

  ck_assert_uint_eq(c->n_rules, 5);
  ck_assert_int_eq(c->rules[0].net.family, ADDR_UNSPEC);
  ck_assert_int_eq(c->rules[0].allow, 1);
  ck_assert_int_eq(c->rules[0].all, 0);
  ck_assert_int_eq(c->rules[1].net.family, ADDR_UNSPEC);
  ck_assert_int_eq(c->rules[1].allow, 0);
  ck_assert_int_eq(c->rules[1].all, 1);
  ck_assert_int_eq(c->rules[2].prefix, 32);
  ck_assert_int_eq(c->rules[3].allow, 0);
  ck_assert_int_eq(c->rules[4].all, 1);
  ck_assert_int_eq(c->rules[4].line, 5);
  CNF_Free(c);
}
END_TEST

START_TEST(test_allow_invalid)
{
  expect_error("allow 1.2.3.4.5\n", "t.conf:1: error: allow: '1.2.3.4.5'");
  expect_error("allow 256.1\n", "larger than 255");
  expect_error("allow 1.2.3.0/33\n", "invalid prefix length");
  expect_error("allow ::/129\n", "invalid prefix length");
  expect_error("allow 1.2.3.0/-1\n", "invalid prefix length");
  expect_error("allow 1.2.3.0/\n", "invalid prefix length");
  expect_error("allow 1..2\n", "not an IPv4 address");
  expect_error("allow 1.2.\n", "not an IPv4 address");
  expect_error("allow ntp.example.com\n", "host names are not supported");
  expect_error("deny 1.2.3.4 5.6.7.8\n", "too many arguments");
  expect_error("allow all 1.2 3\n", "too many arguments");
  expect_error("allow :::1\n", "not an address");
  expect_error("allow /8\n", "not an address");
  expect_error("allow 10.0.0.0.0\n", "not an IPv4 address");
  expect_error("allow 1.2.3.4/8/8\n", "invalid prefix length");
}
END_TEST

/* ---------- server-side directives ---------- */

START_TEST(test_ratelimit)
{
  CNF_Config *c = expect_ok("ratelimit\n");

  ck_assert_int_eq(c->ratelimit.enabled, 1);
  ck_assert_int_eq(c->ratelimit.interval, 3);
  ck_assert_int_eq(c->ratelimit.burst, 8);
  ck_assert_int_eq(c->ratelimit.leak, 2);
  ck_assert_int_eq(c->ratelimit.kod, 0);
  CNF_Free(c);
  c = expect_ok("ratelimit burst 16 interval -19 kod leak 4\n");
  ck_assert_int_eq(c->ratelimit.interval, -19);
  ck_assert_int_eq(c->ratelimit.burst, 16);
  ck_assert_int_eq(c->ratelimit.leak, 4);
  ck_assert_int_eq(c->ratelimit.kod, 1);
  CNF_Free(c);
  /* chrony 4.6 form: kod takes a rate, 0 = off. */
  c = expect_ok("ratelimit kod 2 interval 12\n");
  ck_assert_int_eq(c->ratelimit.kod, 1);
  ck_assert_int_eq(c->ratelimit.interval, 12);
  CNF_Free(c);
  c = expect_ok("ratelimit kod 0\n");
  ck_assert_int_eq(c->ratelimit.kod, 0);
  CNF_Free(c);
  expect_error("ratelimit interval 13\n", "out of range (-19 to 12)");
  expect_error("ratelimit interval -20\n", "out of range");
  expect_error("ratelimit burst 0\n", "out of range (1 to 255)");
  expect_error("ratelimit burst 256\n", "out of range");
  expect_error("ratelimit leak 5\n", "out of range (1 to 4)");
  expect_error("ratelimit kod 5\n", "out of range (0 to 4)");
  expect_error("ratelimit burst\n", "burst needs a value");
  expect_error("ratelimit speed 3\n", "unknown option 'speed'");
  expect_error("ratelimit interval x\n", "is not an integer");
}
END_TEST

START_TEST(test_clientlog)
{
  CNF_Config *c = expect_ok("clientloglimit 1048576\nnoclientlog\n");

  ck_assert_uint_eq(c->clientloglimit, 1048576);
  ck_assert_int_eq(c->noclientlog, 1);
  CNF_Free(c);
  c = expect_ok("clientloglimit 100000000000000000000000000000\n");
  ck_assert_uint_eq(c->clientloglimit, 2147483648u); /* chrony's maximum effective value */
  CNF_Free(c);
  expect_error("clientloglimit -5\n", "out of range");
  expect_error("clientloglimit 1k\n", "not an integer");
  expect_error("clientloglimit\n", "missing argument");
  expect_error("noclientlog yes\n", "too many arguments");
}
END_TEST

START_TEST(test_local)
{
  CNF_Config *c = expect_ok("local\n");

  ck_assert_int_eq(c->local, 1);
  ck_assert_int_eq(c->local_stratum, 10);
  ck_assert_int_eq(c->local_orphan, 0);
  ck_assert(c->local_distance == 1.0);
  ck_assert(c->local_waitunsynced == 0.0);
  CNF_Free(c);
  c = expect_ok("local stratum 8 orphan distance 0.1 activate 0.5\n");
  ck_assert_int_eq(c->local_stratum, 8);
  ck_assert_int_eq(c->local_orphan, 1);
  ck_assert(c->local_distance == 0.1);
  ck_assert(c->local_activate == 0.5);
  ck_assert(c->local_waitunsynced == 300.0); /* orphan default */
  CNF_Free(c);
  c = expect_ok("local stratum 1 orphan waitsynced 7200 waitunsynced 5\n");
  ck_assert_int_eq(c->local_stratum, 1);
  ck_assert(c->local_waitsynced == 7200.0);
  ck_assert(c->local_waitunsynced == 5.0);
  CNF_Free(c);
  expect_error("local stratum 0\n", "out of range (1 to 15)");
  expect_error("local stratum 16\n", "out of range");
  expect_error("local stratum\n", "stratum needs a value");
  expect_error("local distance -1\n", "out of range");
  expect_error("local distance nan\n", "is not a number");
  expect_error("local distance inf\n", "is not a number");
  expect_error("local stratum 5 fast\n", "unknown option 'fast'");
}
END_TEST

/* ---------- daemon-side directives ---------- */

START_TEST(test_user_paths)
{
  CNF_Config *c = expect_ok("user _timed\npidfile /tmp/t.pid\ndriftfile /var/lib/timed/drift\n"
                            "bindcmdaddress /tmp/t.sock\n");

  ck_assert_str_eq(c->user, "_timed");
  ck_assert_str_eq(c->pidfile, "/tmp/t.pid");
  ck_assert_str_eq(c->driftfile, "/var/lib/timed/drift");
  ck_assert_int_eq(c->driftfile_interval, 3600);
  ck_assert_str_eq(c->bindcmdaddress, "/tmp/t.sock");
  CNF_Free(c);
  c = expect_ok("pidfile /\nbindcmdaddress /\ndriftfile /d interval 60\n");
  ck_assert_str_eq(c->pidfile, "");
  ck_assert_str_eq(c->bindcmdaddress, "");
  ck_assert_int_eq(c->driftfile_interval, 60);
  CNF_Free(c);
  c = expect_warning("bindcmdaddress 127.0.0.1\nbindcmdaddress ::1\n",
                     "t.conf:1: warning: bindcmdaddress: timed has only the Unix command socket");
  ck_assert_uint_eq(m.n_warnings, 2);
  ck_assert_str_eq(c->bindcmdaddress, RUNDIR "/timed.sock");
  CNF_Free(c);
  c = expect_warning("cmdport 0\n", "cmdport: timed has no UDP command port");
  CNF_Free(c);
  expect_error("cmdport 70000\n", "out of range");
  expect_error("bindcmdaddress run/timed.sock\n", "neither an absolute path nor an IP address");
  expect_error("user\n", "missing argument");
  expect_error("user a b\n", "too many arguments");
  expect_error("user -root\n", "not a valid user name");
  expect_error("user r\xc3\xa9mi\n", "'r\\xc3\\xa9mi' is not a valid user name");
  expect_error("user abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234\n",
               "too long");
  expect_error("driftfile /d interval\n", "unexpected 'interval'");
  expect_error("driftfile /d every 60\n", "unexpected 'every'");
  expect_error("driftfile /d interval -1\n", "out of range");
  expect_error("pidfile\n", "missing argument");
}
END_TEST

START_TEST(test_long_paths)
{
  char text[400];

  /* 107 characters fit the socket path, 108 do not (sun_path). */
  snprintf(text, sizeof(text), "bindcmdaddress /%0106d\n", 0);
  CNF_Config *c = expect_ok(text);
  ck_assert_uint_eq(strlen(c->bindcmdaddress), 107);
  CNF_Free(c);
  snprintf(text, sizeof(text), "bindcmdaddress /%0107d\n", 0);
  expect_error(text, "too long (at most 107 characters)");
  snprintf(text, sizeof(text), "pidfile /%0300d\n", 0);
  expect_error(text, "too long (at most 255 characters)");
}
END_TEST

START_TEST(test_makestep_maxchange)
{
  CNF_Config *c = expect_ok("makestep 1.0 3\nmaxchange 1000 1 2\n");

  ck_assert(c->makestep_threshold == 1.0);
  ck_assert_int_eq(c->makestep_limit, 3);
  ck_assert(c->maxchange_offset == 1000.0);
  ck_assert_int_eq(c->maxchange_start, 1);
  ck_assert_int_eq(c->maxchange_ignore, 2);
  CNF_Free(c);
  c = expect_ok("makestep 0.1 -1\nmaxchange 0.5 0 -1\n");
  ck_assert(c->makestep_threshold == 0.1);
  ck_assert_int_eq(c->makestep_limit, -1);
  ck_assert_int_eq(c->maxchange_ignore, -1);
  CNF_Free(c);
  /* Number syntax (parsed without the locale). */
  static const struct {
    const char *text;
    double value;
  } nums[] = {{"0.1", 0.1},  {"1e-3", 0.001}, {"+2.5", 2.5},    {".5", 0.5},
              {"5.", 5.0},   {"100.0", 100.0}, {"0", 0.0},      {"1E2", 100.0},
              {"0.000001", 1e-6}, {"1234567.125", 1234567.125}};
  for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
    char t[96];
    snprintf(t, sizeof(t), "makestep %s 1\n", nums[i].text);
    c = expect_ok(t);
    ck_assert_msg(c->makestep_threshold == nums[i].value, "%s -> %.17g", nums[i].text,
                  c->makestep_threshold);
    CNF_Free(c);
  }
  expect_error("makestep . 1\n", "not a number");
  expect_error("makestep 1e 1\n", "not a number");
  expect_error("makestep e5 1\n", "not a number");
  expect_error("makestep 1,5 1\n", "not a number");
  expect_error("makestep 1e999 1\n", "out of range");
  expect_error("makestep - 1\n", "not a number");
  expect_error("makestep 1\n", "missing argument");
  expect_error("makestep 1 2 3\n", "too many arguments");
  expect_error("makestep -1 3\n", "out of range");
  expect_error("makestep 1 x\n", "not an integer");
  expect_error("makestep 0x10 3\n", "not a number");
  expect_error("makestep 1.5.2 3\n", "not a number");
  expect_error("maxchange 0 1 2\n", "out of range");
  expect_error("maxchange 1000 -1 2\n", "out of range");
  expect_error("maxchange 1000 1\n", "missing argument");
}
END_TEST

/* ---------- sources ---------- */

START_TEST(test_sources)
{
  CNF_Config *c = expect_ok("server ntp1.example.net iburst prefer\n"
                            "pool 2.debian.pool.ntp.org iburst maxsources 3\n"
                            "server 192.0.2.7 minpoll -7 maxpoll 24 port 1123 maxdelay 0.3 "
                            "burst noselect trust require nts\n"
                            "Server fe80::1%eth0 MINPOLL 4\n");

  ck_assert_uint_eq(c->n_sources, 4);
  ck_assert_str_eq(c->sources[0].name, "ntp1.example.net");
  ck_assert_int_eq(c->sources[0].iburst, 1);
  ck_assert_int_eq(c->sources[0].prefer, 1);
  ck_assert_int_eq(c->sources[0].pool, 0);
  ck_assert_int_eq(c->sources[0].minpoll, 6);
  ck_assert_int_eq(c->sources[0].maxpoll, 10);
  ck_assert_int_eq(c->sources[0].port, 123);
  ck_assert(c->sources[0].maxdelay == 3.0);
  ck_assert_int_eq(c->sources[1].pool, 1);
  ck_assert_int_eq(c->sources[1].maxsources, 3);
  ck_assert_int_eq(c->sources[1].line, 2);
  ck_assert_int_eq(c->sources[2].minpoll, -7);
  ck_assert_int_eq(c->sources[2].maxpoll, 24);
  ck_assert_int_eq(c->sources[2].port, 1123);
  ck_assert(c->sources[2].maxdelay == 0.3);
  ck_assert(c->sources[2].burst && c->sources[2].noselect && c->sources[2].trust &&
            c->sources[2].require && c->sources[2].nts);
  ck_assert_int_eq(c->sources[2].iburst, 0);
  ck_assert_str_eq(c->sources[3].name, "fe80::1%eth0");
  ck_assert_int_eq(c->sources[3].minpoll, 4);
  CNF_Free(c);
}
END_TEST

START_TEST(test_sources_warnings)
{
  CNF_Config *c = expect_warning("server a.example xleave key 10 offline extfield F323\n",
                                 "t.conf:1: warning: server: option xleave is not supported");

  ck_assert_uint_eq(m.n_warnings, 4);
  ck_assert_uint_eq(c->n_sources, 1);
  CNF_Free(c);
  c = expect_warning("peer 192.0.2.1\n", "peer: symmetric mode is not supported");
  ck_assert_int_eq(c->sources[0].peer, 1);
  ck_assert_int_eq(c->sources[0].pool, 0);
  CNF_Free(c);
  c = expect_warning("server a minpoll 8 maxpoll 4\n", "maxpoll 4 is smaller than minpoll 8");
  ck_assert_int_eq(c->sources[0].maxpoll, 8);
  CNF_Free(c);
  c = expect_warning("server a maxsources 2\n", "maxsources has an effect only in a pool");
  CNF_Free(c);
}
END_TEST

START_TEST(test_sources_invalid)
{
  expect_error("server\n", "t.conf:1: error: server: missing host name");
  expect_error("server a minpoll 25\n", "out of range (-7 to 24)");
  expect_error("server a maxpoll -8\n", "out of range");
  expect_error("server a minpoll\n", "option minpoll needs a value");
  expect_error("server a port 0\n", "out of range (1 to 65535)");
  expect_error("server a maxdelay 0\n", "maxdelay must be larger than 0");
  expect_error("server a maxdelay 1001\n", "out of range");
  expect_error("pool a maxsources 17\n", "out of range (1 to 16)");
  expect_error("server a fast\n", "server: unknown option 'fast'");
  expect_error("server a key\n", "option key needs a value");
  expect_error("server a key abc\n", "not a number");
  expect_error("server a extfield XYZ\n", "not a hexadecimal type");
  expect_error("server a/b\n", "not a valid host name");
  expect_error("server -x\n", "not a valid host name");
  expect_error("pool a\xff\n", "'a\\xff' is not a valid host name");
}
END_TEST

/* ---------- unsupported / unknown ---------- */

START_TEST(test_unsupported_and_unknown)
{
  CNF_Config *c = parse("rtcsync\nlogdir /var/log/chrony\nkeyfile /etc/chrony/chrony.keys\n"
                        "refclock PPS /dev/pps0 lock NMEA\nleapsectz right/UTC\n"
                        "maxclockerror 1\nhwtimestamp *\ncmdallow 10/8\nlinux_hz 100\n");

  ck_assert_ptr_nonnull(c);
  ck_assert_uint_eq(m.n_errors, 0);
  ck_assert_uint_eq(m.n_warnings, 9);
  ck_assert_msg(strstr(m.text, "t.conf:1: warning: rtcsync is not supported by timed yet; "
                               "ignored\n") == m.text, "%s", m.text);
  ck_assert(strstr(m.text, "t.conf:6: warning: maxclockerror is not supported by timed yet"));
  ck_assert(strstr(m.text, "t.conf:9: warning: linux_hz is no longer supported"));
  CNF_Free(c);

  expect_error("server a\nfoo bar\n", "t.conf:2: error: unknown directive 'foo'\n");
  ck_assert_uint_eq(m.n_errors, 1);
  /* Several errors are all reported, each with its line. */
  c = parse("foo\nport x\nbar\n");
  ck_assert_ptr_null(c);
  ck_assert_uint_eq(m.n_errors, 3);
  ck_assert(strstr(m.text, "t.conf:1: error: unknown directive 'foo'\n"));
  ck_assert(strstr(m.text, "t.conf:2: error: port: value 'x' is not an integer\n"));
  ck_assert(strstr(m.text, "t.conf:3: error: unknown directive 'bar'\n"));
  /* Invalid UTF-8 and other non-ASCII bytes are escaped in messages. */
  expect_error("\xc3\x28 x\n", "unknown directive '\\xc3('");
  /* No file name: a placeholder. */
  c = CNF_Parse("foo\n", 4, NULL, NULL, &m);
  ck_assert_ptr_null(c);
  ck_assert_str_eq(m.text, "<config>:1: error: unknown directive 'foo'\n");
  /* msgs may be NULL. */
  ck_assert_ptr_null(CNF_Parse("foo\n", 4, "x", NULL, NULL));
  c = CNF_Parse("port 5\n", 7, "x", NULL, NULL);
  ck_assert_int_eq(c->port, 5);
  CNF_Free(c);
}
END_TEST

/* ---------- hostile input ---------- */

START_TEST(test_long_lines)
{
  size_t n = 100000;
  char *t = malloc(n + 32);
  CNF_Config *c;

  /* A line of exactly CNF_MAX_LINE characters is fine; one more is an error. */
  memset(t, ' ', n);
  memcpy(t, "port 7", 6);
  c = CNF_Parse(t, CNF_MAX_LINE, "t.conf", NULL, &m);
  ck_assert_ptr_nonnull(c);
  ck_assert_int_eq(c->port, 7);
  CNF_Free(c);
  c = CNF_Parse(t, CNF_MAX_LINE + 1, "t.conf", NULL, &m);
  ck_assert_ptr_null(c);
  ck_assert_str_eq(m.text, "t.conf:1: error: line is longer than 2047 characters\n");
  /* A huge line followed by a good one: one error, the line number still right. */
  memset(t, 'a', n);
  memcpy(t + n, "\nfoo\n", 5);
  c = CNF_Parse(t, n + 5, "t.conf", NULL, &m);
  ck_assert_ptr_null(c);
  ck_assert_uint_eq(m.n_errors, 2);
  ck_assert(strstr(m.text, "t.conf:2: error: unknown directive 'foo'"));
  /* A comment line may be of any length. */
  t[0] = '#';
  memcpy(t + n, "\nport 8\n", 8);
  c = CNF_Parse(t, n + 8, "t.conf", NULL, &m);
  ck_assert_msg(c != NULL, "%s", m.text);
  ck_assert_int_eq(c->port, 8);
  CNF_Free(c);
  /* Too many words. */
  t[0] = '\0';
  strcat(t, "log");
  for (int i = 0; i < 70; i++) {
    strcat(t, " x");
  }
  expect_error(t, "too many words");
  /* A long word in a message is cut. */
  memset(t, 'z', 1000);
  t[1000] = '\0';
  expect_error(t, "unknown directive 'zzzzzzzzzz");
  ck_assert(m.len < 200);
  free(t);
}
END_TEST

START_TEST(test_nul_and_control)
{
  static const char nul[] = "server a\nport\0 6\nserver b\n";
  CNF_Config *c = CNF_Parse(nul, sizeof(nul) - 1, "t.conf", NULL, &m);

  ck_assert_ptr_null(c);
  ck_assert_uint_eq(m.n_errors, 1);
  ck_assert_str_eq(m.text, "t.conf:2: error: line contains a NUL byte\n");
  expect_error("port \x01\n", "control character \\x01");
  /* Comment lines are skipped whatever they hold. */
  static const char cmt[] = "# \x01\x1b[31m \0 \xff\n  ; \0\nport 9\n";
  c = CNF_Parse(cmt, sizeof(cmt) - 1, "t.conf", NULL, &m);
  ck_assert_msg(c != NULL, "%s", m.text);
  ck_assert_int_eq(c->port, 9);
  CNF_Free(c);
  expect_error("port 5\x7f\n", "control character \\x7f");
  /* NULL text with a length is refused, not dereferenced. */
  ck_assert_ptr_null(CNF_Parse(NULL, 5, "t.conf", NULL, &m));
  c = CNF_Parse(NULL, 0, "t.conf", NULL, &m);
  ck_assert_ptr_nonnull(c);
  CNF_Free(c);
}
END_TEST

START_TEST(test_message_limit)
{
  size_t n = 3000;
  char *t = malloc(n * 4 + 1);

  for (size_t i = 0; i < n; i++) {
    memcpy(t + 4 * i, "foo\n", 4);
  }
  ck_assert_ptr_null(CNF_Parse(t, n * 4, "t.conf", NULL, &m));
  ck_assert_uint_eq(m.n_errors, n);
  ck_assert_int_eq(m.truncated, 1);
  ck_assert(m.len < sizeof(m.text));
  ck_assert_uint_eq(strlen(m.text), m.len);
  ck_assert(strstr(m.text, "warning: further messages suppressed\n"));
  ck_assert(m.text[m.len - 1] == '\n');
  free(t);
}
END_TEST

/* ---------- include / confdir / sourcedir ---------- */

START_TEST(test_include)
{
  static const MemFile files[] = {
      {"/etc/timed/a.conf", "server a.example\nallow 10/8\n"},
      {"/etc/timed/b.conf", "# b\nserver b.example\n"},
      {"/etc/timed/bad.conf", "port 1\nfoo\n"},
      {"/etc/other.txt", "server z\n"},
  };
  MemFs fs = {files, 4, 0};
  CNF_FileOps ops = FOPS(fs);
  const char *t = "port 1000\ninclude /etc/timed/[ab].conf\nserver c.example\n";
  CNF_Config *c = CNF_Parse(t, strlen(t), "main.conf", &ops, &m);

  ck_assert_msg(c != NULL, "%s", m.text);
  ck_assert_uint_eq(c->n_sources, 3);
  ck_assert_str_eq(c->sources[0].name, "a.example");
  ck_assert_str_eq(c->sources[1].name, "b.example");
  ck_assert_str_eq(c->sources[2].name, "c.example");
  ck_assert_int_eq(c->sources[1].line, 2); /* line within b.conf */
  ck_assert_uint_eq(c->n_rules, 1);
  CNF_Free(c);

  /* Errors in an included file name that file and its line. */
  t = "port 2\ninclude /etc/timed/bad.conf\nfoo2\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert_msg(strstr(m.text, "/etc/timed/bad.conf:2: error: unknown directive 'foo'\n"), "%s",
                m.text);
  ck_assert(strstr(m.text, "main.conf:3: error: unknown directive 'foo2'\n"));
  ck_assert(strstr(m.text, "/etc/timed/bad.conf:1: warning: port given more than once"));

  t = "include /etc/nothing/*.conf\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert(strstr(m.text, "main.conf:1: error: include: no file matches '/etc/nothing/*.conf'"));
  t = "include /etc/timed/a.conf /etc/timed/b.conf\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert(strstr(m.text, "too many arguments"));
  /* Without file operations include is an error, not a crash. */
  t = "include /etc/timed/a.conf\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", NULL, &m));
  ck_assert(strstr(m.text, "main.conf:1: error: include: including files is not possible"));
}
END_TEST

static int list_missing(void *ctx, const char *pattern, int is_dir, char ***paths)
{
  *paths = calloc(1, sizeof(**paths));
  (*paths)[0] = strdup("/missing.conf");
  return 1;
}

static int list_fail(void *ctx, const char *pattern, int is_dir, char ***paths)
{
  *paths = NULL;
  return -1;
}

START_TEST(test_include_unreadable)
{
  static const MemFile files[] = {{"/a.conf", "port 3\n"}, {"/e.conf", ""}};
  MemFs fs = {files, 2, 0};
  CNF_FileOps ops = FOPS(fs);
  const char *t = "include /a.conf\nconfdir /nonexistent\ninclude /e.conf\n";
  CNF_Config *c = CNF_Parse(t, strlen(t), "main.conf", &ops, &m);

  ck_assert_msg(c != NULL, "%s", m.text); /* a missing confdir directory is fine (as chrony) */
  ck_assert_uint_eq(m.len, 0);
  ck_assert_int_eq(c->port, 3);
  CNF_Free(c);
  /* A listed file that cannot be read: error naming it and the reason. */
  ops.list_files = list_missing;
  t = "include /*.conf\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert_msg(strstr(m.text, "main.conf:1: error: include: cannot read '/missing.conf': No such "
                               "file or directory"), "%s", m.text);
  /* Listing fails: error for include, warning for confdir. */
  ops.list_files = list_fail;
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert(strstr(m.text, "include: cannot expand '/*.conf'"));
  t = "confdir /etc/x\n";
  c = CNF_Parse(t, strlen(t), "main.conf", &ops, &m);
  ck_assert_ptr_nonnull(c);
  ck_assert(strstr(m.text, "main.conf:1: warning: confdir: cannot read directory '/etc/x'"));
  CNF_Free(c);
}
END_TEST

START_TEST(test_include_loops)
{
  /* A file including itself, and two files including each other. */
  static const MemFile self[] = {{"/s.conf", "include /s.conf\n"},
                                 {"/a.conf", "include /b.conf\n"},
                                 {"/b.conf", "include /a.conf\n"}};
  MemFs fs = {self, 3, 0};
  CNF_FileOps ops = FOPS(fs);
  const char *t = "include /s.conf\n";

  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert_msg(strstr(m.text, "/s.conf:1: error: include: '/s.conf' includes itself"), "%s", m.text);
  ck_assert_int_le(fs.reads, 2);
  t = "include /a.conf\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert(strstr(m.text, "/b.conf:1: error: include: '/a.conf' includes itself"));

  /* A loop the path check cannot see (every level a different name, e.g. ./x vs x): the
     depth limit stops it after CNF_MAX_DEPTH levels. */
  static const MemFile chain[] = {
      {"/l0.conf", "include /l1.conf\n"}, {"/l1.conf", "include /l2.conf\n"},
      {"/l2.conf", "include /l3.conf\n"}, {"/l3.conf", "include /l4.conf\n"},
      {"/l4.conf", "include /l5.conf\n"}, {"/l5.conf", "include /l6.conf\n"},
      {"/l6.conf", "include /l7.conf\n"}, {"/l7.conf", "include /l8.conf\n"},
      {"/l8.conf", "include /l9.conf\n"}, {"/l9.conf", "server deep\n"},
  };
  MemFs fs2 = {chain, 10, 0};
  CNF_FileOps ops2 = FOPS(fs2);
  t = "include /l0.conf\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops2, &m));
  ck_assert_uint_eq(m.n_errors, 1);
  ck_assert_msg(strstr(m.text, "/l7.conf:1: error: include: files nested more than 8 levels"),
                "%s", m.text);
  ck_assert_int_eq(fs2.reads, CNF_MAX_DEPTH);
  /* Seven levels are fine. */
  t = "include /l3.conf\n";
  CNF_Config *c = CNF_Parse(t, strlen(t), "main.conf", &ops2, &m);
  ck_assert_msg(c != NULL, "%s", m.text);
  ck_assert_str_eq(c->sources[0].name, "deep");
  CNF_Free(c);
}
END_TEST

START_TEST(test_include_fanout_bounded)
{
  /* Every file includes all four files twice: without a limit 8^8 parses. */
  static const MemFile f[] = {{"/f/1.conf", "include /f/*.conf\ninclude /f/*.conf\n"},
                              {"/f/2.conf", "include /f/*.conf\ninclude /f/*.conf\n"},
                              {"/f/3.conf", "include /f/*.conf\ninclude /f/*.conf\n"},
                              {"/f/4.conf", "include /f/*.conf\ninclude /f/*.conf\n"}};
  MemFs fs = {f, 4, 0};
  CNF_FileOps ops = FOPS(fs);
  const char *t = "include /f/*.conf\n";

  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert_int_le(fs.reads, CNF_MAX_FILES);
  ck_assert(strstr(m.text, "includes itself") || strstr(m.text, "more than 256 files"));
}
END_TEST

START_TEST(test_confdir_sourcedir)
{
  static const MemFile files[] = {
      {"/etc/timed/conf.d/20-b.conf", "server b\n"},
      {"/etc/timed/conf.d/10-a.conf", "server a\n"},
      {"/etc/timed/conf.d/notes.txt", "garbage\n"},
      {"/usr/lib/timed/conf.d/10-a.conf", "server shadowed\n"},
      {"/usr/lib/timed/conf.d/15-c.conf", "server c\n"},
      {"/run/dhcp/eth0.sources", "server dhcp1 iburst\npool dhcp.pool\n"},
      {"/run/dhcp/eth0.conf", "server notasource\n"},
      {"/run/bad/x.sources", "server ok\nallow\n"},
  };
  MemFs fs = {files, 8, 0};
  CNF_FileOps ops = FOPS(fs);
  const char *t = "confdir /etc/timed/conf.d /usr/lib/timed/conf.d\nsourcedir /run/dhcp\n";
  CNF_Config *c = CNF_Parse(t, strlen(t), "main.conf", &ops, &m);

  ck_assert_msg(c != NULL, "%s", m.text);
  ck_assert_uint_eq(c->n_sources, 5);
  /* Sorted by file name across directories; the first directory's 10-a.conf wins. */
  ck_assert_str_eq(c->sources[0].name, "a");
  ck_assert_str_eq(c->sources[1].name, "c");
  ck_assert_str_eq(c->sources[2].name, "b");
  ck_assert_str_eq(c->sources[3].name, "dhcp1");
  ck_assert_str_eq(c->sources[4].name, "dhcp.pool");
  ck_assert_int_eq(c->sources[4].pool, 1);
  CNF_Free(c);

  /* A sources file may hold only server/pool/peer. */
  t = "sourcedir /run/bad\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert_msg(strstr(m.text, "/run/bad/x.sources:2: error: allow: only server, pool and peer"),
                "%s", m.text);
  t = "confdir\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert(strstr(m.text, "missing argument"));
  t = "confdir 1 2 3 4 5 6 7 8 9 10 11\n";
  ck_assert_ptr_null(CNF_Parse(t, strlen(t), "main.conf", &ops, &m));
  ck_assert(strstr(m.text, "too many arguments"));
}
END_TEST

/* ---------- source selection and discipline ---------- */

START_TEST(test_client_defaults)
{
  CNF_Config *d = CNF_Default();

  /* chrony.conf(5) defaults, but maxdrift (see doc/timed.conf.md). */
  ck_assert_int_eq(d->minsources, 1);
  ck_assert(d->maxdistance == 3.0);
  ck_assert(d->maxjitter == 1.0);
  ck_assert(d->combinelimit == 3.0);
  ck_assert(d->reselectdist == 1e-4);
  ck_assert(d->stratumweight == 1e-3);
  ck_assert(d->maxslewrate == 83333.333);
  ck_assert(d->maxupdateskew == 1000.0);
  ck_assert(d->maxdrift == 500.0);
  ck_assert(d->corrtimeratio == 3.0);
  ck_assert_int_eq(d->leapsecmode, CNF_LEAP_SYSTEM);
  ck_assert_int_eq(d->polltarget, 8);
  ck_assert_int_eq(d->minsamples, 6);
  ck_assert_int_eq(d->maxsamples, 0);
  CNF_Free(d);
}
END_TEST

START_TEST(test_client_directives)
{
  CNF_Config *c = expect_ok("minsources 3\nmaxdistance 1.5\nmaxjitter 0.25\ncombinelimit 5\n"
                            "reselectdist 2e-4\nstratumweight 0\nmaxslewrate 500\n"
                            "maxupdateskew 100.0\nmaxdrift 250\ncorrtimeratio 10\n"
                            "polltarget 30\nminsamples 4\nmaxsamples 32\nleapsecmode slew\n");

  ck_assert_int_eq(c->minsources, 3);
  ck_assert(c->maxdistance == 1.5);
  ck_assert(c->maxjitter == 0.25);
  ck_assert(c->combinelimit == 5.0);
  ck_assert(c->reselectdist == 2e-4);
  ck_assert(c->stratumweight == 0.0);
  ck_assert(c->maxslewrate == 500.0);
  ck_assert(c->maxupdateskew == 100.0);
  ck_assert(c->maxdrift == 250.0);
  ck_assert(c->corrtimeratio == 10.0);
  ck_assert_int_eq(c->polltarget, 30);
  ck_assert_int_eq(c->minsamples, 4);
  ck_assert_int_eq(c->maxsamples, 32);
  ck_assert_int_eq(c->leapsecmode, CNF_LEAP_SLEW);
  CNF_Free(c);

  /* Every mode, any case; the range ends are accepted. */
  c = expect_ok("LeapSecMode STEP\n");
  ck_assert_int_eq(c->leapsecmode, CNF_LEAP_STEP);
  CNF_Free(c);
  c = expect_ok("leapsecmode ignore\n");
  ck_assert_int_eq(c->leapsecmode, CNF_LEAP_IGNORE);
  CNF_Free(c);
  c = expect_ok("leapsecmode system\nminsources 64\nmaxslewrate 100000\nmaxdrift 500000\n"
                "polltarget 6\nmaxsamples 0\nminsamples 64\nmaxdistance 0\ncombinelimit 0\n");
  ck_assert_int_eq(c->leapsecmode, CNF_LEAP_SYSTEM);
  ck_assert_int_eq(c->minsources, 64);
  ck_assert(c->maxslewrate == 100000.0 && c->maxdrift == 500000.0);
  ck_assert_int_eq(c->polltarget, 6);
  ck_assert(c->maxdistance == 0.0 && c->combinelimit == 0.0);
  CNF_Free(c);

  /* The last of a repeated directive wins, with a warning (as chrony). */
  c = expect_warning("maxdistance 1\nmaxdistance 2\n",
                     "t.conf:2: warning: maxdistance given more than once");
  ck_assert(c->maxdistance == 2.0);
  CNF_Free(c);
}
END_TEST

START_TEST(test_client_directives_invalid)
{
  expect_error("minsources 0\n", "t.conf:1: error: minsources: value 0 is out of range (1 to 64)");
  expect_error("minsources 65\n", "out of range (1 to 64)");
  expect_error("minsources 1.5\n", "minsources: value '1.5' is not an integer");
  expect_error("minsources\n", "minsources: missing argument");
  expect_error("minsources 1 2\n", "minsources: too many arguments (unexpected '2')");
  expect_error("maxdistance -1\n", "maxdistance: value -1 is out of range");
  expect_error("maxdistance nan\n", "maxdistance: value 'nan' is not a number");
  expect_error("maxdistance inf\n", "not a number");
  expect_error("maxdistance 1e999\n", "out of range");
  expect_error("maxjitter 0x10\n", "not a number");
  expect_error("combinelimit -0.5\n", "out of range");
  expect_error("reselectdist 1e7\n", "out of range");
  expect_error("stratumweight -1e-3\n", "out of range");
  expect_error("maxslewrate 0\n", "maxslewrate: value must be larger than 0");
  expect_error("maxslewrate 100001\n", "out of range (0 to 100000)");
  expect_error("maxupdateskew 0\n", "maxupdateskew: value must be larger than 0");
  expect_error("maxdrift 0\n", "maxdrift: value must be larger than 0");
  expect_error("maxdrift 500001\n", "out of range");
  expect_error("corrtimeratio 0\n", "corrtimeratio: value must be larger than 0");
  expect_error("polltarget 5\n", "polltarget: value 5 is out of range (6 to 60)");
  expect_error("polltarget 61\n", "out of range (6 to 60)");
  expect_error("minsamples -1\n", "out of range (0 to 64)");
  expect_error("maxsamples 65\n", "out of range (0 to 64)");
  expect_error("leapsecmode smear\n",
               "leapsecmode: unknown mode 'smear' (expected system, step, slew or ignore)");
  expect_error("leapsecmode\n", "leapsecmode: missing argument");
  expect_error("leapsecmode slew step\n", "too many arguments");
  /* An error keeps the default: the whole parse fails, nothing half-set is returned. */
  ck_assert_uint_eq(m.n_errors, 1);
}
END_TEST

START_TEST(test_client_sources)
{
  /* The options of the client side parse into CNF_Source. */
  CNF_Config *c = expect_ok("server 127.0.0.1 iburst minpoll 4 maxpoll 6 prefer noselect trust "
                            "require maxdelay 0.5 port 123\n"
                            "server ntp.example polltarget 12 minsamples 8 maxsamples 16\n"
                            "pool pool.example\n"
                            "polltarget 20\nminsamples 5\nmaxsamples 10\n");
  const CNF_Source *s = c->sources;

  ck_assert_uint_eq(c->n_sources, 3);
  ck_assert_str_eq(s[0].name, "127.0.0.1");
  ck_assert(s[0].iburst && s[0].prefer && s[0].noselect && s[0].trust && s[0].require);
  ck_assert(!s[0].burst && !s[0].nts && !s[0].pool);
  ck_assert_int_eq(s[0].minpoll, 4);
  ck_assert_int_eq(s[0].maxpoll, 6);
  ck_assert(s[0].maxdelay == 0.5);
  ck_assert_int_eq(s[0].port, 123);
  /* Per-source options win; otherwise the global directive, even when it comes later. */
  ck_assert_int_eq(s[1].polltarget, 12);
  ck_assert_int_eq(s[1].minsamples, 8);
  ck_assert_int_eq(s[1].maxsamples, 16);
  ck_assert_int_eq(s[0].polltarget, 20);
  ck_assert_int_eq(s[0].minsamples, 5);
  ck_assert_int_eq(s[0].maxsamples, 10);
  ck_assert_int_eq(s[2].polltarget, 20);
  ck_assert_int_eq(s[2].pool, 1);
  CNF_Free(c);

  /* Without global directives: chrony's defaults. */
  c = expect_ok("server a\n");
  ck_assert_int_eq(c->sources[0].polltarget, 8);
  ck_assert_int_eq(c->sources[0].minsamples, 6);
  ck_assert_int_eq(c->sources[0].maxsamples, 0);
  CNF_Free(c);

  expect_error("server a polltarget 5\n", "server: polltarget 5 is out of range (6 to 60)");
  expect_error("server a minsamples 65\n", "out of range (0 to 64)");
  expect_error("server a maxsamples -1\n", "out of range (0 to 64)");
  expect_error("server a maxsamples\n", "option maxsamples needs a value");
  expect_error("pool a polltarget x\n", "pool: polltarget 'x' is not an integer");
}
END_TEST

/* ---------- whole configurations ---------- */

/* Debian 12's default /etc/chrony/chrony.conf (comments shortened): must load with warnings
   only, so a chrony user's config mostly just works. */
static const char debian_conf[] =
    "# Welcome to the chrony configuration file. See chrony.conf(5) for more\n"
    "confdir /etc/chrony/conf.d\n"
    "pool 2.debian.pool.ntp.org iburst\n"
    "sourcedir /run/chrony-dhcp\n"
    "sourcedir /etc/chrony/sources.d\n"
    "keyfile /etc/chrony/chrony.keys\n"
    "driftfile /var/lib/chrony/chrony.drift\n"
    "ntsdumpdir /var/lib/chrony\n"
    "#log tracking measurements statistics\n"
    "logdir /var/log/chrony\n"
    "maxupdateskew 100.0\n"
    "# real-time clock. Note that it can\xe2\x80\x99t be used along with the 'rtcfile' directive.\n"
    "rtcsync\n"
    "makestep 1 3\n"
    "leapsectz right/UTC\n";

START_TEST(test_debian_default)
{
  static const MemFile none[] = {{"/unrelated", ""}};
  MemFs fs = {none, 1, 0};
  CNF_FileOps ops = FOPS(fs);
  CNF_Config *c = CNF_Parse(debian_conf, strlen(debian_conf), "chrony.conf", &ops, &m);

  ck_assert_msg(c != NULL, "%s", m.text);
  /* keyfile, logdir, rtcsync, leapsectz; maxupdateskew and ntsdumpdir are implemented. */
  ck_assert_uint_eq(m.n_warnings, 4);
  ck_assert_str_eq(c->nts_dumpdir, "/var/lib/chrony");
  ck_assert(c->maxupdateskew == 100.0);
  ck_assert_uint_eq(c->n_sources, 1);
  ck_assert_int_eq(c->sources[0].pool, 1);
  ck_assert_str_eq(c->driftfile, "/var/lib/chrony/chrony.drift");
  ck_assert(c->makestep_threshold == 1.0 && c->makestep_limit == 3);
  CNF_Free(c);
}
END_TEST

/* The directives of conf/timed.conf, lan-server.conf, client-only.conf and client.conf
   (the system tests run `timed -n -f` on the files themselves). */
START_TEST(test_examples)
{
  CNF_Config *c = expect_ok("# timed.conf: everything commented out\n#pool pool.ntp.org iburst\n");

  ck_assert_uint_eq(c->n_sources, 0);
  CNF_Free(c);
  /* Every example line of timed.conf uncommented (but confdir/sourcedir) is valid too. */
  c = expect_ok("pool pool.ntp.org iburst\n"
                "server ntp1.example.net iburst\n"
                "server 192.0.2.10 iburst minpoll 4 maxpoll 8\n"
                "minsamples 6\nmaxsamples 0\npolltarget 8\n"
                "minsources 1\nmaxdistance 3\nmaxjitter 1\ncombinelimit 3\n"
                "reselectdist 0.0001\nstratumweight 0.001\n"
                "driftfile /var/lib/timed/drift\n"
                "makestep 1.0 3\n"
                "maxchange 1000 1 2\n"
                "maxslewrate 83333.333\ncorrtimeratio 3\nmaxdrift 500\nmaxupdateskew 1000\n"
                "leapsecmode system\n"
                "allow 192.0.2.1\n"
                "allow 192.168.0.0/16\n"
                "allow 2001:db8::/32\n"
                "deny 192.168.5.0/24\n"
                "port 123\n"
                "bindaddress 192.0.2.1\n"
                "bindaddress 2001:db8::1\n"
                "ratelimit interval 3 burst 8 leak 2\n"
                "clientloglimit 524288\n"
                "noclientlog\n"
                "local stratum 10\n"
                "user _timed\n"
                "bindcmdaddress /run/timed/timed.sock\n"
                "pidfile /run/timed/timed.pid\n");
  ck_assert_uint_eq(c->n_sources, 3);
  ck_assert_uint_eq(c->n_rules, 4);
  CNF_Free(c);
  c = expect_ok("pool pool.ntp.org iburst maxsources 4\n"
                "driftfile /var/lib/timed/drift\n"
                "makestep 1.0 3\n"
                "allow 192.168.0.0/16\n"
                "allow 10/8\n"
                "ratelimit interval 1 burst 16 kod\n"
                "clientloglimit 1048576\n"
                "local stratum 10\n");
  ck_assert_uint_eq(c->n_rules, 2);
  ck_assert_int_eq(c->rules[1].prefix, 8);
  ck_assert_int_eq(c->ratelimit.enabled, 1);
  ck_assert_int_eq(c->ratelimit.kod, 1);
  ck_assert_int_eq(c->local, 1);
  CNF_Free(c);
  c = expect_ok("port 0\n"
                "server 0.pool.ntp.org iburst\n"
                "server 1.pool.ntp.org iburst\n"
                "server 2.pool.ntp.org iburst\n"
                "driftfile /var/lib/timed/drift\n"
                "makestep 1.0 3\n");
  ck_assert_int_eq(c->port, 0);
  ck_assert_uint_eq(c->n_sources, 3);
  ck_assert_uint_eq(c->n_rules, 0);
  CNF_Free(c);
  /* conf/client.conf, with its commented selection lines uncommented. */
  c = expect_ok("pool 2.debian.pool.ntp.org iburst\n"
                "driftfile /var/lib/timed/drift\n"
                "makestep 1 3\n"
                "minsources 1\nmaxdistance 3\nmaxjitter 1\ncombinelimit 3\n"
                "maxslewrate 83333.333\nleapsecmode system\n");
  ck_assert_uint_eq(c->n_sources, 1);
  ck_assert_int_eq(c->sources[0].pool, 1);
  ck_assert_int_eq(c->sources[0].iburst, 1);
  ck_assert_int_eq(c->sources[0].maxsources, 4);
  ck_assert(c->makestep_threshold == 1.0 && c->makestep_limit == 3);
  ck_assert_str_eq(c->driftfile, "/var/lib/timed/drift");
  CNF_Free(c);
}
END_TEST

/* ---------- NTS server ---------- */

START_TEST(test_nts_server)
{
  CNF_Config *c = expect_ok("port 12423\n");

  /* Defaults as chrony.conf(5). */
  ck_assert_int_eq(c->nts_port, 4460);
  ck_assert_int_eq(c->nts_rotate, 604800);
  ck_assert_int_eq(c->max_nts_connections, 100);
  ck_assert_int_eq(c->nts_processes, 1);
  ck_assert_uint_eq(c->n_nts_pairs, 0);
  ck_assert_str_eq(c->nts_dumpdir, "");
  CNF_Free(c);

  c = expect_ok("ntsservercert /e/a.crt\nntsserverkey /e/a.key\n"
                "ntsservercert /e/b.crt\nntsserverkey /e/b.key\n"
                "ntsport 14460\nntsdumpdir /var/lib/timed\nntsrotate 0\n"
                "ntsntpserver ntp1.example.net\nmaxntsconnections 5\nntsprocesses 0\n"
                "ntsfleetsecret /etc/timed/fleet.key\n");
  ck_assert_uint_eq(c->n_nts_pairs, 2);
  ck_assert_str_eq(c->nts_cert[0], "/e/a.crt");
  ck_assert_str_eq(c->nts_key[0], "/e/a.key");
  ck_assert_str_eq(c->nts_cert[1], "/e/b.crt");
  ck_assert_str_eq(c->nts_key[1], "/e/b.key");
  ck_assert_int_eq(c->nts_port, 14460);
  ck_assert_str_eq(c->nts_dumpdir, "/var/lib/timed");
  ck_assert_int_eq(c->nts_rotate, 0);
  ck_assert_str_eq(c->nts_ntpserver, "ntp1.example.net");
  ck_assert_int_eq(c->max_nts_connections, 5);
  ck_assert_int_eq(c->nts_processes, 0);
  ck_assert_str_eq(c->nts_fleet_secret, "/etc/timed/fleet.key");
  CNF_Free(c);

  expect_error("ntsservercert /a.crt\n", "must pair up");
  expect_error("ntsserverkey /a.key\nntsserverkey /b.key\nntsservercert /a.crt\n",
               "must pair up");
  expect_error("ntsport 65536\n", "ntsport");
  expect_error("ntsport -1\n", "ntsport");
  expect_error("maxntsconnections 0\n", "maxntsconnections");
  expect_error("ntsrotate x\n", "ntsrotate");
  expect_error("ntsdumpdir\n", "ntsdumpdir");
  expect_error("ntsntpserver a 0\n", "ntsntpserver");
  expect_error("ntsntpserver a 1 2\n", "too many arguments");
  expect_error("ntsdumpdir a 1\n", "too many arguments");
  c = expect_ok("ntsntpserver ntp2.example.net 12123\n");
  ck_assert_str_eq(c->nts_ntpserver, "ntp2.example.net");
  ck_assert_int_eq(c->nts_ntpserver_port, 12123);
  CNF_Free(c);
  expect_error("ntsservercert a b\n", "too many arguments");
  expect_error("ntsservercert 1\nntsservercert 2\nntsservercert 3\nntsservercert 4\n"
               "ntsservercert 5\nntsservercert 6\nntsservercert 7\nntsservercert 8\n"
               "ntsservercert 9\n", "at most 8");
  c = expect_warning("ntsport 1\nntsport 2\n", "given more than once");
  ck_assert_int_eq(c->nts_port, 2);
  CNF_Free(c);
}
END_TEST

/* NTS client directives and source options (chrony.conf(5)). */
START_TEST(test_nts_client)
{
  CNF_Config *c = expect_ok("server a.example nts\n");

  ck_assert_uint_eq(c->n_sources, 1);
  ck_assert_int_eq(c->sources[0].nts, 1);
  ck_assert_int_eq(c->sources[0].nts_port, 4460);
  ck_assert_uint_eq(c->n_nts_trusted, 0);
  ck_assert_int_eq(c->no_system_cert, 0);
  ck_assert_int_eq(c->no_cert_time_check, 0);
  ck_assert_int_eq(c->nts_refresh, 1209600);
  CNF_Free(c);

  c = expect_ok("server a.example nts ntsport 14460 iburst\n"
                "pool p.example nts ntsport 4461\n"
                "ntstrustedcerts /etc/timed/ca.crt\nntstrustedcerts /etc/timed/cas\n"
                "nosystemcert\nnocerttimecheck 2\nntsrefresh 3600\n");
  ck_assert_int_eq(c->sources[0].nts_port, 14460);
  ck_assert_int_eq(c->sources[0].iburst, 1);
  ck_assert_int_eq(c->sources[1].nts, 1);
  ck_assert_int_eq(c->sources[1].nts_port, 4461);
  ck_assert_uint_eq(c->n_nts_trusted, 2);
  ck_assert_str_eq(c->nts_trusted[0], "/etc/timed/ca.crt");
  ck_assert_str_eq(c->nts_trusted[1], "/etc/timed/cas");
  ck_assert_int_eq(c->no_system_cert, 1);
  ck_assert_int_eq(c->no_cert_time_check, 2);
  ck_assert_int_eq(c->nts_refresh, 3600);
  CNF_Free(c);

  expect_error("server a nts ntsport 0\n", "ntsport");
  expect_error("server a nts ntsport 65536\n", "ntsport");
  expect_error("server a nts ntsport\n", "needs a value");
  expect_error("ntstrustedcerts\n", "ntstrustedcerts");
  expect_error("ntstrustedcerts a b\n", "too many arguments");
  expect_error("nosystemcert 1\n", "too many arguments");
  expect_error("nocerttimecheck -1\n", "nocerttimecheck");
  expect_error("nocerttimecheck x\n", "nocerttimecheck");
  expect_error("ntsrefresh -5\n", "ntsrefresh");
  expect_error("ntstrustedcerts 1\nntstrustedcerts 2\nntstrustedcerts 3\nntstrustedcerts 4\n"
               "ntstrustedcerts 5\nntstrustedcerts 6\nntstrustedcerts 7\nntstrustedcerts 8\n"
               "ntstrustedcerts 9\n", "at most 8");
}
END_TEST

Suite *conf_suite(void)
{
  Suite *s = suite_create("conf");
  TCase *tc = tcase_create("conf");

  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_comments_and_blanks);
  tcase_add_test(tc, test_port);
  tcase_add_test(tc, test_bindaddress);
  tcase_add_test(tc, test_allow_forms);
  tcase_add_test(tc, test_allow_all_addresses_and_order);
  tcase_add_test(tc, test_allow_invalid);
  tcase_add_test(tc, test_ratelimit);
  tcase_add_test(tc, test_clientlog);
  tcase_add_test(tc, test_local);
  tcase_add_test(tc, test_user_paths);
  tcase_add_test(tc, test_long_paths);
  tcase_add_test(tc, test_makestep_maxchange);
  tcase_add_test(tc, test_sources);
  tcase_add_test(tc, test_sources_warnings);
  tcase_add_test(tc, test_sources_invalid);
  tcase_add_test(tc, test_unsupported_and_unknown);
  tcase_add_test(tc, test_client_defaults);
  tcase_add_test(tc, test_client_directives);
  tcase_add_test(tc, test_client_directives_invalid);
  tcase_add_test(tc, test_client_sources);
  tcase_add_test(tc, test_long_lines);
  tcase_add_test(tc, test_nul_and_control);
  tcase_add_test(tc, test_message_limit);
  tcase_add_test(tc, test_include);
  tcase_add_test(tc, test_include_unreadable);
  tcase_add_test(tc, test_include_loops);
  tcase_add_test(tc, test_include_fanout_bounded);
  tcase_add_test(tc, test_confdir_sourcedir);
  tcase_add_test(tc, test_debian_default);
  tcase_add_test(tc, test_examples);
  tcase_add_test(tc, test_nts_server);
  tcase_add_test(tc, test_nts_client);
  suite_add_tcase(s, tc);
  return s;
}
