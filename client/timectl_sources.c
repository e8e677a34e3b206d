/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timectl_sources.c - timectl commands about the NTP sources: `sources`, `sourcestats`,
 * `selectdata`, `activity`, `add server|pool NAME [OPTIONS]`, `delete ADDR [PORT]` and
 * `ntpdata [ADDR]`.
 *
 * `add` parses its options with the daemon's own config parser (conf.c: the line is a
 * `server`/`pool` directive), so the options, their ranges and their error messages are
 * exactly those of the configuration file.  Like the rest of timectl it never resolves a
 * name: the daemon does that.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "cmdmon_wire.h"
#include "conf.h"
#include "timectl.h"

/* Safety bounds on the records walked, whatever totals the daemon reports. */
#define MAX_NTPDATA_RECORDS 65536u
#define MAX_SOURCE_RECORDS 65536u /* the engine has at most SYN_MAX_SOURCES */

/* ---- add ---- */

/* Build the directive "server NAME OPTIONS..." from the arguments; 0 when an argument
   cannot be one word of a config line. */
static int build_line(int nargs, char **args, char *line, size_t size)
{
  size_t used = 0;
  int i, n;

  line[0] = '\0';
  for (i = 0; i < nargs; i++) {
    const char *a = args[i];

    if (a[0] == '\0' || strpbrk(a, " \t\r\n\v\f") || (i == 0 && strchr("!;#%", a[0]))) {
      fprintf(stderr, "timectl: invalid word '%s'\n", a);
      return 0;
    }
    n = snprintf(line + used, size - used, "%s%s", i ? " " : "", a);
    if (n < 0 || (size_t)n >= size - used) {
      fprintf(stderr, "timectl: the source line is too long\n");
      return 0;
    }
    used += (size_t)n;
  }
  return 1;
}

int TCL_CmdAdd(int nargs, char **args)
{
  static CNF_Messages msgs;
  char line[CNF_MAX_LINE + 1];
  CNF_Config *cfg;
  const CNF_Source *src;
  CMW_Request req;
  CMW_Reply rep;
  CMW_AddSource *a = &req.u.add;

  if (strcmp(args[0], "server") != 0 && strcmp(args[0], "pool") != 0) {
    fprintf(stderr, "timectl: add server|pool NAME [OPTIONS]\n");
    return 2;
  }
  if (!build_line(nargs, args, line, sizeof(line))) {
    return 2;
  }
  cfg = CNF_Parse(line, strlen(line), "timectl add", NULL, &msgs);
  if (msgs.len > 0) {
    fputs(msgs.text, stderr);
  }
  if (!cfg) {
    return 2;
  }
  if (cfg->n_sources != 1) {
    CNF_Free(cfg);
    fprintf(stderr, "timectl: add server|pool NAME [OPTIONS]\n");
    return 2;
  }
  src = &cfg->sources[0];
  if (src->nts) {
    CNF_Free(cfg);
    fprintf(stderr, "timectl: add: nts is not supported yet\n");
    return 2;
  }
  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_ADD_SOURCE;
  snprintf(a->name, sizeof(a->name), "%s", src->name);
  a->type = src->pool ? CMP_ADD_POOL : CMP_ADD_SERVER;
  a->flags = (uint8_t)((src->iburst ? CMP_ADD_F_IBURST : 0) | (src->burst ? CMP_ADD_F_BURST : 0) |
                       (src->prefer ? CMP_ADD_F_PREFER : 0) |
                       (src->noselect ? CMP_ADD_F_NOSELECT : 0) |
                       (src->trust ? CMP_ADD_F_TRUST : 0) |
                       (src->require ? CMP_ADD_F_REQUIRE : 0));
  a->minpoll = (int8_t)src->minpoll;
  a->maxpoll = (int8_t)src->maxpoll;
  a->port = (uint16_t)src->port;
  a->maxsources = (uint8_t)src->maxsources;
  a->maxdelay = src->maxdelay;
  CNF_Free(cfg);
  TCL_Transact(&req, &rep);
  if (TCL_json) {
    printf("{\"status\":\"ok\"}\n");
  } else {
    printf("200 OK\n");
  }
  return 0;
}

/* ---- delete ---- */

int TCL_CmdDelete(int nargs, char **args)
{
  CMW_Request req;
  CMW_Reply rep;
  unsigned long port = 0;
  char *end;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_DELETE_SOURCE;
  if (!ADDR_Parse(args[0], &req.u.del.addr)) {
    fprintf(stderr, "timectl: invalid address %s (a numeric IPv4 or IPv6 address)\n", args[0]);
    return 2;
  }
  if (nargs > 1) {
    errno = 0;
    port = strtoul(args[1], &end, 10);
    if (args[1][0] < '0' || args[1][0] > '9' || *end != '\0' || errno != 0 || port < 1 ||
        port > 65535) {
      fprintf(stderr, "timectl: invalid port %s (1..65535)\n", args[1]);
      return 2;
    }
  }
  req.u.del.port = (uint16_t)port;
  TCL_Transact(&req, &rep);
  if (TCL_json) {
    printf("{\"status\":\"ok\",\"matched\":%" PRIu32 "}\n", rep.u.matched.matched);
  } else {
    printf("200 OK\n");
  }
  return 0;
}

/* ---- ntpdata ---- */

/* A reference id as chronyc shows it: text for stratum 0/1 (GPS, PPS), else IPv4. */
static void refid_text(uint32_t id, int stratum, char *buf, size_t len)
{
  char t[5];
  int i, n = 0;

  if (stratum <= 1) {
    for (i = 0; i < 4; i++) {
      unsigned char c = (unsigned char)(id >> (24 - 8 * i));

      if (c == 0) {
        break;
      }
      t[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    t[n] = '\0';
    snprintf(buf, len, "%s", t);
  } else {
    snprintf(buf, len, "%u.%u.%u.%u", (unsigned)(id >> 24), (unsigned)(id >> 16) & 255u,
             (unsigned)(id >> 8) & 255u, (unsigned)id & 255u);
  }
}

static const char *const leap_names[4] = {"Normal", "Insert second", "Delete second",
                                          "Not synchronised"};
static const char *const leap_keys[4] = {"normal", "insert", "delete", "unsynchronised"};
/* Text labels of the response counters, in CMP_NTPD_RX_* order. */
static const char *const rx_labels[CMP_NTPD_N_RX] = {
    "Total valid RX", "RX KoD RATE", "RX KoD DENY/RSTR", "RX unsynchronised",
    "RX over maxdelay", "RX bogus origin", "RX duplicate", "RX malformed"};

static void print_addr_json(const char *key, const IPAddr *a)
{
  char text[ADDR_STRLEN];

  printf(",\"%s\":", key);
  if (a->family == ADDR_UNSPEC) {
    printf("null");
  } else {
    TCL_JsonString(ADDR_Format(a, text, sizeof(text)));
  }
}

static void print_ntpdata_json(const CMW_NtpData *d)
{
  char ref[32];
  uint64_t total = 0;
  size_t i;

  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    total += d->rx[i];
  }
  refid_text(d->ref_id, d->stratum, ref, sizeof(ref));
  printf("{\"name\":");
  TCL_JsonString(d->name);
  print_addr_json("remote_address", &d->remote);
  printf(",\"remote_port\":%u", d->remote_port);
  print_addr_json("local_address", &d->local);
  printf(",\"local_port\":%u,\"leap\":\"%s\",\"mode\":%u,\"stratum\":%u,\"poll\":%d,"
         "\"root_delay\":%.9f,\"root_dispersion\":%.9f,\"reference_id\":\"%08" PRIX32 "\","
         "\"reference_name\":",
         d->local_port, leap_keys[d->leap & 3], d->mode, d->stratum, d->poll, d->root_delay,
         d->root_dispersion, d->ref_id);
  TCL_JsonString(ref);
  printf(",\"offset\":%.9f,\"peer_delay\":%.9f,\"peer_dispersion\":%.9f,\"jitter\":%.9f,"
         "\"last_rx_ago\":%.3f,\"online\":%s,\"have_sample\":%s,\"kod_stopped\":%s,"
         "\"authenticated\":false,\"total_tx\":%" PRIu64 ",\"total_rx\":%" PRIu64
         ",\"total_valid_rx\":%" PRIu64 ",\"rx\":{",
         d->offset, d->delay, d->dispersion, d->jitter, d->last_rx_ago,
         d->flags & CMP_NTPD_F_ONLINE ? "true" : "false",
         d->flags & CMP_NTPD_F_HAVE_SAMPLE ? "true" : "false",
         d->flags & CMP_NTPD_F_KOD_STOP ? "true" : "false", d->tx, total,
         d->rx[CMP_NTPD_RX_SAMPLE]);
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    printf("%s\"%s\":%" PRIu64, i ? "," : "", CMW_NtpRxName(i), d->rx[i]);
  }
  printf("}}");
}

static void print_ntpdata_text(const CMW_NtpData *d)
{
  char remote[ADDR_STRLEN], local[ADDR_STRLEN], ref[32];
  uint64_t total = 0;
  size_t i;

  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    total += d->rx[i];
  }
  if (d->remote.family != ADDR_UNSPEC) {
    ADDR_Format(&d->remote, remote, sizeof(remote));
  } else {
    snprintf(remote, sizeof(remote), "-");
  }
  if (d->local.family != ADDR_UNSPEC) {
    ADDR_Format(&d->local, local, sizeof(local));
  } else {
    snprintf(local, sizeof(local), "-");
  }
  refid_text(d->ref_id, d->stratum, ref, sizeof(ref));
  printf("Name            : %s\n", d->name[0] ? d->name : "-");
  printf("Remote address  : %s\n", remote);
  printf("Remote port     : %u\n", d->remote_port);
  printf("Local address   : %s\n", local);
  printf("Local port      : %u\n", d->local_port);
  printf("Leap status     : %s\n", leap_names[d->leap & 3]);
  printf("Mode            : %s\n", d->mode == 4 ? "Server" : "-");
  printf("Stratum         : %u\n", d->stratum);
  printf("Poll interval   : %d (%.0f seconds)\n", d->poll, ldexp(1.0, d->poll));
  printf("Root delay      : %.6f seconds\n", d->root_delay);
  printf("Root dispersion : %.6f seconds\n", d->root_dispersion);
  printf("Reference ID    : %08" PRIX32 " (%s)\n", d->ref_id, ref);
  printf("Offset          : %+.9f seconds\n", d->offset);
  printf("Peer delay      : %.9f seconds\n", d->delay);
  printf("Peer dispersion : %.9f seconds\n", d->dispersion);
  printf("Jitter          : %.9f seconds\n", d->jitter);
  if (d->last_rx_ago >= 0.0) {
    printf("Last valid RX   : %.0f seconds ago\n", d->last_rx_ago);
  } else {
    printf("Last valid RX   : -\n");
  }
  printf("Online          : %s\n", d->flags & CMP_NTPD_F_KOD_STOP ? "No (stopped by KoD)"
                                   : d->flags & CMP_NTPD_F_ONLINE ? "Yes" : "No");
  printf("Authenticated   : No\n");
  printf("Total TX        : %" PRIu64 "\n", d->tx);
  printf("Total RX        : %" PRIu64 "\n", total);
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    if (i == CMP_NTPD_RX_SAMPLE || d->rx[i] != 0) {
      printf("%-16s: %" PRIu64 "\n", rx_labels[i], d->rx[i]);
    }
  }
}

int TCL_CmdNtpData(int nargs, char **args)
{
  CMW_Request req;
  CMW_Reply rep;
  IPAddr want;
  uint32_t index, total = 1, shown = 0;

  memset(&want, 0, sizeof(want));
  if (nargs > 0 && (!ADDR_Parse(args[0], &want) || want.family == ADDR_UNSPEC)) {
    fprintf(stderr, "timectl: invalid address %s (a numeric IPv4 or IPv6 address)\n", args[0]);
    return 2;
  }
  if (TCL_json) {
    printf("{\"sources\":[");
  }
  for (index = 0; index < total && index < MAX_NTPDATA_RECORDS; index++) {
    const CMW_NtpData *d = &rep.u.ntpdata.data;

    memset(&req, 0, sizeof(req));
    req.command = CMP_CMD_NTPDATA;
    req.u.ntpdata.index = index;
    TCL_Transact(&req, &rep);
    if (rep.u.ntpdata.index != index) {
      TCL_Die("unexpected ntpdata record (asked for %" PRIu32 ", got %" PRIu32 ")", index,
              rep.u.ntpdata.index);
    }
    total = rep.u.ntpdata.total;
    if (rep.u.ntpdata.count == 0) {
      break;   /* a source went away meanwhile */
    }
    if (want.family != ADDR_UNSPEC && !ADDR_Equal(&want, &d->remote)) {
      continue;
    }
    if (TCL_json) {
      printf("%s", shown ? "," : "");
      print_ntpdata_json(d);
    } else {
      printf("%s", shown ? "\n" : "");
      print_ntpdata_text(d);
    }
    shown++;
  }
  if (TCL_json) {
    printf("],\"total\":%" PRIu32 "}\n", shown);
  }
  if (want.family != ADDR_UNSPEC && shown == 0) {
    fprintf(stderr, "timectl: No such source\n");
    return 1;
  }
  return 0;
}

/* ---- sources, sourcestats, selectdata, activity ---- */

/* chronyc's unit formatting: the value in ns, us, ms, s, then minutes, hours, days, years,
   with at most 4 or 5 digits.  Signed values take 7 columns (sign included), unsigned 6. */
void TCL_FormatTime(double v, int is_signed, char *buf, size_t len)
{
  static const struct {
    double below, scale;
    int digits;
    const char *unit;
  } units[] = {
      {9999.5e-9, 1e9, 0, "ns"},
      {9999.5e-6, 1e6, 0, "us"},
      {9999.5e-3, 1e3, 0, "ms"},
      {999.5, 1.0, 1, "s"},
      {99999.5, 1.0, 0, "s"},
      {99999.5 * 60.0, 1.0 / 60.0, 0, "m"},
      {99999.5 * 3600.0, 1.0 / 3600.0, 0, "h"},
      {99999.5 * 86400.0, 1.0 / 86400.0, 0, "d"},
  };
  double x = fabs(v), scale = 1.0 / (365.0 * 86400.0);
  const char *unit = "y";
  int digits = 0, ulen;
  size_t i;

  if (!isfinite(v)) {
    snprintf(buf, len, "%*s", is_signed ? 7 : 6, "-");
    return;
  }
  for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    if (x < units[i].below) {
      scale = units[i].scale;
      digits = units[i].digits;
      unit = units[i].unit;
      break;
    }
  }
  ulen = (int)strlen(unit);
  if (fabs(v * scale) * (digits ? 10.0 : 1.0) < 0.5) {
    v = 0.0; /* no "-0ns" */
  }
  if (is_signed) {
    snprintf(buf, len, "%+*.*f%s", 7 - ulen, digits, v * scale, unit);
  } else {
    snprintf(buf, len, "%*.*f%s", 6 - ulen, digits, x * scale, unit);
  }
}


/* What the Name column shows: the configured name, or with -n (or when there is no name)
   the address. */
static void source_label(const CMW_Source *s, char *buf, size_t len)
{
  if ((TCL_numeric || s->name[0] == '\0') && s->addr.family != ADDR_UNSPEC) {
    ADDR_Format(&s->addr, buf, len);
  } else {
    snprintf(buf, len, "%s", s->name[0] != '\0' ? s->name : "?");
  }
}

/* All sources, page by page.  *n receives the count; the array is malloc'ed. */
static CMW_Source *fetch_sources(uint32_t *n)
{
  CMW_Request req;
  CMW_Reply rep;
  CMW_Source *all = NULL;
  uint32_t start = 0, cap = 0, i;

  *n = 0;
  for (;;) {
    const CMW_SourcesPage *p = &rep.u.sources;

    memset(&req, 0, sizeof(req));
    req.command = CMP_CMD_SOURCES;
    req.u.sources.start = start;
    TCL_Transact(&req, &rep);
    if (p->start != start) {
      free(all);
      TCL_Die("unexpected sources page (asked for %" PRIu32 ", got %" PRIu32 ")", start, p->start);
    }
    for (i = 0; i < p->count && *n < MAX_SOURCE_RECORDS; i++) {
      if (*n == cap) {
        CMW_Source *bigger;

        cap = cap ? 2 * cap : 16;
        bigger = realloc(all, cap * sizeof(*all));
        if (!bigger) {
          free(all);
          TCL_Die("out of memory");
        }
        all = bigger;
      }
      all[(*n)++] = p->sources[i];
    }
    if (p->count == 0 || p->count > UINT32_MAX - start || start + p->count >= p->total ||
        *n >= MAX_SOURCE_RECORDS) {
      break;
    }
    start += p->count;
  }
  return all;
}

static const char *leap_letter(uint8_t leap)
{
  static const char *const letters[4] = {"N", "+", "-", "?"};

  return letters[leap & 3];
}

static void print_source_json(const CMW_Source *s)
{
  static const char *const modes[CMP_SRC_MODE_COUNT] = {"server", "peer", "refclock"};
  static const char *const leaps[4] = {"normal", "insert", "delete", "unsynchronised"};
  char addr[ADDR_STRLEN];

  printf("{\"name\":");
  TCL_JsonString(s->name);
  printf(",\"address\":");
  if (s->addr.family != ADDR_UNSPEC) {
    TCL_JsonString(ADDR_Format(&s->addr, addr, sizeof(addr)));
  } else {
    printf("null");
  }
  printf(",\"port\":%u,\"mode\":\"%s\",\"state\":\"%c\",\"state_name\":\"%s\","
         "\"stratum\":%u,\"poll\":%d,\"reach\":%u,\"reach_octal\":\"%03o\","
         "\"last_rx_ago\":%.3f,\"offset\":%.9f,\"offset_measured\":%.9f,\"error\":%.9f,"
         "\"samples\":%u,\"runs\":%u,\"span\":%.3f,\"frequency_ppm\":%.6f,"
         "\"skew_ppm\":%.6f,\"offset_estimate\":%.9f,\"std_dev\":%.9f,\"distance\":%.9f,"
         "\"delay\":%.9f,\"root_delay\":%.9f,\"root_dispersion\":%.9f,"
         "\"reference_id\":\"%08" PRIX32 "\",\"leap\":\"%s\",\"online\":%s,\"burst\":%s,"
         "\"prefer\":%s,\"noselect\":%s,\"trust\":%s,\"require\":%s,\"kod_stopped\":%s,"
         "\"requests\":%" PRIu64 ",\"responses_used\":%" PRIu64
         ",\"responses_other\":%" PRIu64 "}",
         s->port, modes[s->mode], CMW_SourceStateChar(s->state),
         CMW_SourceStateName(s->state), s->stratum, s->poll, s->reach, s->reach,
         s->last_rx_ago, s->last_offset, s->last_offset_measured, s->last_error,
         s->n_samples, s->n_runs, s->span, s->freq_ppm, s->skew_ppm, s->offset, s->std_dev,
         s->distance, s->delay, s->root_delay, s->root_dispersion, s->ref_id,
         leaps[s->leap & 3], s->flags & CMP_SRC_F_ONLINE ? "true" : "false",
         s->flags & CMP_SRC_F_BURST ? "true" : "false",
         s->flags & CMP_SRC_F_PREFER ? "true" : "false",
         s->flags & CMP_SRC_F_NOSELECT ? "true" : "false",
         s->flags & CMP_SRC_F_TRUST ? "true" : "false",
         s->flags & CMP_SRC_F_REQUIRE ? "true" : "false",
         s->flags & CMP_SRC_F_KOD_STOP ? "true" : "false", s->tx, s->rx_samples, s->rx_other);
}

static void print_sources_header(int verbose)
{
  if (verbose) {
    printf("\n"
           "  .-- Source mode  '^' = server, '=' = peer, '#' = local clock.\n"
           " / .- Source state '*' = current best, '+' = combined, '-' = not combined,\n"
           "| /             'x' = may be in error, '~' = too variable, '?' = unusable.\n"
           "||                                                 .- xxxx [ yyyy ] +/- zzzz\n"
           "||      Reachability register (octal) -.           |  xxxx = adjusted offset,\n"
           "||      Log2(Polling interval) --.      |          |  yyyy = measured offset,\n"
           "||                                \\     |          |  zzzz = estimated error.\n"
           "||                                 |    |           \\\n");
  }
  printf("MS Name/IP address         Stratum Poll Reach LastRx Last sample               \n");
  printf("===============================================================================\n");
}

static void print_source_line(const CMW_Source *s)
{
  char name[CMP_SOURCE_NAME_LEN + ADDR_STRLEN], ago[16], adj[16], meas[16], err[16];

  source_label(s, name, sizeof(name));
  if (s->last_rx_ago < 0.0) {
    /* No sample yet: chronyc shows a 0 offset and a dash for the age. */
    snprintf(ago, sizeof(ago), "-");
  } else {
    TCL_FormatAgo(s->last_rx_ago, ago, sizeof(ago));
  }
  TCL_FormatTime(s->last_offset, 1, adj, sizeof(adj));
  TCL_FormatTime(s->last_offset_measured, 1, meas, sizeof(meas));
  TCL_FormatTime(s->last_error, 0, err, sizeof(err));
  printf("%c%c %-27.27s  %2u  %2d   %3o  %4s  %s[%s] +/- %s\n", CMW_SourceModeChar(s->mode),
         CMW_SourceColumnChar(s->state), name, s->stratum, s->poll, s->reach, ago, adj, meas,
         err);
}

static void print_sourcestats_header(int verbose)
{
  if (verbose) {
    printf("                             .- Number of sample points in measurement set.\n"
           "                            /    .- Number of residual runs with same sign.\n"
           "                           |    /    .- Length of measurement set (time).\n"
           "                           |   |    /      .- Est. clock freq error (ppm).\n"
           "                           |   |   |      /           .- Est. error in freq.\n"
           "                           |   |   |     |           /         .- Est. offset.\n"
           "                           |   |   |     |          |          |   On the -.\n"
           "                           |   |   |     |          |          |   samples. \\\n"
           "                           |   |   |     |          |          |             |\n");
  }
  printf("Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev\n");
  printf("==============================================================================\n");
}

/* Frequencies: 3 decimals while they fit in 10 columns. */
static void format_ppm(double v, int is_signed, char *buf, size_t len)
{
  if (fabs(v) < 0.0005) {
    v = 0.0; /* no "-0.000" */
  }
  if (fabs(v) < 99999.5) {
    snprintf(buf, len, is_signed ? "%+10.3f" : "%10.3f", v);
  } else {
    snprintf(buf, len, is_signed ? "%+10.0f" : "%10.0f", v);
  }
}

static void print_sourcestats_line(const CMW_Source *s)
{
  char name[CMP_SOURCE_NAME_LEN + ADDR_STRLEN], span[16], freq[32], skew[32], off[16], sd[16];

  source_label(s, name, sizeof(name));
  TCL_FormatAgo(s->span, span, sizeof(span));
  format_ppm(s->freq_ppm, 1, freq, sizeof(freq));
  format_ppm(s->skew_ppm, 0, skew, sizeof(skew));
  TCL_FormatTime(s->offset, 1, off, sizeof(off));
  TCL_FormatTime(s->std_dev, 0, sd, sizeof(sd));
  printf("%-25.25s %3u %3u  %4s %s %s  %s  %s\n", name, s->n_samples, s->n_runs, span, freq,
         skew, off, sd);
}

static void print_selectdata_header(int verbose)
{
  if (verbose) {
    printf("  . State: N - noselect, s - unsynchronised, M - missing samples, d - too far,\n"
           " /         ~ - jittery, W - waiting for others, x - falseticker, - - outlier,\n"
           "|          + - combined, * - best, ? - not examined yet.\n"
           "|  Options: N noselect, P prefer, T trust, R require.  Auth: N none.\n"
           "|                                         Interval: offset -/+ distance.\n"
           "|                                                                   Leap -.\n"
           "|                                                                          \\\n");
  }
  printf("S Name/IP Address        Auth COpts EOpts Last Score     Interval  Leap\n");
  printf("=======================================================================\n");
}

static void print_selectdata_line(const CMW_Source *s)
{
  char name[CMP_SOURCE_NAME_LEN + ADDR_STRLEN], opts[8], last[16], lo[16], hi[16];

  source_label(s, name, sizeof(name));
  snprintf(opts, sizeof(opts), "%c%c%c%c-", s->flags & CMP_SRC_F_NOSELECT ? 'N' : '-',
           s->flags & CMP_SRC_F_PREFER ? 'P' : '-', s->flags & CMP_SRC_F_TRUST ? 'T' : '-',
           s->flags & CMP_SRC_F_REQUIRE ? 'R' : '-');
  if (s->last_rx_ago < 0.0) {
    snprintf(last, sizeof(last), "-");
  } else {
    TCL_FormatAgo(s->last_rx_ago, last, sizeof(last));
  }
  TCL_FormatTime(s->offset - s->distance, 1, lo, sizeof(lo));
  TCL_FormatTime(s->offset + s->distance, 1, hi, sizeof(hi));
  /* No authentication yet (Auth N), effective options = configured ones, no score. */
  printf("%c %-22.22s %4s %5s %5s %4s %5s %s %s  %s\n", CMW_SourceStateChar(s->state), name,
         "N", opts, opts, last, "-", lo, hi, leap_letter(s->leap));
}

/* sources, sourcestats and selectdata: one fetch, three views. */
int TCL_CmdSources(const char *which, int verbose)
{
  CMW_Source *all;
  uint32_t n, i;
  int stats = strcmp(which, "sourcestats") == 0, select = strcmp(which, "selectdata") == 0;

  all = fetch_sources(&n);
  if (TCL_json) {
    printf("{\"sources\":[");
    for (i = 0; i < n; i++) {
      if (i) {
        putchar(',');
      }
      print_source_json(&all[i]);
    }
    printf("],\"total\":%" PRIu32 "}\n", n);
  } else {
    if (stats) {
      print_sourcestats_header(verbose);
    } else if (select) {
      print_selectdata_header(verbose);
    } else {
      print_sources_header(verbose);
    }
    for (i = 0; i < n; i++) {
      if (stats) {
        print_sourcestats_line(&all[i]);
      } else if (select) {
        print_selectdata_line(&all[i]);
      } else {
        print_source_line(&all[i]);
      }
    }
  }
  free(all);
  return 0;
}

int TCL_CmdActivity(void)
{
  CMW_Request req;
  CMW_Reply rep;
  const CMW_Activity *a = &rep.u.activity;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_ACTIVITY;
  TCL_Transact(&req, &rep);
  if (TCL_json) {
    printf("{\"online\":%" PRIu32 ",\"offline\":%" PRIu32 ",\"burst_online\":%" PRIu32
           ",\"burst_offline\":%" PRIu32 ",\"unresolved\":%" PRIu32 "}\n",
           a->online, a->offline, a->burst_online, a->burst_offline, a->unresolved);
    return 0;
  }
  printf("%" PRIu32 " sources online\n", a->online);
  printf("%" PRIu32 " sources offline\n", a->offline);
  printf("%" PRIu32 " sources doing burst (return to online)\n", a->burst_online);
  printf("%" PRIu32 " sources doing burst (return to offline)\n", a->burst_offline);
  printf("%" PRIu32 " sources with unknown address\n", a->unresolved);
  return 0;
}
