/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf.c - configuration parser [core]: chrony.conf-style text in, an immutable CNF_Config
 * out.
 *
 * No I/O and no system calls: the text comes in as bytes, included files are read through
 * the caller's CNF_FileOps, and problems become "FILE:LINE: error|warning: ..." lines in a
 * bounded CNF_Messages buffer.  Outside input is never trusted: every line is length-checked
 * before it is copied, NUL and control bytes are rejected, words quoted in messages are
 * escaped and truncated, numbers are parsed strictly with explicit ranges, and the amount of
 * work done for include/confdir/sourcedir is bounded by a depth and a file-count limit.
 */
#include "conf.h"
#include "conf_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_WORDS 64
#define MSG_RESERVE 80        /* room kept in CNF_Messages for the "suppressed" line */
#define MAX_CLIENTLOG 2147483648.0 /* chrony's largest effective clientloglimit */


/* ================================================== */
/* Messages */

/* Copy s into buf for a message: bytes outside printable ASCII become \xNN, and anything
   beyond about 60 characters is cut with "...", so a hostile word cannot flood the output. */
const char *CNF_Quote(const char *s, char *buf, size_t size)
{
  size_t o = 0;
  const unsigned char *u = (const unsigned char *)s;

  buf[0] = '\0';
  for (; *u; u++) {
    if (o + 8 >= size || o >= 60) {
      snprintf(buf + o, size - o, "...");
      break;
    }
    if (*u < 0x20 || *u >= 0x7f) {
      o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *u);
    } else {
      buf[o++] = (char)*u;
      buf[o] = '\0';
    }
  }
  return buf;
}

static void append_text(CNF_Messages *m, const char *s)
{
  size_t n = strlen(s), room = sizeof(m->text) - 1;

  if (m->len + n <= room) {
    memcpy(m->text + m->len, s, n);
    m->len += n;
    m->text[m->len] = '\0';
  }
}

void CNF_Report(Parser *p, int error, const char *fmt, ...)
{
  char body[512], fname[96], line[720];
  va_list ap;

  if (error) {
    p->n_errors++;
  }
  if (!p->msgs) {
    return;
  }
  if (error) {
    p->msgs->n_errors++;
  } else {
    p->msgs->n_warnings++;
  }
  va_start(ap, fmt);
  vsnprintf(body, sizeof(body), fmt, ap);
  va_end(ap);
  CNF_Quote(p->file, fname, sizeof(fname));
  snprintf(line, sizeof(line), "%s:%d: %s: %s\n", fname, p->line, error ? "error" : "warning",
           body);
  if (!p->msgs->truncated && p->msgs->len + strlen(line) + MSG_RESERVE < sizeof(p->msgs->text)) {
    append_text(p->msgs, line);
  } else if (!p->msgs->truncated) {
    p->msgs->truncated = 1;
    snprintf(line, sizeof(line), "%s:%d: warning: further messages suppressed\n", fname, p->line);
    append_text(p->msgs, line);
  }
}


/* ================================================== */
/* Argument helpers */

/* Check the number of arguments (words after the directive). */
int CNF_NArgs(Parser *p, int argc, char **argv, int min, int max)
{
  int n = argc - 1;

  if (n < min) {
    ERR(p, "%s: missing argument", argv[0]);
    return 0;
  }
  if (n > max) {
    char q[96];
    ERR(p, "%s: too many arguments (unexpected '%s')", argv[0], CNF_Quote(argv[max + 1], q, sizeof(q)));
    return 0;
  }
  return 1;
}

/* Strict decimal integer: optional sign, digits only.  0 = not a number, -1 = out of
   [min, max], 1 = ok. */
static int scan_int(const char *s, long long min, long long max, long long *out)
{
  long long v = 0;
  int neg = 0, digits = 0;

  if (*s == '-' || *s == '+') {
    neg = *s == '-';
    s++;
  }
  for (; *s >= '0' && *s <= '9'; s++, digits++) {
    if (v > (1LL << 53)) {
      v = (1LL << 53) + 1; /* saturate: out of any range we use */
    } else {
      v = v * 10 + (*s - '0');
    }
  }
  if (!digits || *s) {
    return 0;
  }
  v = neg ? -v : v;
  if (v < min || v > max) {
    return -1;
  }
  *out = v;
  return 1;
}

static int get_int(Parser *p, const char *dir, const char *what, const char *s, long long min,
                   long long max, long long *out)
{
  char q[96];
  int r = scan_int(s, min, max, out);

  if (r == 0) {
    ERR(p, "%s: %s '%s' is not an integer", dir, what, CNF_Quote(s, q, sizeof(q)));
  } else if (r < 0) {
    ERR(p, "%s: %s %s is out of range (%lld to %lld)", dir, what, CNF_Quote(s, q, sizeof(q)), min, max);
  }
  return r == 1;
}

static int get_intv(Parser *p, const char *dir, const char *what, const char *s, int min, int max,
                    int *out)
{
  long long v;

  if (!get_int(p, dir, what, s, min, max, &v)) {
    return 0;
  }
  *out = (int)v;
  return 1;
}

/* Strict decimal number: [sign] digits [. digits] [e [sign] digits], at least one digit
   before the exponent.  Converted here rather than with strtod() so that the result does
   not depend on the locale's decimal point, and hex forms, inf and nan cannot slip in.
   With up to 19 significant digits and |exponent| <= 22 the value is one correctly
   rounded multiplication or division of exact numbers (so "0.1" is the double 0.1).
   Returns 0 if not a number, -1 if too large, 1 if ok. */
static int scan_double(const char *s, double *out)
{
  /* Powers of ten that are exact doubles (10^22 is the largest). */
  static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                         1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                         1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  unsigned long long m = 0;
  long long e10 = 0, ev = 0;
  int neg = 0, digits = 0, sig = 0, eneg = 0, edigits = 0;
  double v;

  if (*s == '-' || *s == '+') {
    neg = *s++ == '-';
  }
  for (int frac = 0;; s++) {
    if (*s == '.' && !frac) {
      frac = 1;
      continue;
    }
    if (*s < '0' || *s > '9') {
      break;
    }
    digits++;
    if (m == 0 && *s == '0') {
      e10 -= frac; /* leading zeros carry no precision */
    } else if (sig < 19) {
      m = m * 10 + (unsigned long long)(*s - '0');
      sig++;
      e10 -= frac;
    } else {
      e10 += !frac; /* digits beyond 19 significant ones only scale an integer part */
    }
  }
  if (!digits) {
    return 0;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '-' || *s == '+') {
      eneg = *s++ == '-';
    }
    for (; *s >= '0' && *s <= '9'; s++, edigits++) {
      ev = ev < 100000 ? ev * 10 + (*s - '0') : ev;
    }
    if (!edigits) {
      return 0;
    }
    e10 += eneg ? -ev : ev;
  }
  if (*s) {
    return 0;
  }
  v = (double)m;
  if (m == 0) {
    v = 0.0;
  } else if (e10 >= 0 && e10 <= 22) {
    v *= pow10_exact[e10];
  } else if (e10 < 0 && e10 >= -22) {
    v /= pow10_exact[-e10];
  } else if (e10 > 400) {
    return -1;
  } else if (e10 < -400) {
    v = 0.0;
  } else {
    v *= pow(10.0, (double)e10);
  }
  if (!isfinite(v)) {
    return -1;
  }
  *out = neg ? -v : v;
  return 1;
}

/* A number in [min, max]. */
static int get_double(Parser *p, const char *dir, const char *what, const char *s, double min,
                      double max, double *out)
{
  char q[96];
  double v = 0.0;
  int r = scan_double(s, &v);

  if (r == 0) {
    ERR(p, "%s: %s '%s' is not a number", dir, what, CNF_Quote(s, q, sizeof(q)));
    return 0;
  }
  if (r < 0 || v < min || v > max) {
    ERR(p, "%s: %s %s is out of range (%g to %g)", dir, what, CNF_Quote(s, q, sizeof(q)), min, max);
    return 0;
  }
  *out = v;
  return 1;
}

static int copy_str(Parser *p, const char *dir, const char *s, char *dst, size_t size)
{
  if (strlen(s) >= size) {
    ERR(p, "%s: argument is too long (at most %zu characters)", dir, size - 1);
    return 0;
  }
  snprintf(dst, size, "%s", s);
  return 1;
}

/* ================================================== */
/* Growing arrays */

static void *grow(Parser *p, void *arr, size_t *cap, size_t n, size_t elem)
{
  size_t ncap;
  void *a;

  if (n < *cap) {
    return arr;
  }
  ncap = *cap ? *cap * 2 : 8;
  a = realloc(arr, ncap * elem);
  if (!a) {
    ERR(p, "out of memory");
    return NULL;
  }
  *cap = ncap;
  return a;
}

/* ================================================== */
/* Directives implemented by timed */

static void h_port(Parser *p, int argc, char **argv, int arg)
{
  if (CNF_NArgs(p, argc, argv, 1, 1)) {
    get_intv(p, argv[0], "value", argv[1], 0, 65535, &p->cfg->port);
  }
}

static void h_bindaddress(Parser *p, int argc, char **argv, int arg)
{
  IPAddr a;
  char q[96];

  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  if (!ADDR_Parse(argv[1], &a)) {
    ERR(p, "%s: '%s' is not an IP address", argv[0], CNF_Quote(argv[1], q, sizeof(q)));
    return;
  }
  /* chrony.conf(5): only one bindaddress per address family can be specified. */
  if ((a.family == ADDR_INET4 && p->bind4_set) || (a.family == ADDR_INET6 && p->bind6_set)) {
    ERR(p, "%s: only one IPv%d address can be given", argv[0], a.family);
    return;
  }
  if (a.family == ADDR_INET4) {
    p->cfg->bind4 = a;
    p->bind4_set = 1;
  } else {
    p->cfg->bind6 = a;
    p->bind6_set = 1;
  }
}

/* Parse chrony's subnet forms: an IPv6 address with an optional /prefix, or 1 to 4 dotted
   decimal IPv4 components with an optional /prefix, where a missing prefix is 8 bits per
   component ("1.2.3" = 1.2.3.0/24, "10" = 10.0.0.0/8, "0/0" = all of IPv4). */
static int parse_subnet(const char *s, IPAddr *net, int *prefix, const char **why)
{
  char addr[64];
  const char *slash = strchr(s, '/');
  size_t alen = slash ? (size_t)(slash - s) : strlen(s);
  long long v;
  int bits, maxbits;

  *why = "not an address or subnet (host names are not supported)";
  if (alen == 0 || alen >= sizeof(addr)) {
    return 0;
  }
  memcpy(addr, s, alen);
  addr[alen] = '\0';
  memset(net, 0, sizeof(*net));

  if (strchr(addr, ':')) {
    if (!ADDR_Parse(addr, net) || net->family != ADDR_INET6) {
      return 0;
    }
    bits = maxbits = 128;
  } else {
    const char *c = addr;
    int n = 0;

    if (strspn(addr, "0123456789.") != alen) {
      return 0;
    }
    *why = "not an IPv4 address or subnet";
    net->family = ADDR_INET4;
    for (;;) {
      size_t d = strspn(c, "0123456789");

      if (d == 0 || d > 3 || n >= 4) {
        return 0;
      }
      v = 0;
      for (size_t i = 0; i < d; i++) {
        v = v * 10 + (c[i] - '0');
      }
      if (v > 255) {
        *why = "IPv4 component larger than 255";
        return 0;
      }
      net->addr[n++] = (uint8_t)v;
      c += d;
      if (*c == '\0') {
        break;
      }
      c++; /* the '.' */
    }
    bits = 8 * n;
    maxbits = 32;
  }
  if (slash) {
    if (scan_int(slash + 1, 0, maxbits, &v) != 1 || strchr("+-", slash[1])) {
      *why = "invalid prefix length";
      return 0;
    }
    bits = (int)v;
  }
  ADDR_MaskPrefix(net, bits);
  *prefix = bits;
  return 1;
}

static void h_access(Parser *p, int argc, char **argv, int allow)
{
  CNF_AccessRule r;
  CNF_AccessRule *a;
  const char *why;
  char q[96];
  int i = 1;

  memset(&r, 0, sizeof(r));
  r.allow = allow;
  r.line = p->line;
  if (i < argc && !strcasecmp(argv[i], "all")) {
    r.all = 1;
    i++;
  }
  if (argc - i > 1) {
    ERR(p, "%s: too many arguments (unexpected '%s')", argv[0], CNF_Quote(argv[i + 1], q, sizeof(q)));
    return;
  }
  if (i < argc && !parse_subnet(argv[i], &r.net, &r.prefix, &why)) {
    ERR(p, "%s: '%s': %s", argv[0], CNF_Quote(argv[i], q, sizeof(q)), why);
    return;
  }
  a = grow(p, p->cfg->rules, &p->cap_rules, p->cfg->n_rules, sizeof(*a));
  if (!a) {
    return;
  }
  p->cfg->rules = a;
  a[p->cfg->n_rules++] = r;
}

static void h_ratelimit(Parser *p, int argc, char **argv, int arg)
{
  CLG_RateParams r = {1, 3, 8, 2, 0};
  char q[96];
  long long v;
  int i, ok = 1;

  for (i = 1; i < argc && ok; i++) {
    const char *o = argv[i];

    if (!strcasecmp(o, "kod")) {
      /* chrony >= 4.6 takes a KoD rate (0..4, 0 = off); older configs write a bare `kod`. */
      if (i + 1 < argc && scan_int(argv[i + 1], -(1LL << 40), 1LL << 40, &v) == 1) {
        ok = get_int(p, argv[0], "kod", argv[++i], 0, 4, &v);
        r.kod = v > 0;
      } else {
        r.kod = 1;
      }
      continue;
    }
    if (strcasecmp(o, "interval") && strcasecmp(o, "burst") && strcasecmp(o, "leak")) {
      ERR(p, "%s: unknown option '%s'", argv[0], CNF_Quote(o, q, sizeof(q)));
      return;
    }
    if (i + 1 >= argc) {
      ERR(p, "%s: option %s needs a value", argv[0], o);
      return;
    }
    i++;
    if (!strcasecmp(o, "interval")) {
      ok = get_intv(p, argv[0], "interval", argv[i], -19, 12, &r.interval);
    } else if (!strcasecmp(o, "burst")) {
      ok = get_intv(p, argv[0], "burst", argv[i], 1, 255, &r.burst);
    } else {
      ok = get_intv(p, argv[0], "leak", argv[i], 1, 4, &r.leak);
    }
  }
  if (ok) {
    p->cfg->ratelimit = r;
  }
}

static void h_clientloglimit(Parser *p, int argc, char **argv, int arg)
{
  long long v;

  if (CNF_NArgs(p, argc, argv, 1, 1) && get_int(p, argv[0], "limit", argv[1], 0, (1LL << 53) + 1, &v)) {
    /* Values above 2 GiB have no further effect in chrony; clamp rather than fail. */
    p->cfg->clientloglimit = (size_t)(v > MAX_CLIENTLOG ? MAX_CLIENTLOG : (double)v);
  }
}

static void h_noclientlog(Parser *p, int argc, char **argv, int arg)
{
  if (CNF_NArgs(p, argc, argv, 0, 0)) {
    p->cfg->noclientlog = 1;
  }
}

static void h_local(Parser *p, int argc, char **argv, int arg)
{
  CNF_Config *c = p->cfg;
  int i, stratum = 10, orphan = 0, wu_set = 0;
  double dist = 1.0, act = 0.0, ws = 0.0, wu = 0.0, *dst;
  char q[96];

  for (i = 1; i < argc; i++) {
    const char *o = argv[i];

    if (!strcasecmp(o, "orphan")) {
      orphan = 1;
      continue;
    }
    if (!strcasecmp(o, "stratum")) {
      if (i + 1 >= argc) {
        ERR(p, "%s: option stratum needs a value", argv[0]);
        return;
      }
      if (!get_intv(p, argv[0], "stratum", argv[++i], 1, 15, &stratum)) {
        return;
      }
      continue;
    }
    if (!strcasecmp(o, "distance")) {
      dst = &dist;
    } else if (!strcasecmp(o, "activate")) {
      dst = &act;
    } else if (!strcasecmp(o, "waitsynced")) {
      dst = &ws;
    } else if (!strcasecmp(o, "waitunsynced")) {
      dst = &wu;
      wu_set = 1;
    } else {
      ERR(p, "%s: unknown option '%s'", argv[0], CNF_Quote(o, q, sizeof(q)));
      return;
    }
    if (i + 1 >= argc) {
      ERR(p, "%s: option %s needs a value", argv[0], o);
      return;
    }
    if (!get_double(p, argv[0], o, argv[++i], 0.0, 1e9, dst)) {
      return;
    }
  }
  c->local = 1;
  c->local_stratum = stratum;
  c->local_orphan = orphan;
  c->local_distance = dist;
  c->local_activate = act;
  c->local_waitsynced = ws;
  c->local_waitunsynced = wu;
  p->waitunsynced_set = wu_set;
}

static void h_user(Parser *p, int argc, char **argv, int arg)
{
  char q[96];

  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  if (argv[1][0] == '-' ||
      strspn(argv[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-$") !=
          strlen(argv[1])) {
    ERR(p, "%s: '%s' is not a valid user name", argv[0], CNF_Quote(argv[1], q, sizeof(q)));
    return;
  }
  copy_str(p, argv[0], argv[1], p->cfg->user, sizeof(p->cfg->user));
}

static void h_bindcmdaddress(Parser *p, int argc, char **argv, int arg)
{
  IPAddr a;
  char q[96];

  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  if (argv[1][0] == '/') {
    /* As chronyd: the path "/" disables the command socket. */
    if (!strcmp(argv[1], "/")) {
      p->cfg->bindcmdaddress[0] = '\0';
    } else {
      copy_str(p, argv[0], argv[1], p->cfg->bindcmdaddress, sizeof(p->cfg->bindcmdaddress));
    }
  } else if (ADDR_Parse(argv[1], &a)) {
    WARN(p, "%s: timed has only the Unix command socket, no UDP command port; address %s "
            "ignored", argv[0], CNF_Quote(argv[1], q, sizeof(q)));
  } else {
    ERR(p, "%s: '%s' is neither an absolute path nor an IP address", argv[0],
        CNF_Quote(argv[1], q, sizeof(q)));
  }
}

static void h_cmdport(Parser *p, int argc, char **argv, int arg)
{
  int port;

  if (CNF_NArgs(p, argc, argv, 1, 1) && get_intv(p, argv[0], "value", argv[1], 0, 65535, &port)) {
    WARN(p, "%s: timed has no UDP command port (only the Unix socket); ignored", argv[0]);
  }
}

static void h_pidfile(Parser *p, int argc, char **argv, int arg)
{
  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  /* As chronyd: "/" disables the PID file. */
  if (!strcmp(argv[1], "/")) {
    p->cfg->pidfile[0] = '\0';
  } else {
    copy_str(p, argv[0], argv[1], p->cfg->pidfile, sizeof(p->cfg->pidfile));
  }
}

static void h_driftfile(Parser *p, int argc, char **argv, int arg)
{
  int interval = 3600;

  if (!CNF_NArgs(p, argc, argv, 1, 3)) {
    return;
  }
  if (argc == 3 || (argc == 4 && strcasecmp(argv[2], "interval"))) {
    char q[96];
    ERR(p, "%s: unexpected '%s' (expected: driftfile FILE [interval SECONDS])", argv[0],
        CNF_Quote(argv[2], q, sizeof(q)));
    return;
  }
  if (argc == 4 && !get_intv(p, argv[0], "interval", argv[3], 0, 2147483647, &interval)) {
    return;
  }
  if (copy_str(p, argv[0], argv[1], p->cfg->driftfile, sizeof(p->cfg->driftfile))) {
    p->cfg->driftfile_interval = interval;
  }
}

static void h_makestep(Parser *p, int argc, char **argv, int arg)
{
  double t;
  int l;

  if (CNF_NArgs(p, argc, argv, 2, 2) && get_double(p, argv[0], "threshold", argv[1], 0.0, 1e12, &t) &&
      get_intv(p, argv[0], "limit", argv[2], -2147483647, 2147483647, &l)) {
    p->cfg->makestep_threshold = t;
    p->cfg->makestep_limit = l;
  }
}

static void h_maxchange(Parser *p, int argc, char **argv, int arg)
{
  double o;
  int s, i;

  if (CNF_NArgs(p, argc, argv, 3, 3) && get_double(p, argv[0], "offset", argv[1], 1e-9, 1e12, &o) &&
      get_intv(p, argv[0], "start", argv[2], 0, 2147483647, &s) &&
      get_intv(p, argv[0], "ignore", argv[3], -2147483647, 2147483647, &i)) {
    p->cfg->maxchange_offset = o;
    p->cfg->maxchange_start = s;
    p->cfg->maxchange_ignore = i;
  }
}

/* Single-number directives of source selection and the discipline: name, whether an
   integer, where it is stored, and its range.  above_min: the value must be larger than
   min (min itself would disable the mechanism, e.g. a zero slew rate). */
static const struct {
  const char *name;
  int is_int;
  size_t off;
  double min, max;
  int above_min;
} numeric[] = {
    {"minsources", 1, offsetof(CNF_Config, minsources), 1, 64, 0},
    {"maxdistance", 0, offsetof(CNF_Config, maxdistance), 0, 1e6, 0},
    {"maxjitter", 0, offsetof(CNF_Config, maxjitter), 0, 1e6, 0},
    {"combinelimit", 0, offsetof(CNF_Config, combinelimit), 0, 1e6, 0},
    {"reselectdist", 0, offsetof(CNF_Config, reselectdist), 0, 1e6, 0},
    {"stratumweight", 0, offsetof(CNF_Config, stratumweight), 0, 1e6, 0},
    {"maxslewrate", 0, offsetof(CNF_Config, maxslewrate), 0, 100000, 1},
    {"maxupdateskew", 0, offsetof(CNF_Config, maxupdateskew), 0, 1e6, 1},
    {"maxdrift", 0, offsetof(CNF_Config, maxdrift), 0, 500000, 1},
    {"corrtimeratio", 0, offsetof(CNF_Config, corrtimeratio), 0, 1e6, 1},
    {"polltarget", 1, offsetof(CNF_Config, polltarget), 6, 60, 0},
    {"minsamples", 1, offsetof(CNF_Config, minsamples), 0, 64, 0},
    {"maxsamples", 1, offsetof(CNF_Config, maxsamples), 0, 64, 0},
    {"ntsport", 1, offsetof(CNF_Config, nts_port), 0, 65535, 0},
    {"ntsrotate", 1, offsetof(CNF_Config, nts_rotate), 0, 2147483647, 0},
    {"maxntsconnections", 1, offsetof(CNF_Config, max_nts_connections), 1, 100000, 0},
    {"ntsprocesses", 1, offsetof(CNF_Config, nts_processes), 0, 1000, 0},
    {"ntsrefresh", 1, offsetof(CNF_Config, nts_refresh), 0, 2147483647, 0},
    {"nocerttimecheck", 1, offsetof(CNF_Config, no_cert_time_check), 0, 2147483647, 0},
};

static void h_number(Parser *p, int argc, char **argv, int arg)
{
  size_t k;
  double d;
  int v;

  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  for (k = 0; k < sizeof(numeric) / sizeof(numeric[0]); k++) {
    if (!strcasecmp(argv[0], numeric[k].name)) {
      break;
    }
  }
  if (k == sizeof(numeric) / sizeof(numeric[0])) {
    ERR(p, "%s: internal error: no range", argv[0]); /* a table mismatch: our bug */
    return;
  }
  if (numeric[k].is_int) {
    if (get_intv(p, argv[0], "value", argv[1], (int)numeric[k].min, (int)numeric[k].max, &v)) {
      *(int *)((char *)p->cfg + numeric[k].off) = v;
    }
    return;
  }
  if (!get_double(p, argv[0], "value", argv[1], numeric[k].min, numeric[k].max, &d)) {
    return;
  }
  if (numeric[k].above_min && d <= numeric[k].min) {
    ERR(p, "%s: value must be larger than %g", argv[0], numeric[k].min);
    return;
  }
  *(double *)((char *)p->cfg + numeric[k].off) = d;
}

/* ntsservercert (arg 0) / ntsserverkey (arg 1): may be repeated, one pair per name. */
static void h_ntspair(Parser *p, int argc, char **argv, int arg)
{
  size_t *n = arg ? &p->n_nts_keys : &p->n_nts_certs;
  char(*dst)[256] = arg ? p->cfg->nts_key : p->cfg->nts_cert;

  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  if (*n >= CNF_MAX_NTS_PAIRS) {
    ERR(p, "%s: at most %d may be given", argv[0], CNF_MAX_NTS_PAIRS);
    return;
  }
  if (copy_str(p, argv[0], argv[1], dst[*n], sizeof(dst[0]))) {
    (*n)++;
  }
}

/* Single-path NTS directives: ntsdumpdir (0), ntsntpserver (1), ntsfleetsecret (2). */
static void h_ntsstr(Parser *p, int argc, char **argv, int arg)
{
  char *dst = arg == 0 ? p->cfg->nts_dumpdir
                       : arg == 1 ? p->cfg->nts_ntpserver : p->cfg->nts_fleet_secret;

  if (!CNF_NArgs(p, argc, argv, 1, arg == 1 ? 2 : 1)) {
    return;
  }
  /* ntsntpserver NAME [PORT]: the port is a timed extension (chrony always names its own
     NTP port), needed when the fleet's NTP servers use another port than the KE node. */
  if (arg == 1 && argc == 3 &&
      !get_intv(p, argv[0], "port", argv[2], 1, 65535, &p->cfg->nts_ntpserver_port)) {
    return;
  }
  copy_str(p, argv[0], argv[1], dst, 256);
}

/* NTS client: ntstrustedcerts FILE|DIR (may be repeated; chrony's optional set-id first
   argument is not supported) and nosystemcert. */
static void h_ntsclient(Parser *p, int argc, char **argv, int arg)
{
  if (arg == 1) {
    if (CNF_NArgs(p, argc, argv, 0, 0)) {
      p->cfg->no_system_cert = 1;
    }
    return;
  }
  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  if (p->cfg->n_nts_trusted >= CNF_MAX_NTS_TRUSTED) {
    ERR(p, "%s: at most %d may be given", argv[0], CNF_MAX_NTS_TRUSTED);
    return;
  }
  if (copy_str(p, argv[0], argv[1], p->cfg->nts_trusted[p->cfg->n_nts_trusted], 256)) {
    p->cfg->n_nts_trusted++;
  }
}

static void h_leapsecmode(Parser *p, int argc, char **argv, int arg)
{
  static const char *const modes[] = {"system", "step", "slew", "ignore"};
  char q[96];
  size_t k;

  if (!CNF_NArgs(p, argc, argv, 1, 1)) {
    return;
  }
  for (k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
    if (!strcasecmp(argv[1], modes[k])) {
      p->cfg->leapsecmode = (CNF_LeapMode)k; /* same order as CNF_LeapMode */
      return;
    }
  }
  ERR(p, "%s: unknown mode '%s' (expected system, step, slew or ignore)", argv[0],
      CNF_Quote(argv[1], q, sizeof(q)));
}

/* ================================================== */
/* server / pool / peer */

/* chrony source options that timed accepts but does not act on yet; has_value says whether
   a value follows (checked to be a number, hexadecimal for extfield). */
static const struct {
  const char *name;
  int has_value;
} ignored_source_opts[] = {
    {"key", 1},         {"certset", 1},   {"maxdelayratio", 1}, {"maxdelaydevratio", 1},
    {"maxdelayquant", 1}, {"mindelay", 1}, {"asymmetry", 1},    {"offset", 1},
    {"maxunreach", 1},  {"filter", 1},    {"presend", 1},
    {"minstratum", 1},
    {"version", 1},     {"extfield", 1},  {"offline", 0},       {"auto_offline", 0},
    {"xleave", 0},      {"copy", 0},      {"ipv4", 0},          {"ipv6", 0},
};

static int source_option(Parser *p, const char *dir, CNF_Source *s, int argc, char **argv, int *i,
                         int *maxsources_given)
{
  const char *o = argv[*i];
  const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
  char q[96];
  double d;
  size_t k;
  static const struct {
    const char *name;
    size_t off;
  } flags[] = {
      {"iburst", offsetof(CNF_Source, iburst)},     {"burst", offsetof(CNF_Source, burst)},
      {"prefer", offsetof(CNF_Source, prefer)},     {"noselect", offsetof(CNF_Source, noselect)},
      {"trust", offsetof(CNF_Source, trust)},       {"require", offsetof(CNF_Source, require)},
      {"nts", offsetof(CNF_Source, nts)},
  };

  for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
    if (!strcasecmp(o, flags[k].name)) {
      *(int *)((char *)s + flags[k].off) = 1;
      return 1;
    }
  }
  for (k = 0; k < sizeof(ignored_source_opts) / sizeof(ignored_source_opts[0]); k++) {
    if (strcasecmp(o, ignored_source_opts[k].name)) {
      continue;
    }
    if (ignored_source_opts[k].has_value) {
      if (!val) {
        ERR(p, "%s: option %s needs a value", dir, o);
        return 0;
      }
      (*i)++;
      if (!strcasecmp(o, "extfield")) {
        if (!*val || strlen(val) > 8 || strspn(val, "0123456789abcdefABCDEF") != strlen(val)) {
          ERR(p, "%s: extfield '%s' is not a hexadecimal type", dir, CNF_Quote(val, q, sizeof(q)));
          return 0;
        }
      } else if (!get_double(p, dir, o, val, -1e12, 1e12, &d)) {
        return 0;
      }
    }
    WARN(p, "%s: option %s is not supported by timed yet; ignored", dir, o);
    return 1;
  }
  if (!strcasecmp(o, "minpoll") || !strcasecmp(o, "maxpoll") || !strcasecmp(o, "port") ||
      !strcasecmp(o, "maxdelay") || !strcasecmp(o, "maxsources") || !strcasecmp(o, "ntsport") ||
      !strcasecmp(o, "polltarget") || !strcasecmp(o, "minsamples") ||
      !strcasecmp(o, "maxsamples")) {
    if (!val) {
      ERR(p, "%s: option %s needs a value", dir, o);
      return 0;
    }
    (*i)++;
    /* Same ranges as the global directives of these names (chrony.conf(5)). */
    if (!strcasecmp(o, "polltarget")) {
      return get_intv(p, dir, o, val, 6, 60, &s->polltarget);
    } else if (!strcasecmp(o, "minsamples")) {
      return get_intv(p, dir, o, val, 0, 64, &s->minsamples);
    } else if (!strcasecmp(o, "maxsamples")) {
      return get_intv(p, dir, o, val, 0, 64, &s->maxsamples);
    } else if (!strcasecmp(o, "minpoll")) {
      return get_intv(p, dir, o, val, -7, 24, &s->minpoll);
    } else if (!strcasecmp(o, "maxpoll")) {
      return get_intv(p, dir, o, val, -7, 24, &s->maxpoll);
    } else if (!strcasecmp(o, "port")) {
      return get_intv(p, dir, o, val, 1, 65535, &s->port);
    } else if (!strcasecmp(o, "ntsport")) {
      return get_intv(p, dir, o, val, 1, 65535, &s->nts_port);
    } else if (!strcasecmp(o, "maxdelay")) {
      if (!get_double(p, dir, o, val, 0.0, 1000.0, &s->maxdelay)) {
        return 0;
      }
      if (s->maxdelay <= 0.0) {
        ERR(p, "%s: maxdelay must be larger than 0", dir);
        return 0;
      }
      return 1;
    }
    *maxsources_given = 1;
    return get_intv(p, dir, o, val, 1, 16, &s->maxsources);
  }
  ERR(p, "%s: unknown option '%s'", dir, CNF_Quote(o, q, sizeof(q)));
  return 0;
}

#define SRC_SERVER 0
#define SRC_POOL 1
#define SRC_PEER 2

static void h_source(Parser *p, int argc, char **argv, int type)
{
  CNF_Source s, *a;
  char q[96];
  int i, ms_given = 0;

  if (argc < 2) {
    ERR(p, "%s: missing host name", argv[0]);
    return;
  }
  memset(&s, 0, sizeof(s));
  s.pool = type == SRC_POOL;
  s.peer = type == SRC_PEER;
  s.minpoll = 6;
  s.maxpoll = 10;
  s.port = 123;
  s.nts_port = 4460;
  s.maxsources = 4;
  s.maxdelay = 3.0;
  /* -1: not given; CNF_Parse fills in the global default once the whole file is read
     (the global directive may come after the source). */
  s.polltarget = -1;
  s.minsamples = -1;
  s.maxsamples = -1;
  s.line = p->line;
  /* Host names, IPv4 and IPv6 addresses (with a %zone); anything else cannot resolve. */
  if (argv[1][0] == '-' || argv[1][0] == '.' ||
      strspn(argv[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%") !=
          strlen(argv[1])) {
    ERR(p, "%s: '%s' is not a valid host name or address", argv[0], CNF_Quote(argv[1], q, sizeof(q)));
    return;
  }
  if (!copy_str(p, argv[0], argv[1], s.name, sizeof(s.name))) {
    return;
  }
  for (i = 2; i < argc; i++) {
    if (!source_option(p, argv[0], &s, argc, argv, &i, &ms_given)) {
      return;
    }
  }
  if (s.maxpoll < s.minpoll) {
    /* chronyd raises maxpoll to minpoll in this case; say so. */
    WARN(p, "%s: maxpoll %d is smaller than minpoll %d; using %d", argv[0], s.maxpoll, s.minpoll,
         s.minpoll);
    s.maxpoll = s.minpoll;
  }
  if (ms_given && !s.pool) {
    WARN(p, "%s: maxsources has an effect only in a pool directive", argv[0]);
  }
  if (s.peer) {
    WARN(p, "peer: symmetric mode is not supported by timed; treated as a server");
  }
  a = grow(p, p->cfg->sources, &p->cap_sources, p->cfg->n_sources, sizeof(*a));
  if (!a) {
    return;
  }
  p->cfg->sources = a;
  a[p->cfg->n_sources++] = s;
}

/* ================================================== */
/* Directive tables (include/confdir/sourcedir are in conf_files.c) */

#define SINGLE 1  /* single-valued: a repeat gets a warning, the last one wins (as chrony) */
#define SOURCE 2  /* allowed in a sourcedir file */

static const struct {
  const char *name;
  Handler handler;
  int arg;
  int flags;
} directives[] = {
    {"allow", h_access, 1, 0},
    {"bindaddress", h_bindaddress, 0, 0},
    {"bindcmdaddress", h_bindcmdaddress, 0, 0},
    {"clientloglimit", h_clientloglimit, 0, SINGLE},
    {"cmdport", h_cmdport, 0, 0},
    {"combinelimit", h_number, 0, SINGLE},
    {"confdir", CNF_HandleDirs, 0, 0},
    {"corrtimeratio", h_number, 0, SINGLE},
    {"deny", h_access, 0, 0},
    {"driftfile", h_driftfile, 0, SINGLE},
    {"include", CNF_HandleInclude, 0, 0},
    {"leapsecmode", h_leapsecmode, 0, SINGLE},
    {"local", h_local, 0, SINGLE},
    {"makestep", h_makestep, 0, SINGLE},
    {"maxchange", h_maxchange, 0, SINGLE},
    {"maxdistance", h_number, 0, SINGLE},
    {"maxdrift", h_number, 0, SINGLE},
    {"maxjitter", h_number, 0, SINGLE},
    {"maxsamples", h_number, 0, SINGLE},
    {"maxslewrate", h_number, 0, SINGLE},
    {"maxupdateskew", h_number, 0, SINGLE},
    {"minsamples", h_number, 0, SINGLE},
    {"minsources", h_number, 0, SINGLE},
    {"maxntsconnections", h_number, 0, SINGLE},
    {"nocerttimecheck", h_number, 0, SINGLE},
    {"noclientlog", h_noclientlog, 0, 0},
    {"nosystemcert", h_ntsclient, 1, SINGLE},
    {"ntsdumpdir", h_ntsstr, 0, SINGLE},
    {"ntsfleetsecret", h_ntsstr, 2, SINGLE},
    {"ntsntpserver", h_ntsstr, 1, SINGLE},
    {"ntsport", h_number, 0, SINGLE},
    {"ntsprocesses", h_number, 0, SINGLE},
    {"ntsrefresh", h_number, 0, SINGLE},
    {"ntsrotate", h_number, 0, SINGLE},
    {"ntsservercert", h_ntspair, 0, 0},
    {"ntsserverkey", h_ntspair, 1, 0},
    {"ntstrustedcerts", h_ntsclient, 0, 0},
    {"peer", h_source, SRC_PEER, SOURCE},
    {"pidfile", h_pidfile, 0, SINGLE},
    {"polltarget", h_number, 0, SINGLE},
    {"pool", h_source, SRC_POOL, SOURCE},
    {"port", h_port, 0, SINGLE},
    {"ratelimit", h_ratelimit, 0, SINGLE},
    {"reselectdist", h_number, 0, SINGLE},
    {"server", h_source, SRC_SERVER, SOURCE},
    {"sourcedir", CNF_HandleDirs, 1, 0},
    {"stratumweight", h_number, 0, SINGLE},
    {"user", h_user, 0, SINGLE},
};

/* chrony 4.x directives timed does not implement yet: accepted with a warning. */
static const char *const unsupported[] = {
    "acquisitionport", "authselectmode", "bindacqaddress", "bindacqdevice", "bindcmddevice",
    "binddevice", "broadcast", "clockprecision", "cmdallow", "cmddeny", "cmdratelimit", "dscp",
    "dumpdir", "fallbackdrift", "hwclockfile", "hwtimestamp", "hwtstimeout", "initstepslew",
    "keyfile", "leapseclist", "leapsectz", "lock_all", "log", "logbanner", "logchange",
    "logdir", "mailonchange", "manual", "maxclockerror", "maxstratum",
    "maxtxbuffers", "minstratum", "ntpsigndsocket", "ntsaeads", "ntsratelimit",
    "opencommands", "ptpdomain", "ptpport", "refclock", "refresh", "rtcautotrim", "rtcdevice",
    "rtcfile", "rtconutc", "rtcsync", "sched_priority", "smoothtime", "tempcomp",
};

/* Directives chrony itself dropped (it warns "no longer supported"). */
static const char *const obsolete[] = {
    "commandkey", "generatecommandkey", "linux_freq_scale", "linux_hz", "dumponexit",
};

static void dispatch(Parser *p, int argc, char **argv)
{
  size_t i, e;
  char q[96];

  for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++) {
    if (strcasecmp(argv[0], directives[i].name)) {
      continue;
    }
    if (p->sources_only && !(directives[i].flags & SOURCE)) {
      ERR(p, "%s: only server, pool and peer directives are allowed in a sourcedir file",
          directives[i].name);
      return;
    }
    e = p->n_errors;
    directives[i].handler(p, argc, argv, directives[i].arg);
    if ((directives[i].flags & SINGLE) && p->n_errors == e) {
      if (p->seen[i]) {
        WARN(p, "%s given more than once; the last one is used", directives[i].name);
      }
      p->seen[i] = 1;
    }
    return;
  }
  for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
    if (!strcasecmp(argv[0], unsupported[i])) {
      if (p->sources_only) {
        ERR(p, "%s: only server, pool and peer directives are allowed in a sourcedir file",
            unsupported[i]);
      } else {
        WARN(p, "%s is not supported by timed yet; ignored", unsupported[i]);
      }
      return;
    }
  }
  for (i = 0; i < sizeof(obsolete) / sizeof(obsolete[0]); i++) {
    if (!strcasecmp(argv[0], obsolete[i])) {
      WARN(p, "%s is no longer supported by chrony nor timed; ignored", obsolete[i]);
      return;
    }
  }
  ERR(p, "unknown directive '%s'", CNF_Quote(argv[0], q, sizeof(q)));
}

/* ================================================== */
/* Lines */

static int is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void parse_line(Parser *p, const char *raw, size_t len)
{
  char buf[CNF_MAX_LINE + 1], *words[MAX_WORDS], *s;
  int n = 0;
  size_t i;

  /* chrony.conf(5): a line whose first non-blank character is ! ; # or % is a comment.
     Comment lines are skipped whatever else they hold, of any length (they are never
     copied). */
  for (i = 0; i < len && is_space(raw[i]); i++) {
  }
  if (i < len && strchr("!;#%", raw[i]) && raw[i] != '\0') {
    return;
  }
  if (len > CNF_MAX_LINE) {
    ERR(p, "line is longer than %d characters", CNF_MAX_LINE);
    return;
  }
  if (memchr(raw, '\0', len)) {
    ERR(p, "line contains a NUL byte");
    return;
  }
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)raw[i];
    if ((c < 0x20 && !is_space((char)c)) || c == 0x7f) {
      ERR(p, "line contains the control character \\x%02x", c);
      return;
    }
  }
  memcpy(buf, raw, len);
  buf[len] = '\0';

  for (s = buf;;) {
    while (is_space(*s)) {
      s++;
    }
    if (!*s) {
      break;
    }
    if (n == MAX_WORDS) {
      ERR(p, "too many words on one line (at most %d)", MAX_WORDS);
      return;
    }
    words[n++] = s;
    while (*s && !is_space(*s)) {
      s++;
    }
    if (*s) {
      *s++ = '\0';
    }
  }
  if (n > 0) {
    dispatch(p, n, words);
  }
}

void CNF_ParseText(Parser *p, const char *text, size_t len)
{
  size_t pos = 0;

  p->line = 0;
  while (pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;

    p->line++;
    parse_line(p, text + pos, l);
    pos += l + (nl ? 1 : 0);
  }
}

/* ================================================== */
/* Public functions */

CNF_Config *CNF_Default(void)
{
  CNF_Config *c = calloc(1, sizeof(*c));

  if (!c) {
    return NULL;
  }
  c->port = 123;
  c->ratelimit = (CLG_RateParams){0, 3, 8, 2, 0};
  c->clientloglimit = 524288;
  c->local_stratum = 10;
  c->local_distance = 1.0;
  snprintf(c->bindcmdaddress, sizeof(c->bindcmdaddress), "%s", RUNDIR "/timed.sock");
  snprintf(c->pidfile, sizeof(c->pidfile), "%s", RUNDIR "/timed.pid");
  c->driftfile_interval = 3600;
  c->minsources = 1;
  c->maxdistance = 3.0;
  c->maxjitter = 1.0;
  c->combinelimit = 3.0;
  c->reselectdist = 1e-4;
  c->stratumweight = 1e-3;
  c->maxslewrate = 83333.333;
  c->maxupdateskew = 1000.0;
  c->maxdrift = 500.0;
  c->corrtimeratio = 3.0;
  c->leapsecmode = CNF_LEAP_SYSTEM;
  c->polltarget = 8;
  c->minsamples = 6;
  c->maxsamples = 0;
  c->nts_port = 4460;
  c->nts_rotate = 604800;
  c->max_nts_connections = 100;
  c->nts_processes = 1;
  c->nts_refresh = 1209600;
  return c;
}

void CNF_Free(CNF_Config *c)
{
  if (!c) {
    return;
  }
  free(c->rules);
  free(c->sources);
  free(c);
}

CNF_Config *CNF_Parse(const char *text, size_t len, const char *filename, const CNF_FileOps *fops,
                      CNF_Messages *msgs)
{
  Parser p;

  memset(&p, 0, sizeof(p));
  if (msgs) {
    memset(msgs, 0, sizeof(*msgs));
  }
  p.msgs = msgs;
  p.fops = fops;
  p.file = filename ? filename : "<config>";
  p.stack[0] = filename;
  p.cfg = CNF_Default();
  if (!p.cfg) {
    ERR(&p, "out of memory");
    return NULL;
  }
  if (!text && len) {
    ERR(&p, "no configuration text");
  } else {
    CNF_ParseText(&p, text, len);
  }
  if (p.cfg->local && !p.waitunsynced_set) {
    /* chrony.conf(5) local: waitunsynced defaults to 300 s with orphan, else 0. */
    p.cfg->local_waitunsynced = p.cfg->local_orphan ? 300.0 : 0.0;
  }
  for (size_t i = 0; i < p.cfg->n_sources; i++) {
    CNF_Source *src = &p.cfg->sources[i];

    src->polltarget = src->polltarget < 0 ? p.cfg->polltarget : src->polltarget;
    src->minsamples = src->minsamples < 0 ? p.cfg->minsamples : src->minsamples;
    src->maxsamples = src->maxsamples < 0 ? p.cfg->maxsamples : src->maxsamples;
  }
  if (p.n_nts_certs != p.n_nts_keys) {
    p.line = 0;
    ERR(&p, "ntsservercert given %zu times but ntsserverkey %zu times: they must pair up",
        p.n_nts_certs, p.n_nts_keys);
  }
  p.cfg->n_nts_pairs = p.n_nts_certs < p.n_nts_keys ? p.n_nts_certs : p.n_nts_keys;
  if (p.n_errors) {
    CNF_Free(p.cfg);
    return NULL;
  }
  return p.cfg;
}
