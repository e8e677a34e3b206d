/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timectl_nts.c - timectl serverstats (NTP, NTS and command socket counters), authdata
 * (chronyc authdata) and reload certs.  Client side only: talks to timed through
 * TCL_Transact, reads nothing else.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "timectl.h"

/* Enough for any real daemon; a bound so that a daemon answering nonsense cannot keep us
   paging forever. */
#define MAX_AUTHDATA_RECORDS 65536u

/* Human labels of the serverstats counters, by CMW_SS_* index. */
static const char *const serverstat_labels[CMW_N_SERVERSTATS] = {
    [CMW_SS_NTP_RECEIVED] = "NTP packets received",
    [CMW_SS_NTP_REPLIED] = "NTP packets replied",
    [CMW_SS_NTP_KOD_SENT] = "NTP KoD (RATE) sent",
    [CMW_SS_NTP_DENIED] = "NTP packets denied",
    [CMW_SS_NTP_MALFORMED] = "NTP packets malformed",
    [CMW_SS_NTP_BAD_MODE] = "NTP packets wrong mode",
    [CMW_SS_NTP_RATE_DROPPED] = "NTP packets rate-limited",
    [CMW_SS_NTP_WITH_MAC] = "NTP packets with MAC",
    [CMW_SS_NTP_WITH_EF] = "NTP packets with ext. fields",
    [CMW_SS_NTP_RX_KERNEL_TS] = "NTP kernel RX timestamps",
    [CMW_SS_NTP_RX_DAEMON_TS] = "NTP daemon RX timestamps",
    [CMW_SS_NTP_SEND_ERRORS] = "NTP send errors",
    [CMW_SS_CMD_RECEIVED] = "Command packets received",
    [CMW_SS_CMD_DROPPED] = "Command packets dropped",
    [CMW_SS_CMD_DENIED] = "Command packets denied",
    [CMW_SS_CLIENTLOG_RECORDS] = "Client log records",
    [CMW_SS_CLIENTLOG_EVICTIONS] = "Client log evictions",
    [CMW_SS_CMD_REJECTED] = "Command packets rejected",
    [CMW_SS_NTS_REQUESTS] = "NTS requests received",
    [CMW_SS_NTS_REPLIED] = "NTS responses sent",
    [CMW_SS_NTS_NAKS] = "NTS NAKs sent",
    [CMW_SS_NTS_COOKIES] = "NTS cookies sent (NTP)",
    [CMW_SS_NTS_NAK_COOKIE] = "NTS NAKs: bad cookie",
    [CMW_SS_NTS_NAK_AUTH] = "NTS NAKs: bad authenticator",
    [CMW_SS_NTS_DROPPED_DISABLED] = "NTS dropped: NTS disabled",
    [CMW_SS_NTS_DROPPED_MALFORMED] = "NTS dropped: malformed",
    [CMW_SS_NTS_DROPPED_OTHER] = "NTS dropped: other",
    [CMW_SS_KE_ACCEPTED] = "NTS-KE connections accepted",
    [CMW_SS_KE_REFUSED] = "NTS-KE connections refused",
    [CMW_SS_KE_HANDSHAKES] = "NTS-KE handshakes completed",
    [CMW_SS_KE_TLS_FAILED] = "NTS-KE failed: TLS",
    [CMW_SS_KE_TIMEOUTS] = "NTS-KE failed: timeout",
    [CMW_SS_KE_BAD_REQUESTS] = "NTS-KE failed: bad request",
    [CMW_SS_KE_RESPONSES] = "NTS-KE responses sent",
    [CMW_SS_KE_COOKIES] = "NTS-KE cookies issued",
    [CMW_SS_KE_KEY_ROTATIONS] = "NTS server key rotations",
    [CMW_SS_KE_CERT_RELOADS] = "NTS certificate reloads",
    [CMW_SS_KE_CERT_RELOAD_FAILURES] = "NTS certificate reload fails",
};

/* Text output order: the command counters together.  JSON keeps the wire order. */
static const uint8_t serverstat_text_order[] = {
    CMW_SS_NTP_RECEIVED,      CMW_SS_NTP_REPLIED,         CMW_SS_NTP_KOD_SENT,
    CMW_SS_NTP_DENIED,        CMW_SS_NTP_MALFORMED,       CMW_SS_NTP_BAD_MODE,
    CMW_SS_NTP_RATE_DROPPED,  CMW_SS_NTP_WITH_MAC,        CMW_SS_NTP_WITH_EF,
    CMW_SS_NTP_RX_KERNEL_TS,  CMW_SS_NTP_RX_DAEMON_TS,    CMW_SS_NTP_SEND_ERRORS,
    CMW_SS_CMD_RECEIVED,      CMW_SS_CMD_DROPPED,         CMW_SS_CMD_REJECTED,
    CMW_SS_CMD_DENIED,        CMW_SS_CLIENTLOG_RECORDS,   CMW_SS_CLIENTLOG_EVICTIONS,
    CMW_SS_NTS_REQUESTS,      CMW_SS_NTS_REPLIED,         CMW_SS_NTS_NAKS,
    CMW_SS_NTS_COOKIES,       CMW_SS_NTS_NAK_COOKIE,      CMW_SS_NTS_NAK_AUTH,
    CMW_SS_NTS_DROPPED_DISABLED, CMW_SS_NTS_DROPPED_MALFORMED, CMW_SS_NTS_DROPPED_OTHER,
    CMW_SS_KE_ACCEPTED,       CMW_SS_KE_REFUSED,          CMW_SS_KE_HANDSHAKES,
    CMW_SS_KE_TLS_FAILED,     CMW_SS_KE_TIMEOUTS,         CMW_SS_KE_BAD_REQUESTS,
    CMW_SS_KE_RESPONSES,      CMW_SS_KE_COOKIES,          CMW_SS_KE_KEY_ROTATIONS,
    CMW_SS_KE_CERT_RELOADS,   CMW_SS_KE_CERT_RELOAD_FAILURES,
};
_Static_assert(sizeof(serverstat_text_order) == CMW_N_SERVERSTATS,
               "every serverstats counter needs a place in the text output");

int TCL_CmdServerStats(void)
{
  CMW_Request req;
  CMW_Reply rep;
  const CMW_ServerStats *s = &rep.u.serverstats;
  size_t i;

  /* SERVERSTATS2 carries every counter; a daemon older than it has only SERVERSTATS. */
  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_SERVERSTATS2;
  if (TCL_TransactStatus(&req, &rep) == CMP_STATUS_UNKNOWN_COMMAND) {
    memset(&req, 0, sizeof(req));
    req.command = CMP_CMD_SERVERSTATS;
    TCL_Transact(&req, &rep);
  } else if (rep.status != CMP_STATUS_OK) {
    TCL_Die("%s", CMW_StatusText(rep.status));
  }

  if (TCL_json) {
    putchar('{');
    for (i = 0; i < CMW_N_SERVERSTATS; i++) {
      printf("%s\"%s\":", i ? "," : "", CMW_ServerStatName(i));
      if (i < s->count) {
        printf("%" PRIu64, s->v[i]);
      } else {
        printf("null"); /* an older daemon without this counter */
      }
    }
    printf("}\n");
    return 0;
  }
  for (i = 0; i < CMW_N_SERVERSTATS; i++) {
    size_t k = serverstat_text_order[i];

    if (k < s->count) {
      printf("%-28s: %" PRIu64 "\n", serverstat_labels[k], s->v[k]);
    } else {
      printf("%-28s: -\n", serverstat_labels[k]);
    }
  }
  return 0;
}


/* chronyc's KLen: the key length in bits of the AEAD in use (RFC 8915 §5.1, RFC 5297). */
static int aead_key_bits(uint16_t aead)
{
  switch (aead) {
  case 15: /* AEAD_AES_SIV_CMAC_256 */
    return 256;
  case 16: /* AEAD_AES_SIV_CMAC_384 */
    return 384;
  case 17: /* AEAD_AES_SIV_CMAC_512 */
    return 512;
  case 30: /* AEAD_AES_128_GCM_SIV */
    return 128;
  default:
    return 0;
  }
}

/* Successful NTS-KE sessions: our KeyID column (NTS has no configured key ids; chronyd
   shows a counter of its own here). */
static uint64_t ke_successes(const CMW_AuthData *d)
{
  return d->ke_attempts > d->ke_failures ? d->ke_attempts - d->ke_failures : 0;
}

static void auth_label(const CMW_AuthData *d, char *buf, size_t len)
{
  char addr[ADDR_STRLEN];

  if ((TCL_numeric || d->name[0] == '\0') && d->addr.family != ADDR_UNSPEC) {
    snprintf(buf, len, "%s", ADDR_Format(&d->addr, addr, sizeof(addr)));
  } else {
    snprintf(buf, len, "%s", d->name);
  }
}

static void print_auth_json(const CMW_AuthData *d)
{
  char addr[ADDR_STRLEN];

  printf("{\"name\":");
  TCL_JsonString(d->name);
  printf(",\"address\":");
  if (d->addr.family != ADDR_UNSPEC) {
    TCL_JsonString(ADDR_Format(&d->addr, addr, sizeof(addr)));
  } else {
    printf("null");
  }
  printf(",\"port\":%u,\"mode\":", (unsigned)d->port);
  TCL_JsonString(CMW_AuthModeName(d->mode));
  printf(",\"ke_state\":");
  TCL_JsonString(CMW_AuthKeStateName(d->ke_state));
  printf(",\"key_id\":%" PRIu64 ",\"aead\":%u,\"key_bits\":%d,", ke_successes(d),
         (unsigned)d->aead, aead_key_bits(d->aead));
  if (d->last_ke_ago >= 0.0) {
    printf("\"last_ke_ago\":%.3f,", d->last_ke_ago);
  } else {
    printf("\"last_ke_ago\":null,");
  }
  printf("\"ke_attempts\":%" PRIu64 ",\"ke_failures\":%" PRIu64 ",\"naks\":%" PRIu64
         ",\"auth_failures\":%" PRIu64 ",\"cookies\":%u,\"cookie_len\":%u,\"ke_server\":",
         d->ke_attempts, d->ke_failures, d->naks, d->auth_failures, (unsigned)d->cookies,
         (unsigned)d->cookie_len);
  TCL_JsonString(d->ke_server);
  printf(",\"ke_port\":%u,\"ntp_port\":%u,\"last_error\":", (unsigned)d->ke_port,
         (unsigned)d->ntp_port);
  TCL_JsonString(d->last_error);
  printf("}");
}

static void print_auth_line(const CMW_AuthData *d)
{
  char label[CMP_SOURCE_NAME_LEN], last[16];

  auth_label(d, label, sizeof(label));
  if (d->mode != CMP_AUTH_MODE_NTS) {
    /* chronyc prints a source without authentication like this too. */
    printf("%-27.27s %4s %5d %4d %4d %4s %4d %4d %4d %4d\n", label, "-", 0, 0, 0, "-", 0, 0,
           0, 0);
    return;
  }
  TCL_FormatAgo(d->last_ke_ago, last, sizeof(last));
  printf("%-27.27s %4s %5" PRIu64 " %4u %4d %4s %4" PRIu64 " %4" PRIu64 " %4u %4u\n", label,
         CMW_AuthModeName(d->mode), ke_successes(d) % 100000u, (unsigned)d->aead,
         aead_key_bits(d->aead), last, d->ke_attempts % 10000u, d->naks % 10000u,
         (unsigned)d->cookies, (unsigned)d->cookie_len);
}

int TCL_CmdAuthData(void)
{
  CMW_Request req;
  CMW_Reply rep;
  CMW_AuthData *all = NULL;
  uint32_t index, n = 0, total = 1, i;
  int n_errors = 0;

  /* One source per request, like ntpdata; the list may change between requests, which
     at worst shows a source twice or misses one (as paged chronyc reports do). */
  for (index = 0; index < total && index < MAX_AUTHDATA_RECORDS; index++) {
    CMW_AuthData *grown;

    memset(&req, 0, sizeof(req));
    req.command = CMP_CMD_AUTHDATA;
    req.u.authdata.index = index;
    TCL_Transact(&req, &rep);
    total = rep.u.authdata.total;
    if (rep.u.authdata.count == 0) {
      break;
    }
    grown = realloc(all, (n + 1) * sizeof(*all));
    if (!grown) {
      free(all);
      TCL_Die("out of memory");
    }
    all = grown;
    all[n++] = rep.u.authdata.data;
  }

  if (TCL_json) {
    printf("{\"sources\":[");
    for (i = 0; i < n; i++) {
      printf("%s", i ? "," : "");
      print_auth_json(&all[i]);
    }
    printf("]}\n");
    free(all);
    return 0;
  }
  printf("Name/IP address             Mode KeyID Type KLen Last Atmp  NAK Cook CLen\n"
         "=========================================================================\n");
  for (i = 0; i < n; i++) {
    print_auth_line(&all[i]);
  }
  /* Our addition to chronyc's table: why the last NTS-KE or authentication failed. */
  for (i = 0; i < n; i++) {
    if (all[i].mode == CMP_AUTH_MODE_NTS && all[i].last_error[0] != '\0') {
      char label[CMP_SOURCE_NAME_LEN];

      if (n_errors++ == 0) {
        printf("\n");
      }
      auth_label(&all[i], label, sizeof(label));
      printf("%s: %s\n", label, all[i].last_error);
    }
  }
  free(all);
  return 0;
}

int TCL_CmdReload(const char *what)
{
  CMW_Request req;
  CMW_Reply rep;
  int status;

  if (strcmp(what, "certs") != 0) {
    fprintf(stderr, "timectl: reload what? (only \"reload certs\" is known)\n");
    return 2;
  }
  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_RELOAD;
  req.u.reload.what = CMP_RELOAD_CERTS;
  status = TCL_TransactStatus(&req, &rep);
  if (status == CMP_STATUS_FAILED) {
    TCL_Die("the new certificates were not taken; the old ones stay in use (the reason is in "
            "timed's log)");
  }
  if (status == CMP_STATUS_UNAVAILABLE) {
    TCL_Die("no NTS-KE server is running: nothing to reload");
  }
  if (status != CMP_STATUS_OK) {
    TCL_Die("%s", CMW_StatusText((uint16_t)status));
  }
  if (TCL_json) {
    printf("{\"status\":\"ok\",\"reloaded\":\"certs\"}\n");
  } else {
    printf("200 OK\n");
  }
  return 0;
}
