/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon_wire.c - command socket codec and the protocol's one length table [core].
 * The per-source records (SOURCES, NTPDATA, AUTHDATA) are in cmdmon_src.c.
 *
 * Every field is read and written byte by byte in big-endian order (layout in
 * cmdmon_proto.h); no struct is cast onto a buffer.  Decoders check every length before
 * reading and every value before accepting it.  No I/O, no system calls, no allocation.
 */
#include "cmdmon_int.h"

/* ---- the command table ---- */

typedef struct {
  uint16_t command;
  const char *name;
  CMW_Permission perm;
  size_t req_body; /* meaningful request bytes after the header */
  size_t rep_body; /* reply bytes after the header */
} CommandInfo;

/* The request length of each command is the larger of its own body and the reply body:
   the client pads, so that a reply is never longer than the request that caused it
   (chrony CVE-2014-0021: no amplification through the command port). */
static const CommandInfo commands[] = {
    {CMP_CMD_TRACKING, "tracking", CMW_PERM_OPEN, 0, CMP_TRACKING_BODY_LEN},
    {CMP_CMD_SERVERSTATS, "serverstats", CMW_PERM_OPEN, 0, CMP_SERVERSTATS_BODY_LEN},
    {CMP_CMD_CLIENTS, "clients", CMW_PERM_OPEN, CMP_CLIENTS_REQ_BODY_LEN, CMP_CLIENTS_BODY_LEN},
    {CMP_CMD_ACCHECK, "accheck", CMW_PERM_OPEN, CMP_ACCHECK_REQ_BODY_LEN, CMP_ACCHECK_BODY_LEN},
    {CMP_CMD_SHUTDOWN, "shutdown", CMW_PERM_CONTROL, 0, 0},
    {CMP_CMD_SOURCES, "sources", CMW_PERM_OPEN, CMP_SOURCES_REQ_BODY_LEN, CMP_SOURCES_BODY_LEN},
    {CMP_CMD_ACTIVITY, "activity", CMW_PERM_OPEN, 0, CMP_ACTIVITY_BODY_LEN},
    {CMP_CMD_MAKESTEP, "makestep", CMW_PERM_CONTROL, 0, 0},
    {CMP_CMD_BURST, "burst", CMW_PERM_CONTROL, CMP_BURST_REQ_BODY_LEN, CMP_MATCHED_BODY_LEN},
    {CMP_CMD_ONLINE, "online", CMW_PERM_CONTROL, CMP_ONLINE_REQ_BODY_LEN, CMP_MATCHED_BODY_LEN},
    {CMP_CMD_OFFLINE, "offline", CMW_PERM_CONTROL, CMP_ONLINE_REQ_BODY_LEN, CMP_MATCHED_BODY_LEN},
    {CMP_CMD_ADD_SOURCE, "add", CMW_PERM_CONTROL, CMP_ADD_REQ_BODY_LEN, 0},
    {CMP_CMD_DELETE_SOURCE, "delete", CMW_PERM_CONTROL, CMP_DELETE_REQ_BODY_LEN,
     CMP_MATCHED_BODY_LEN},
    {CMP_CMD_NTPDATA, "ntpdata", CMW_PERM_OPEN, CMP_NTPDATA_REQ_BODY_LEN, CMP_NTPDATA_BODY_LEN},
    {CMP_CMD_SERVERSTATS2, "serverstats2", CMW_PERM_OPEN, 0, CMP_SERVERSTATS2_BODY_LEN},
    {CMP_CMD_AUTHDATA, "authdata", CMW_PERM_OPEN, CMP_AUTHDATA_REQ_BODY_LEN,
     CMP_AUTHDATA_BODY_LEN},
    {CMP_CMD_RELOAD, "reload", CMW_PERM_CONTROL, CMP_RELOAD_REQ_BODY_LEN, 0},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *const serverstat_names[CMW_N_SERVERSTATS] = {
    [CMW_SS_NTP_RECEIVED] = "ntp_received",
    [CMW_SS_NTP_REPLIED] = "ntp_replied",
    [CMW_SS_NTP_KOD_SENT] = "ntp_kod_sent",
    [CMW_SS_NTP_DENIED] = "ntp_denied",
    [CMW_SS_NTP_MALFORMED] = "ntp_malformed",
    [CMW_SS_NTP_BAD_MODE] = "ntp_bad_mode",
    [CMW_SS_NTP_RATE_DROPPED] = "ntp_rate_dropped",
    [CMW_SS_NTP_WITH_MAC] = "ntp_with_mac",
    [CMW_SS_NTP_WITH_EF] = "ntp_with_ef",
    [CMW_SS_NTP_RX_KERNEL_TS] = "ntp_rx_kernel_ts",
    [CMW_SS_NTP_RX_DAEMON_TS] = "ntp_rx_daemon_ts",
    [CMW_SS_NTP_SEND_ERRORS] = "ntp_send_errors",
    [CMW_SS_CMD_RECEIVED] = "cmd_received",
    [CMW_SS_CMD_DROPPED] = "cmd_dropped",
    [CMW_SS_CMD_DENIED] = "cmd_denied",
    [CMW_SS_CLIENTLOG_RECORDS] = "clientlog_records",
    [CMW_SS_CLIENTLOG_EVICTIONS] = "clientlog_evictions",
    [CMW_SS_CMD_REJECTED] = "cmd_rejected",
    [CMW_SS_NTS_REQUESTS] = "nts_requests",
    [CMW_SS_NTS_REPLIED] = "nts_replied",
    [CMW_SS_NTS_NAKS] = "nts_naks",
    [CMW_SS_NTS_COOKIES] = "nts_cookies",
    [CMW_SS_NTS_NAK_COOKIE] = "nts_nak_cookie",
    [CMW_SS_NTS_NAK_AUTH] = "nts_nak_auth",
    [CMW_SS_NTS_DROPPED_DISABLED] = "nts_dropped_disabled",
    [CMW_SS_NTS_DROPPED_MALFORMED] = "nts_dropped_malformed",
    [CMW_SS_NTS_DROPPED_OTHER] = "nts_dropped_other",
    [CMW_SS_KE_ACCEPTED] = "ke_accepted",
    [CMW_SS_KE_REFUSED] = "ke_refused",
    [CMW_SS_KE_HANDSHAKES] = "ke_handshakes",
    [CMW_SS_KE_TLS_FAILED] = "ke_tls_failed",
    [CMW_SS_KE_TIMEOUTS] = "ke_timeouts",
    [CMW_SS_KE_BAD_REQUESTS] = "ke_bad_requests",
    [CMW_SS_KE_RESPONSES] = "ke_responses",
    [CMW_SS_KE_COOKIES] = "ke_cookies",
    [CMW_SS_KE_KEY_ROTATIONS] = "ke_key_rotations",
    [CMW_SS_KE_CERT_RELOADS] = "ke_cert_reloads",
    [CMW_SS_KE_CERT_RELOAD_FAILURES] = "ke_cert_reload_failures",
};

/* SERVERSTATS2 has room for CMP_SERVERSTATS2_SLOTS counters (SERVERSTATS sends the first
   CMP_SERVERSTATS_SLOTS); adding one past it needs a new command. */
_Static_assert(CMW_N_SERVERSTATS <= CMP_SERVERSTATS2_SLOTS, "serverstats slots exhausted");
_Static_assert(CMP_SERVERSTATS_SLOTS <= CMP_SERVERSTATS2_SLOTS, "serverstats2 is the longer");
_Static_assert(CMP_HEADER_LEN + CMP_SERVERSTATS2_BODY_LEN <= CMP_MAX_PACKET &&
                   CMP_HEADER_LEN + CMP_AUTHDATA_BODY_LEN <= CMP_MAX_PACKET,
               "CMP_MAX_PACKET is too small");
_Static_assert(CMP_AUTH_LAST_KE_AGO + 8 == CMP_AUTH_ERROR &&
                   CMP_AUTH_ERROR + CMP_AUTH_ERROR_LEN == CMP_AUTH_KE_SERVER &&
                   CMP_AUTH_NTP_PORT + 2 <= CMP_AUTH_KE_ATTEMPTS,
               "authdata layout overlaps");
_Static_assert(CMP_CLIENTS_REQ_BODY_LEN <= CMP_CLIENTS_BODY_LEN, "clients request too long");
_Static_assert(CMP_SOURCES_REQ_BODY_LEN <= CMP_SOURCES_BODY_LEN, "sources request too long");
_Static_assert(CMP_SOURCES_BODY_LEN <= CMP_CLIENTS_BODY_LEN, "CMP_MAX_PACKET is too small");
_Static_assert(CMP_HEADER_LEN + CMP_ADD_REQ_BODY_LEN <= CMP_MAX_PACKET &&
                   CMP_HEADER_LEN + CMP_NTPDATA_BODY_LEN <= CMP_MAX_PACKET,
               "CMP_MAX_PACKET is too small");
_Static_assert(CMP_ADD_MAXDELAY + 8 == CMP_ADD_REQ_BODY_LEN &&
                   CMP_NTPD_RX + 8 * CMP_NTPD_N_RX == CMP_NTPD_DOUBLES &&
                   CMP_NTPD_DOUBLES + 8 * CMP_NTPD_N_DOUBLES == CMP_NTPD_NAME,
               "add/ntpdata layout overlaps");
_Static_assert(NSC_RX_COUNT == CMP_NTPD_N_RX && NSC_RX_SAMPLE == CMP_NTPD_RX_SAMPLE &&
                   NSC_RX_KOD_RATE == CMP_NTPD_RX_KOD_RATE &&
                   NSC_RX_KOD_STOP == CMP_NTPD_RX_KOD_STOP &&
                   NSC_RX_UNSYNC == CMP_NTPD_RX_UNSYNC && NSC_RX_DELAY == CMP_NTPD_RX_DELAY &&
                   NSC_RX_BOGUS == CMP_NTPD_RX_BOGUS &&
                   NSC_RX_DUPLICATE == CMP_NTPD_RX_DUPLICATE &&
                   NSC_RX_MALFORMED == CMP_NTPD_RX_MALFORMED,
               "ntpdata counters differ from NSC_RxResult");
_Static_assert(CMP_SRC_FLAGS + 1 < CMP_SRC_N_SAMPLES && CMP_SRC_RX_OTHER + 8 == CMP_SRC_DOUBLES,
               "source record layout overlaps");

static const CommandInfo *find_command(uint16_t command)
{
  size_t i;

  for (i = 0; i < N_COMMANDS; i++) {
    if (commands[i].command == command) {
      return &commands[i];
    }
  }
  return NULL;
}

static size_t request_len(const CommandInfo *ci)
{
  size_t body = ci->req_body > ci->rep_body ? ci->req_body : ci->rep_body;

  return CMP_HEADER_LEN + body;
}

int CMW_CommandLengths(uint16_t command, size_t *req_len, size_t *rep_len)
{
  const CommandInfo *ci = find_command(command);

  if (!ci) {
    return 0;
  }
  if (req_len) {
    *req_len = request_len(ci);
  }
  if (rep_len) {
    *rep_len = CMP_HEADER_LEN + ci->rep_body;
  }
  return 1;
}

CMW_Permission CMW_CommandPermission(uint16_t command)
{
  const CommandInfo *ci = find_command(command);

  return ci ? ci->perm : CMW_PERM_NONE;
}

const char *CMW_CommandName(uint16_t command)
{
  const CommandInfo *ci = find_command(command);

  return ci ? ci->name : NULL;
}

size_t CMW_CommandCount(void)
{
  return N_COMMANDS;
}

uint16_t CMW_CommandAt(size_t i)
{
  return i < N_COMMANDS ? commands[i].command : 0;
}

const char *CMW_ServerStatName(size_t i)
{
  return i < CMW_N_SERVERSTATS ? serverstat_names[i] : NULL;
}

const char *CMW_StatusText(uint16_t status)
{
  switch (status) {
  case CMP_STATUS_OK:
    return "OK";
  case CMP_STATUS_FAILED:
    return "Failed";
  case CMP_STATUS_UNKNOWN_COMMAND:
    return "Unknown command";
  case CMP_STATUS_BAD_LENGTH:
    return "Bad request length";
  case CMP_STATUS_NOT_AUTHORISED:
    return "Not authorised";
  case CMP_STATUS_INVALID_ARGUMENT:
    return "Invalid argument";
  case CMP_STATUS_UNAVAILABLE:
    return "Not available";
  case CMP_STATUS_NO_SUCH_SOURCE:
    return "No such source";
  case CMP_STATUS_SOURCE_EXISTS:
    return "Source already present";
  default:
    return "Unknown status";
  }
}

const char *CMW_ResultText(CMW_Result r)
{
  static const char *const texts[CMW_ERR_COUNT] = {
      [CMW_OK] = "ok",
      [CMW_ERR_SHORT] = "short packet",
      [CMW_ERR_OVERSIZED] = "oversized packet",
      [CMW_ERR_VERSION] = "bad version",
      [CMW_ERR_TYPE] = "bad packet type",
      [CMW_ERR_HEADER] = "bad header",
      [CMW_ERR_UNKNOWN_COMMAND] = "unknown command",
      [CMW_ERR_LENGTH] = "bad length",
      [CMW_ERR_VALUE] = "invalid value",
  };

  return (unsigned)r < CMW_ERR_COUNT ? texts[r] : "?";
}

int CMW_StatusForResult(CMW_Result r)
{
  switch (r) {
  case CMW_OK:
    return CMP_STATUS_OK;
  case CMW_ERR_UNKNOWN_COMMAND:
    return CMP_STATUS_UNKNOWN_COMMAND;
  case CMW_ERR_LENGTH:
    return CMP_STATUS_BAD_LENGTH;
  case CMW_ERR_VALUE:
    return CMP_STATUS_INVALID_ARGUMENT;
  default:
    return -1;
  }
}

static void put_header(uint8_t *buf, uint8_t type, uint16_t command, uint32_t sequence,
                       uint16_t status)
{
  buf[CMP_OFF_VERSION] = CMP_VERSION;
  buf[CMP_OFF_TYPE] = type;
  put16(buf + CMP_OFF_COMMAND, command);
  put32(buf + CMP_OFF_SEQUENCE, sequence);
  put16(buf + CMP_OFF_STATUS, status);
  put16(buf + CMP_OFF_RESERVED, 0);
}

/* Checks common to requests and replies: size bounds, version, type. */
static CMW_Result check_header(const uint8_t *buf, size_t len, uint8_t type)
{
  if (!buf || len < CMP_HEADER_LEN) {
    return CMW_ERR_SHORT;
  }
  if (len > CMP_MAX_PACKET) {
    return CMW_ERR_OVERSIZED;
  }
  if (buf[CMP_OFF_VERSION] != CMP_VERSION) {
    return CMW_ERR_VERSION;
  }
  if (buf[CMP_OFF_TYPE] != type) {
    return CMW_ERR_TYPE;
  }
  if (get16(buf + CMP_OFF_RESERVED) != 0) {
    return CMW_ERR_HEADER;
  }
  return CMW_OK;
}

/* ---- requests ---- */

/* ADD_SOURCE name: 1..CMP_ADD_NAME_LEN-1 characters 0x21..0x7e (a config word: no
   spaces), then NUL bytes to the end of the field. */
static int valid_word_char(char c)
{
  return c > 0x20 && c < 0x7f;
}

static int valid_add(const CMW_AddSource *a)
{
  size_t n;

  for (n = 0; n < CMP_ADD_NAME_LEN && a->name[n] != '\0'; n++) {
    if (!valid_word_char(a->name[n])) {
      return 0;
    }
  }
  return n > 0 && n < CMP_ADD_NAME_LEN && a->type <= CMP_ADD_POOL &&
         (a->flags & ~CMP_ADD_F_ALL) == 0 && a->minpoll >= -7 && a->minpoll <= 24 &&
         a->maxpoll >= -7 && a->maxpoll <= 24 && a->minpoll <= a->maxpoll && a->port >= 1 &&
         a->maxsources >= 1 && a->maxsources <= 16 && isfinite(a->maxdelay) &&
         a->maxdelay > 0.0 && a->maxdelay <= 1000.0;
}

static CMW_Result get_add(const uint8_t *b, CMW_AddSource *a)
{
  size_t n, i;
  uint64_t bits;

  for (n = 0; n < CMP_ADD_NAME_LEN && b[CMP_ADD_NAME + n] != 0; n++) {
  }
  if (n == CMP_ADD_NAME_LEN) {
    return CMW_ERR_VALUE;
  }
  for (i = n; i < CMP_ADD_NAME_LEN; i++) {
    if (b[CMP_ADD_NAME + i] != 0) {
      return CMW_ERR_VALUE;
    }
  }
  memcpy(a->name, b + CMP_ADD_NAME, CMP_ADD_NAME_LEN);
  a->type = b[CMP_ADD_TYPE];
  a->flags = b[CMP_ADD_FLAGS];
  a->minpoll = (int8_t)b[CMP_ADD_MINPOLL];
  a->maxpoll = (int8_t)b[CMP_ADD_MAXPOLL];
  a->port = get16(b + CMP_ADD_PORT);
  a->maxsources = b[CMP_ADD_MAXSOURCES];
  bits = get64(b + CMP_ADD_MAXDELAY);
  memcpy(&a->maxdelay, &bits, sizeof(a->maxdelay));
  return valid_add(a) ? CMW_OK : CMW_ERR_VALUE;
}

static int put_add(uint8_t *b, const CMW_AddSource *a)
{
  uint64_t bits;

  if (!valid_add(a)) {
    return 0;
  }
  memcpy(b + CMP_ADD_NAME, a->name, strnlen(a->name, CMP_ADD_NAME_LEN));
  b[CMP_ADD_TYPE] = a->type;
  b[CMP_ADD_FLAGS] = a->flags;
  b[CMP_ADD_MINPOLL] = (uint8_t)a->minpoll;
  b[CMP_ADD_MAXPOLL] = (uint8_t)a->maxpoll;
  put16(b + CMP_ADD_PORT, a->port);
  b[CMP_ADD_MAXSOURCES] = a->maxsources;
  memcpy(&bits, &a->maxdelay, sizeof(bits));
  put64(b + CMP_ADD_MAXDELAY, bits);
  return 1;
}

/* chronyc `burst good/max`: at least one request, good never above max, and a bound so
   that nobody can make us flood a server through the command socket. */
static int valid_burst(uint32_t n_good, uint32_t n_max)
{
  return n_max >= 1 && n_max <= CMP_BURST_MAX && n_good <= n_max;
}

CMW_Result CMW_DecodeRequest(const uint8_t *buf, size_t len, CMW_Request *req)
{
  const CommandInfo *ci;
  const uint8_t *body;
  CMW_Result r;

  memset(req, 0, sizeof(*req));
  r = check_header(buf, len, CMP_TYPE_REQUEST);
  if (r != CMW_OK) {
    return r;
  }
  if (get16(buf + CMP_OFF_STATUS) != 0) {
    return CMW_ERR_HEADER;
  }
  req->command = get16(buf + CMP_OFF_COMMAND);
  req->sequence = get32(buf + CMP_OFF_SEQUENCE);

  ci = find_command(req->command);
  if (!ci) {
    return CMW_ERR_UNKNOWN_COMMAND;
  }
  if (len != request_len(ci)) {
    return CMW_ERR_LENGTH;
  }

  /* The padding after a command's own body is ignored, as are reserved body bytes. */
  body = buf + CMP_HEADER_LEN;
  switch (req->command) {
  case CMP_CMD_CLIENTS:
    req->u.clients.start = get32(body);
    break;
  case CMP_CMD_ACCHECK:
    if (!get_addr(body, &req->u.accheck.addr) || req->u.accheck.addr.family == ADDR_UNSPEC) {
      return CMW_ERR_VALUE;
    }
    break;
  case CMP_CMD_SOURCES:
    req->u.sources.start = get32(body);
    break;
  case CMP_CMD_BURST:
    req->u.burst.n_good = get32(body);
    req->u.burst.n_max = get32(body + 4);
    if (!valid_burst(req->u.burst.n_good, req->u.burst.n_max) ||
        !get_addr(body + 8, &req->u.burst.addr)) {
      return CMW_ERR_VALUE;
    }
    break;
  case CMP_CMD_ONLINE:
  case CMP_CMD_OFFLINE:
    if (!get_addr(body, &req->u.online.addr)) {
      return CMW_ERR_VALUE;
    }
    break;
  case CMP_CMD_ADD_SOURCE:
    return get_add(body, &req->u.add);
  case CMP_CMD_DELETE_SOURCE:
    req->u.del.port = get16(body + CMP_ADDR_LEN);
    if (!get_addr(body, &req->u.del.addr) || req->u.del.addr.family == ADDR_UNSPEC) {
      return CMW_ERR_VALUE;
    }
    break;
  case CMP_CMD_NTPDATA:
    req->u.ntpdata.index = get32(body);
    break;
  case CMP_CMD_AUTHDATA:
    req->u.authdata.index = get32(body);
    break;
  case CMP_CMD_RELOAD:
    req->u.reload.what = get32(body);
    if (req->u.reload.what != CMP_RELOAD_CERTS) {
      return CMW_ERR_VALUE;
    }
    break;
  default:
    break;
  }
  return CMW_OK;
}

size_t CMW_EncodeRequest(const CMW_Request *req, uint8_t *buf, size_t size)
{
  const CommandInfo *ci = find_command(req->command);
  uint8_t *body;
  size_t len;

  if (!ci) {
    return 0;
  }
  len = request_len(ci);
  if (!buf || size < len) {
    return 0;
  }
  memset(buf, 0, len);
  put_header(buf, CMP_TYPE_REQUEST, req->command, req->sequence, 0);
  body = buf + CMP_HEADER_LEN;
  switch (req->command) {
  case CMP_CMD_CLIENTS:
    put32(body, req->u.clients.start);
    break;
  case CMP_CMD_ACCHECK:
    if (req->u.accheck.addr.family == ADDR_UNSPEC || !put_addr(body, &req->u.accheck.addr)) {
      return 0;
    }
    break;
  case CMP_CMD_SOURCES:
    put32(body, req->u.sources.start);
    break;
  case CMP_CMD_BURST:
    if (!valid_burst(req->u.burst.n_good, req->u.burst.n_max) ||
        !put_addr(body + 8, &req->u.burst.addr)) {
      return 0;
    }
    put32(body, req->u.burst.n_good);
    put32(body + 4, req->u.burst.n_max);
    break;
  case CMP_CMD_ONLINE:
  case CMP_CMD_OFFLINE:
    if (!put_addr(body, &req->u.online.addr)) {
      return 0;
    }
    break;
  case CMP_CMD_ADD_SOURCE:
    if (!put_add(body, &req->u.add)) {
      return 0;
    }
    break;
  case CMP_CMD_DELETE_SOURCE:
    if (req->u.del.addr.family == ADDR_UNSPEC || !put_addr(body, &req->u.del.addr)) {
      return 0;
    }
    put16(body + CMP_ADDR_LEN, req->u.del.port);
    break;
  case CMP_CMD_NTPDATA:
    put32(body, req->u.ntpdata.index);
    break;
  case CMP_CMD_AUTHDATA:
    put32(body, req->u.authdata.index);
    break;
  case CMP_CMD_RELOAD:
    if (req->u.reload.what != CMP_RELOAD_CERTS) {
      return 0;
    }
    put32(body, req->u.reload.what);
    break;
  default:
    break;
  }
  return len;
}

/* ---- replies ---- */

static int valid_flag(uint8_t v)
{
  return v <= 1;
}

static int put_tracking(uint8_t *b, const CMW_Tracking *t)
{
  const double d[CMP_TRK_N_DOUBLES] = {t->system_offset, t->last_offset, t->rms_offset,
                                       t->freq_ppm, t->resid_freq_ppm, t->skew_ppm,
                                       t->root_delay, t->root_dispersion, t->update_interval};
  size_t i;

  if (t->leap > 3 || !valid_flag(t->synchronised) || !valid_flag(t->clock_control) ||
      !valid_flag(t->local_active) || t->ref_time.tv_nsec < 0 ||
      t->ref_time.tv_nsec >= 1000000000L) {
    return 0;
  }
  put32(b + CMP_TRK_REF_ID, t->ref_id);
  if (!put_addr(b + CMP_TRK_REF_ADDR, &t->ref_addr)) {
    return 0;
  }
  b[CMP_TRK_STRATUM] = t->stratum;
  b[CMP_TRK_LEAP] = t->leap;
  b[CMP_TRK_SYNCHRONISED] = t->synchronised;
  b[CMP_TRK_CLOCK_CONTROL] = t->clock_control;
  b[CMP_TRK_LOCAL_ACTIVE] = t->local_active;
  put64(b + CMP_TRK_REF_SEC, (uint64_t)(int64_t)t->ref_time.tv_sec);
  put32(b + CMP_TRK_REF_NSEC, (uint32_t)t->ref_time.tv_nsec);
  for (i = 0; i < CMP_TRK_N_DOUBLES; i++) {
    put_double(b + CMP_TRK_DOUBLES + 8 * i, d[i]);
  }
  return 1;
}

static CMW_Result get_tracking(const uint8_t *b, CMW_Tracking *t)
{
  double d[CMP_TRK_N_DOUBLES];
  int64_t sec;
  uint32_t nsec;
  size_t i;

  t->ref_id = get32(b + CMP_TRK_REF_ID);
  if (!get_addr(b + CMP_TRK_REF_ADDR, &t->ref_addr)) {
    return CMW_ERR_VALUE;
  }
  t->stratum = b[CMP_TRK_STRATUM];
  t->leap = b[CMP_TRK_LEAP];
  t->synchronised = b[CMP_TRK_SYNCHRONISED];
  t->clock_control = b[CMP_TRK_CLOCK_CONTROL];
  t->local_active = b[CMP_TRK_LOCAL_ACTIVE];
  if (t->leap > 3 || !valid_flag(t->synchronised) || !valid_flag(t->clock_control) ||
      !valid_flag(t->local_active)) {
    return CMW_ERR_VALUE;
  }
  sec = (int64_t)get64(b + CMP_TRK_REF_SEC);
  nsec = get32(b + CMP_TRK_REF_NSEC);
  if (nsec >= 1000000000u) {
    return CMW_ERR_VALUE;
  }
  /* time_t is 64-bit on every platform we build for; refuse what would not fit anyway. */
  if ((int64_t)(time_t)sec != sec) {
    return CMW_ERR_VALUE;
  }
  t->ref_time.tv_sec = (time_t)sec;
  t->ref_time.tv_nsec = (long)nsec;
  for (i = 0; i < CMP_TRK_N_DOUBLES; i++) {
    if (!get_double(b + CMP_TRK_DOUBLES + 8 * i, &d[i])) {
      return CMW_ERR_VALUE;
    }
  }
  t->system_offset = d[0];
  t->last_offset = d[1];
  t->rms_offset = d[2];
  t->freq_ppm = d[3];
  t->resid_freq_ppm = d[4];
  t->skew_ppm = d[5];
  t->root_delay = d[6];
  t->root_dispersion = d[7];
  t->update_interval = d[8];
  return CMW_OK;
}

/* slots: CMP_SERVERSTATS_SLOTS or CMP_SERVERSTATS2_SLOTS; the counters past it are not
   sent, and count says so. */
static void put_serverstats(uint8_t *b, const CMW_ServerStats *s, size_t slots)
{
  size_t i, n = CMW_N_SERVERSTATS < slots ? CMW_N_SERVERSTATS : slots;

  put32(b + CMP_SST_COUNT, (uint32_t)n);
  for (i = 0; i < n; i++) {
    put64(b + CMP_SST_VALUES + 8 * i, s->v[i]);
  }
}

static CMW_Result get_serverstats(const uint8_t *b, CMW_ServerStats *s, size_t slots)
{
  uint32_t count = get32(b + CMP_SST_COUNT);
  size_t i;

  if (count > slots) {
    return CMW_ERR_VALUE;
  }
  /* A newer daemon may know more counters than we do: keep the ones we know. */
  s->count = count < CMW_N_SERVERSTATS ? count : CMW_N_SERVERSTATS;
  for (i = 0; i < s->count; i++) {
    s->v[i] = get64(b + CMP_SST_VALUES + 8 * i);
  }
  return CMW_OK;
}

static int put_clients(uint8_t *b, const CMW_ClientsPage *p)
{
  size_t i;

  if (p->count > CMP_CLIENTS_PER_PAGE) {
    return 0;
  }
  put32(b + CMP_CLI_TOTAL, p->total);
  put32(b + CMP_CLI_START, p->start);
  put32(b + CMP_CLI_COUNT, p->count);
  for (i = 0; i < p->count; i++) {
    const CMW_Client *c = &p->clients[i];
    uint8_t *r = b + CMP_CLI_RECORDS + CMP_CLIENT_REC_LEN * i;

    if (!put_addr(r, &c->addr)) {
      return 0;
    }
    put64(r + CMP_ADDR_LEN, c->hits);
    put64(r + CMP_ADDR_LEN + 8, c->drops);
    put64(r + CMP_ADDR_LEN + 16, c->kods);
    put_double(r + CMP_ADDR_LEN + 24, c->last_ago);
    put_double(r + CMP_ADDR_LEN + 32, c->interval);
  }
  return 1;
}

static CMW_Result get_clients(const uint8_t *b, CMW_ClientsPage *p)
{
  size_t i;

  p->total = get32(b + CMP_CLI_TOTAL);
  p->start = get32(b + CMP_CLI_START);
  p->count = get32(b + CMP_CLI_COUNT);
  if (p->count > CMP_CLIENTS_PER_PAGE) {
    return CMW_ERR_VALUE;
  }
  for (i = 0; i < p->count; i++) {
    CMW_Client *c = &p->clients[i];
    const uint8_t *r = b + CMP_CLI_RECORDS + CMP_CLIENT_REC_LEN * i;

    if (!get_addr(r, &c->addr)) {
      return CMW_ERR_VALUE;
    }
    c->hits = get64(r + CMP_ADDR_LEN);
    c->drops = get64(r + CMP_ADDR_LEN + 8);
    c->kods = get64(r + CMP_ADDR_LEN + 16);
    if (!get_double(r + CMP_ADDR_LEN + 24, &c->last_ago) ||
        !get_double(r + CMP_ADDR_LEN + 32, &c->interval)) {
      return CMW_ERR_VALUE;
    }
  }
  return CMW_OK;
}

static void put_activity(uint8_t *b, const CMW_Activity *a)
{
  put32(b, a->online);
  put32(b + 4, a->offline);
  put32(b + 8, a->burst_online);
  put32(b + 12, a->burst_offline);
  put32(b + 16, a->unresolved);
}

static void get_activity(const uint8_t *b, CMW_Activity *a)
{
  a->online = get32(b);
  a->offline = get32(b + 4);
  a->burst_online = get32(b + 8);
  a->burst_offline = get32(b + 12);
  a->unresolved = get32(b + 16);
}

size_t CMW_EncodeReply(const CMW_Reply *rep, uint8_t *buf, size_t size)
{
  const CommandInfo *ci;
  uint8_t *body;
  size_t len;
  int ok = 1;

  if (!buf || size < CMP_HEADER_LEN) {
    return 0;
  }
  if (rep->status != CMP_STATUS_OK) {
    put_header(buf, CMP_TYPE_REPLY, rep->command, rep->sequence, rep->status);
    return CMP_HEADER_LEN;
  }
  ci = find_command(rep->command);
  if (!ci) {
    return 0;
  }
  len = CMP_HEADER_LEN + ci->rep_body;
  if (size < len) {
    return 0;
  }
  memset(buf, 0, len);
  put_header(buf, CMP_TYPE_REPLY, rep->command, rep->sequence, CMP_STATUS_OK);
  body = buf + CMP_HEADER_LEN;
  switch (rep->command) {
  case CMP_CMD_TRACKING:
    ok = put_tracking(body, &rep->u.tracking);
    break;
  case CMP_CMD_SERVERSTATS:
    put_serverstats(body, &rep->u.serverstats, CMP_SERVERSTATS_SLOTS);
    break;
  case CMP_CMD_SERVERSTATS2:
    put_serverstats(body, &rep->u.serverstats, CMP_SERVERSTATS2_SLOTS);
    break;
  case CMP_CMD_AUTHDATA:
    ok = CMW_PutAuthData(body, rep);
    break;
  case CMP_CMD_CLIENTS:
    ok = put_clients(body, &rep->u.clients);
    break;
  case CMP_CMD_ACCHECK:
    ok = valid_flag(rep->u.accheck.allowed);
    body[0] = rep->u.accheck.allowed;
    break;
  case CMP_CMD_SOURCES:
    ok = CMW_PutSourcesPage(body, &rep->u.sources);
    break;
  case CMP_CMD_ACTIVITY:
    put_activity(body, &rep->u.activity);
    break;
  case CMP_CMD_BURST:
  case CMP_CMD_ONLINE:
  case CMP_CMD_OFFLINE:
  case CMP_CMD_DELETE_SOURCE:
    put32(body, rep->u.matched.matched);
    break;
  case CMP_CMD_NTPDATA:
    ok = CMW_PutNtpData(body, rep);
    break;
  default:
    break;
  }
  return ok ? len : 0;
}

CMW_Result CMW_DecodeReply(const uint8_t *buf, size_t len, CMW_Reply *rep)
{
  const CommandInfo *ci;
  const uint8_t *body;
  CMW_Result r;

  memset(rep, 0, sizeof(*rep));
  r = check_header(buf, len, CMP_TYPE_REPLY);
  if (r != CMW_OK) {
    return r;
  }
  rep->command = get16(buf + CMP_OFF_COMMAND);
  rep->sequence = get32(buf + CMP_OFF_SEQUENCE);
  rep->status = get16(buf + CMP_OFF_STATUS);

  if (rep->status != CMP_STATUS_OK) {
    /* An error reply is the bare header, whatever the command (it may be one we do not
       know, for UNKNOWN_COMMAND). */
    return len == CMP_HEADER_LEN ? CMW_OK : CMW_ERR_LENGTH;
  }
  ci = find_command(rep->command);
  if (!ci) {
    return CMW_ERR_UNKNOWN_COMMAND;
  }
  if (len != CMP_HEADER_LEN + ci->rep_body) {
    return CMW_ERR_LENGTH;
  }
  body = buf + CMP_HEADER_LEN;
  switch (rep->command) {
  case CMP_CMD_TRACKING:
    return get_tracking(body, &rep->u.tracking);
  case CMP_CMD_SERVERSTATS:
    return get_serverstats(body, &rep->u.serverstats, CMP_SERVERSTATS_SLOTS);
  case CMP_CMD_SERVERSTATS2:
    return get_serverstats(body, &rep->u.serverstats, CMP_SERVERSTATS2_SLOTS);
  case CMP_CMD_AUTHDATA:
    return CMW_GetAuthData(body, rep);
  case CMP_CMD_CLIENTS:
    return get_clients(body, &rep->u.clients);
  case CMP_CMD_ACCHECK:
    rep->u.accheck.allowed = body[0];
    return valid_flag(body[0]) ? CMW_OK : CMW_ERR_VALUE;
  case CMP_CMD_SOURCES:
    return CMW_GetSourcesPage(body, &rep->u.sources);
  case CMP_CMD_ACTIVITY:
    get_activity(body, &rep->u.activity);
    return CMW_OK;
  case CMP_CMD_BURST:
  case CMP_CMD_ONLINE:
  case CMP_CMD_OFFLINE:
  case CMP_CMD_DELETE_SOURCE:
    rep->u.matched.matched = get32(body);
    return CMW_OK;
  case CMP_CMD_NTPDATA:
    return CMW_GetNtpData(body, rep);
  default:
    return CMW_OK;
  }
}

void CMW_TrackingFromSync(const SYN_Tracking *t, CMW_Tracking *out)
{
  memset(out, 0, sizeof(*out));
  out->synchronised = t->synchronised ? 1 : 0;
  out->ref_id = t->ref_id;
  out->ref_addr = t->ref_addr;
  if (out->ref_addr.family != ADDR_INET4 && out->ref_addr.family != ADDR_INET6) {
    memset(&out->ref_addr, 0, sizeof(out->ref_addr));
  }
  out->stratum = t->synchronised ? clamp_u8(t->stratum) : 0;
  out->leap = t->synchronised && t->leap >= 0 && t->leap <= 2 ? (uint8_t)t->leap : 3;
  if (t->ref_time.tv_nsec >= 0 && t->ref_time.tv_nsec < 1000000000L) {
    out->ref_time = t->ref_time;
  }
  out->system_offset = finite_or_zero(t->system_offset);
  out->last_offset = finite_or_zero(t->last_offset);
  out->rms_offset = finite_or_zero(t->rms_offset);
  out->freq_ppm = finite_or_zero(t->freq_ppm);
  out->resid_freq_ppm = finite_or_zero(t->resid_freq_ppm);
  out->skew_ppm = finite_or_zero(t->skew_ppm);
  out->root_delay = finite_or_zero(t->root_delay);
  out->root_dispersion = finite_or_zero(t->root_dispersion);
  out->update_interval = finite_or_zero(t->update_interval);
}
