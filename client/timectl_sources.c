/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timectl_sources.c - timectl commands that change or inspect single NTP sources:
 * `add server|pool NAME [OPTIONS]`, `delete ADDR [PORT]` and `ntpdata [ADDR]`.
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

/* Safety bound on the records walked, whatever totals the daemon reports. */
#define MAX_NTPDATA_RECORDS 65536u

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
