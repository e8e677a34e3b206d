/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon_wire.c - command socket codec and the protocol's one length table [core].
 *
 * Every field is read and written byte by byte in big-endian order (layout in
 * cmdmon_proto.h); no struct is cast onto a buffer.  Decoders check every length before
 * reading and every value before accepting it.  No I/O, no system calls, no allocation.
 */
#include <math.h>
#include <string.h>

#include "cmdmon_wire.h"

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
};

/* The wire has room for CMP_SERVERSTATS_SLOTS counters; adding one past it needs a new
   protocol version. */
_Static_assert(CMW_N_SERVERSTATS <= CMP_SERVERSTATS_SLOTS, "serverstats slots exhausted");
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

/* ---- big-endian field helpers ---- */

static void put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
  put32(p, (uint32_t)(v >> 32));
  put32(p + 4, (uint32_t)v);
}

static uint16_t get16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get64(const uint8_t *p)
{
  return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

/* A double as its IEEE-754 binary64 bit pattern; memcpy is the defined way to get the
   bits.  A non-finite value is sent as 0 so that no client ever prints "nan". */
static void put_double(uint8_t *p, double d)
{
  uint64_t bits;

  if (!isfinite(d)) {
    d = 0.0;
  }
  memcpy(&bits, &d, sizeof(bits));
  put64(p, bits);
}

/* Returns 0 for NaN or infinity. */
static int get_double(const uint8_t *p, double *d)
{
  uint64_t bits = get64(p);

  memcpy(d, &bits, sizeof(*d));
  return isfinite(*d) ? 1 : 0;
}

/* Address: family, 3 reserved bytes, 16 address bytes.  Bytes an address does not use
   must be zero, so each address has exactly one encoding. */
static int put_addr(uint8_t *p, const IPAddr *a)
{
  memset(p, 0, CMP_ADDR_LEN);
  switch (a->family) {
  case ADDR_UNSPEC:
    break;
  case ADDR_INET4:
    memcpy(p + 4, a->addr, 4);
    break;
  case ADDR_INET6:
    memcpy(p + 4, a->addr, 16);
    break;
  default:
    return 0;
  }
  p[0] = a->family;
  return 1;
}

static int get_addr(const uint8_t *p, IPAddr *a)
{
  size_t used, i;

  memset(a, 0, sizeof(*a));
  switch (p[0]) {
  case ADDR_UNSPEC:
    used = 0;
    break;
  case ADDR_INET4:
    used = 4;
    break;
  case ADDR_INET6:
    used = 16;
    break;
  default:
    return 0;
  }
  for (i = used; i < 16; i++) {
    if (p[4 + i] != 0) {
      return 0;
    }
  }
  a->family = p[0];
  memcpy(a->addr, p + 4, used);
  return 1;
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

static void put_serverstats(uint8_t *b, const CMW_ServerStats *s)
{
  size_t i;

  put32(b + CMP_SST_COUNT, CMW_N_SERVERSTATS);
  for (i = 0; i < CMW_N_SERVERSTATS; i++) {
    put64(b + CMP_SST_VALUES + 8 * i, s->v[i]);
  }
}

static CMW_Result get_serverstats(const uint8_t *b, CMW_ServerStats *s)
{
  uint32_t count = get32(b + CMP_SST_COUNT);
  size_t i;

  if (count > CMP_SERVERSTATS_SLOTS) {
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

/* The name field: printable ASCII, then NUL bytes to the end of the field (so each name
   has exactly one encoding and a client can print it without escaping). */
static int valid_name_char(char c)
{
  return c >= 0x20 && c < 0x7f;
}

static int put_name(uint8_t *p, const char *name)
{
  size_t i;

  memset(p, 0, CMP_SOURCE_NAME_LEN);
  for (i = 0; i < CMP_SOURCE_NAME_LEN - 1 && name[i] != '\0'; i++) {
    if (!valid_name_char(name[i])) {
      return 0;
    }
    p[i] = (uint8_t)name[i];
  }
  /* Longer than the field: refuse rather than cut silently (CMW_SourceFromReport cuts). */
  return i < CMP_SOURCE_NAME_LEN - 1 || name[i] == '\0';
}

static int get_name(const uint8_t *p, char *name)
{
  size_t i, n;

  for (n = 0; n < CMP_SOURCE_NAME_LEN && p[n] != 0; n++) {
    if (!valid_name_char((char)p[n])) {
      return 0;
    }
  }
  if (n == CMP_SOURCE_NAME_LEN) {
    return 0; /* no terminating NUL */
  }
  for (i = n; i < CMP_SOURCE_NAME_LEN; i++) {
    if (p[i] != 0) {
      return 0;
    }
  }
  memcpy(name, p, n);
  memset(name + n, 0, CMP_SOURCE_NAME_LEN - n);
  return 1;
}

static int valid_source(const CMW_Source *s)
{
  return s->mode < CMP_SRC_MODE_COUNT && s->state < CMP_SRC_ST_COUNT && s->leap <= 3 &&
         (s->flags & ~CMP_SRC_F_ALL) == 0;
}

static int put_source(uint8_t *r, const CMW_Source *s)
{
  const double d[CMP_SRC_N_DOUBLES] = {
      s->last_rx_ago, s->last_offset, s->last_offset_measured, s->last_error, s->span,
      s->freq_ppm, s->skew_ppm, s->offset, s->std_dev, s->distance, s->delay,
      s->root_delay, s->root_dispersion};
  size_t i;

  if (!valid_source(s) || !put_name(r + CMP_SRC_NAME, s->name) ||
      !put_addr(r + CMP_SRC_ADDR, &s->addr)) {
    return 0;
  }
  put16(r + CMP_SRC_PORT, s->port);
  r[CMP_SRC_MODE] = s->mode;
  r[CMP_SRC_STATE] = s->state;
  r[CMP_SRC_STRATUM] = s->stratum;
  r[CMP_SRC_POLL] = (uint8_t)s->poll;
  r[CMP_SRC_REACH] = s->reach;
  r[CMP_SRC_LEAP] = s->leap;
  r[CMP_SRC_FLAGS] = s->flags;
  put16(r + CMP_SRC_N_SAMPLES, s->n_samples);
  put16(r + CMP_SRC_N_RUNS, s->n_runs);
  put32(r + CMP_SRC_REF_ID, s->ref_id);
  put64(r + CMP_SRC_TX, s->tx);
  put64(r + CMP_SRC_RX_SAMPLES, s->rx_samples);
  put64(r + CMP_SRC_RX_OTHER, s->rx_other);
  for (i = 0; i < CMP_SRC_N_DOUBLES; i++) {
    put_double(r + CMP_SRC_DOUBLES + 8 * i, d[i]);
  }
  return 1;
}

static CMW_Result get_source(const uint8_t *r, CMW_Source *s)
{
  double d[CMP_SRC_N_DOUBLES];
  size_t i;

  if (!get_name(r + CMP_SRC_NAME, s->name) || !get_addr(r + CMP_SRC_ADDR, &s->addr)) {
    return CMW_ERR_VALUE;
  }
  s->port = get16(r + CMP_SRC_PORT);
  s->mode = r[CMP_SRC_MODE];
  s->state = r[CMP_SRC_STATE];
  s->stratum = r[CMP_SRC_STRATUM];
  s->poll = (int8_t)r[CMP_SRC_POLL];
  s->reach = r[CMP_SRC_REACH];
  s->leap = r[CMP_SRC_LEAP];
  s->flags = r[CMP_SRC_FLAGS];
  if (!valid_source(s)) {
    return CMW_ERR_VALUE;
  }
  s->n_samples = get16(r + CMP_SRC_N_SAMPLES);
  s->n_runs = get16(r + CMP_SRC_N_RUNS);
  s->ref_id = get32(r + CMP_SRC_REF_ID);
  s->tx = get64(r + CMP_SRC_TX);
  s->rx_samples = get64(r + CMP_SRC_RX_SAMPLES);
  s->rx_other = get64(r + CMP_SRC_RX_OTHER);
  for (i = 0; i < CMP_SRC_N_DOUBLES; i++) {
    if (!get_double(r + CMP_SRC_DOUBLES + 8 * i, &d[i])) {
      return CMW_ERR_VALUE;
    }
  }
  s->last_rx_ago = d[0];
  s->last_offset = d[1];
  s->last_offset_measured = d[2];
  s->last_error = d[3];
  s->span = d[4];
  s->freq_ppm = d[5];
  s->skew_ppm = d[6];
  s->offset = d[7];
  s->std_dev = d[8];
  s->distance = d[9];
  s->delay = d[10];
  s->root_delay = d[11];
  s->root_dispersion = d[12];
  return CMW_OK;
}

static int put_sources(uint8_t *b, const CMW_SourcesPage *p)
{
  size_t i;

  if (p->count > CMP_SOURCES_PER_PAGE) {
    return 0;
  }
  put32(b + CMP_SRCS_TOTAL, p->total);
  put32(b + CMP_SRCS_START, p->start);
  put32(b + CMP_SRCS_COUNT, p->count);
  for (i = 0; i < p->count; i++) {
    if (!put_source(b + CMP_SRCS_RECORDS + CMP_SOURCE_REC_LEN * i, &p->sources[i])) {
      return 0;
    }
  }
  return 1;
}

static CMW_Result get_sources(const uint8_t *b, CMW_SourcesPage *p)
{
  CMW_Result r;
  size_t i;

  p->total = get32(b + CMP_SRCS_TOTAL);
  p->start = get32(b + CMP_SRCS_START);
  p->count = get32(b + CMP_SRCS_COUNT);
  if (p->count > CMP_SOURCES_PER_PAGE) {
    return CMW_ERR_VALUE;
  }
  for (i = 0; i < p->count; i++) {
    r = get_source(b + CMP_SRCS_RECORDS + CMP_SOURCE_REC_LEN * i, &p->sources[i]);
    if (r != CMW_OK) {
      return r;
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

static int put_ntpdata(uint8_t *b, const CMW_Reply *rep)
{
  const CMW_NtpData *d = &rep->u.ntpdata.data;
  const double v[CMP_NTPD_N_DOUBLES] = {d->offset, d->delay, d->dispersion, d->root_delay,
                                        d->root_dispersion, d->last_rx_ago, d->jitter};
  uint8_t *r = b + CMP_NTPD_RECORD;
  size_t i;

  if (rep->u.ntpdata.count > 1) {
    return 0;
  }
  put32(b + CMP_NTPD_TOTAL, rep->u.ntpdata.total);
  put32(b + CMP_NTPD_INDEX, rep->u.ntpdata.index);
  put32(b + CMP_NTPD_COUNT, rep->u.ntpdata.count);
  if (rep->u.ntpdata.count == 0) {
    return 1;   /* the record stays zero */
  }
  if (d->leap > 3 || (d->flags & ~CMP_NTPD_F_ALL) != 0 ||
      !put_addr(r + CMP_NTPD_REMOTE, &d->remote) || !put_addr(r + CMP_NTPD_LOCAL, &d->local) ||
      !put_name(r + CMP_NTPD_NAME, d->name)) {
    return 0;
  }
  put16(r + CMP_NTPD_REMOTE_PORT, d->remote_port);
  put16(r + CMP_NTPD_LOCAL_PORT, d->local_port);
  r[CMP_NTPD_LEAP] = d->leap;
  r[CMP_NTPD_MODE] = d->mode;
  r[CMP_NTPD_STRATUM] = d->stratum;
  r[CMP_NTPD_POLL] = (uint8_t)d->poll;
  r[CMP_NTPD_FLAGS] = d->flags;
  put32(r + CMP_NTPD_REF_ID, d->ref_id);
  put64(r + CMP_NTPD_TX, d->tx);
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    put64(r + CMP_NTPD_RX + 8 * i, d->rx[i]);
  }
  for (i = 0; i < CMP_NTPD_N_DOUBLES; i++) {
    put_double(r + CMP_NTPD_DOUBLES + 8 * i, v[i]);
  }
  return 1;
}

static CMW_Result get_ntpdata(const uint8_t *b, CMW_Reply *rep)
{
  CMW_NtpData *d = &rep->u.ntpdata.data;
  const uint8_t *r = b + CMP_NTPD_RECORD;
  double v[CMP_NTPD_N_DOUBLES];
  size_t i;

  rep->u.ntpdata.total = get32(b + CMP_NTPD_TOTAL);
  rep->u.ntpdata.index = get32(b + CMP_NTPD_INDEX);
  rep->u.ntpdata.count = get32(b + CMP_NTPD_COUNT);
  if (rep->u.ntpdata.count > 1) {
    return CMW_ERR_VALUE;
  }
  if (rep->u.ntpdata.count == 0) {
    return CMW_OK;
  }
  if (!get_addr(r + CMP_NTPD_REMOTE, &d->remote) || !get_addr(r + CMP_NTPD_LOCAL, &d->local) ||
      !get_name(r + CMP_NTPD_NAME, d->name)) {
    return CMW_ERR_VALUE;
  }
  d->remote_port = get16(r + CMP_NTPD_REMOTE_PORT);
  d->local_port = get16(r + CMP_NTPD_LOCAL_PORT);
  d->leap = r[CMP_NTPD_LEAP];
  d->mode = r[CMP_NTPD_MODE];
  d->stratum = r[CMP_NTPD_STRATUM];
  d->poll = (int8_t)r[CMP_NTPD_POLL];
  d->flags = r[CMP_NTPD_FLAGS];
  if (d->leap > 3 || (d->flags & ~CMP_NTPD_F_ALL) != 0) {
    return CMW_ERR_VALUE;
  }
  d->ref_id = get32(r + CMP_NTPD_REF_ID);
  d->tx = get64(r + CMP_NTPD_TX);
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    d->rx[i] = get64(r + CMP_NTPD_RX + 8 * i);
  }
  for (i = 0; i < CMP_NTPD_N_DOUBLES; i++) {
    if (!get_double(r + CMP_NTPD_DOUBLES + 8 * i, &v[i])) {
      return CMW_ERR_VALUE;
    }
  }
  d->offset = v[0];
  d->delay = v[1];
  d->dispersion = v[2];
  d->root_delay = v[3];
  d->root_dispersion = v[4];
  d->last_rx_ago = v[5];
  d->jitter = v[6];
  return CMW_OK;
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
    put_serverstats(body, &rep->u.serverstats);
    break;
  case CMP_CMD_CLIENTS:
    ok = put_clients(body, &rep->u.clients);
    break;
  case CMP_CMD_ACCHECK:
    ok = valid_flag(rep->u.accheck.allowed);
    body[0] = rep->u.accheck.allowed;
    break;
  case CMP_CMD_SOURCES:
    ok = put_sources(body, &rep->u.sources);
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
    ok = put_ntpdata(body, rep);
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
    return get_serverstats(body, &rep->u.serverstats);
  case CMP_CMD_CLIENTS:
    return get_clients(body, &rep->u.clients);
  case CMP_CMD_ACCHECK:
    rep->u.accheck.allowed = body[0];
    return valid_flag(body[0]) ? CMW_OK : CMW_ERR_VALUE;
  case CMP_CMD_SOURCES:
    return get_sources(body, &rep->u.sources);
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
    return get_ntpdata(body, rep);
  default:
    return CMW_OK;
  }
}

/* ---- sources: letters, names, conversions ---- */

static const struct {
  char letter;
  char column;
  const char *name;
} source_states[CMP_SRC_ST_COUNT] = {
    [CMP_SRC_ST_NONE] = {'?', '?', "none"},
    [CMP_SRC_ST_NOSELECT] = {'N', '?', "noselect"},
    [CMP_SRC_ST_MISSING] = {'M', '?', "missing"},
    [CMP_SRC_ST_UNSYNC] = {'s', '?', "unsynchronised"},
    [CMP_SRC_ST_DISTANCE] = {'d', '?', "distance"},
    [CMP_SRC_ST_JITTER] = {'~', '~', "jittery"},
    [CMP_SRC_ST_WAITING] = {'W', '?', "waiting"},
    [CMP_SRC_ST_FALSETICKER] = {'x', 'x', "falseticker"},
    [CMP_SRC_ST_OUTLIER] = {'-', '-', "outlier"},
    [CMP_SRC_ST_COMBINED] = {'+', '+', "combined"},
    [CMP_SRC_ST_SELECTED] = {'*', '*', "selected"},
};

char CMW_SourceStateChar(uint8_t state)
{
  return state < CMP_SRC_ST_COUNT ? source_states[state].letter : '?';
}

char CMW_SourceColumnChar(uint8_t state)
{
  return state < CMP_SRC_ST_COUNT ? source_states[state].column : '?';
}

const char *CMW_SourceStateName(uint8_t state)
{
  return state < CMP_SRC_ST_COUNT ? source_states[state].name : "unknown";
}

char CMW_SourceModeChar(uint8_t mode)
{
  switch (mode) {
  case CMP_SRC_MODE_SERVER:
    return '^';
  case CMP_SRC_MODE_PEER:
    return '=';
  case CMP_SRC_MODE_REFCLOCK:
    return '#';
  default:
    return '?';
  }
}

void CMW_ActivityAdd(CMW_Activity *a, const CMW_Source *s)
{
  int online = (s->flags & CMP_SRC_F_ONLINE) != 0;

  if (s->addr.family == ADDR_UNSPEC) {
    a->unresolved++;
  } else if (s->flags & CMP_SRC_F_BURST) {
    if (online) {
      a->burst_online++;
    } else {
      a->burst_offline++;
    }
  } else if (online) {
    a->online++;
  } else {
    a->offline++;
  }
}

static double finite_or_zero(double d)
{
  return isfinite(d) ? d : 0.0;
}

static uint16_t clamp_u16(int v)
{
  return v < 0 ? 0 : v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

static uint8_t clamp_u8(int v)
{
  return v < 0 ? 0 : v > UINT8_MAX ? UINT8_MAX : (uint8_t)v;
}

void CMW_SourceFromReport(const SYN_SourceReport *r, CMW_Source *out)
{
  const NSC_Sample *ls = &r->ntp.last_sample;
  uint64_t other = 0;
  size_t i;

  memset(out, 0, sizeof(*out));
  for (i = 0; i < CMP_SOURCE_NAME_LEN - 1 && i < sizeof(r->name) && r->name[i] != '\0'; i++) {
    out->name[i] = valid_name_char(r->name[i]) ? r->name[i] : '?';
  }
  out->addr = r->addr;
  if (out->addr.family != ADDR_INET4 && out->addr.family != ADDR_INET6) {
    memset(&out->addr, 0, sizeof(out->addr));
  }
  out->port = r->port;
  out->mode = CMP_SRC_MODE_SERVER;
  out->state = (unsigned)r->status < CMP_SRC_ST_COUNT ? (uint8_t)r->status : CMP_SRC_ST_NONE;
  out->stratum = clamp_u8(r->stratum);
  out->poll = (int8_t)(r->poll < INT8_MIN ? INT8_MIN : r->poll > INT8_MAX ? INT8_MAX : r->poll);
  out->reach = r->reach;
  out->leap = r->ntp.have_last && ls->leap >= 0 && ls->leap <= 3 ? (uint8_t)ls->leap : 3;
  out->flags = (uint8_t)((r->ntp.online ? CMP_SRC_F_ONLINE : 0) |
                         (r->ntp.burst_left > 0 ? CMP_SRC_F_BURST : 0) |
                         (r->prefer ? CMP_SRC_F_PREFER : 0) |
                         (r->noselect ? CMP_SRC_F_NOSELECT : 0) |
                         (r->trust ? CMP_SRC_F_TRUST : 0) |
                         (r->require ? CMP_SRC_F_REQUIRE : 0) |
                         (r->ntp.stopped_by_kod ? CMP_SRC_F_KOD_STOP : 0));
  out->n_samples = clamp_u16(r->n_samples);
  out->n_runs = clamp_u16(r->n_runs);
  out->ref_id = r->ntp.have_last ? ls->ref_id : 0;
  out->tx = r->ntp.tx;
  out->rx_samples = r->ntp.rx[NSC_RX_SAMPLE];
  for (i = 0; i < NSC_RX_COUNT; i++) {
    if (i != NSC_RX_SAMPLE) {
      other += r->ntp.rx[i];
    }
  }
  out->rx_other = other;
  out->last_rx_ago = finite_or_zero(r->last_rx_ago);
  out->last_offset = finite_or_zero(r->last_offset);
  out->last_offset_measured = finite_or_zero(r->last_offset_measured);
  out->last_error = finite_or_zero(r->last_error);
  out->span = finite_or_zero(r->span);
  out->freq_ppm = finite_or_zero(r->freq_ppm);
  out->skew_ppm = finite_or_zero(r->skew_ppm);
  out->offset = finite_or_zero(r->offset);
  out->std_dev = finite_or_zero(r->std_dev);
  if (r->ntp.have_last) {
    out->delay = finite_or_zero(ls->delay);
    out->root_delay = finite_or_zero(ls->root_delay);
    out->root_dispersion = finite_or_zero(ls->root_dispersion);
    /* RFC 5905 §11.2 root distance of the source as seen through us: half the total
       round trip plus every dispersion, plus the jitter of its samples. */
    out->distance = finite_or_zero((ls->root_delay + ls->delay) / 2.0 + ls->root_dispersion +
                                   ls->dispersion + out->std_dev);
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

void CMW_NtpDataFromReport(const SYN_SourceReport *r, CMW_NtpData *out)
{
  const NSC_Sample *ls = &r->ntp.last_sample;
  size_t i;

  memset(out, 0, sizeof(*out));
  for (i = 0; i < CMP_SOURCE_NAME_LEN - 1 && i < sizeof(r->name) && r->name[i] != '\0'; i++) {
    out->name[i] = valid_name_char(r->name[i]) ? r->name[i] : '?';
  }
  if (r->addr.family == ADDR_INET4 || r->addr.family == ADDR_INET6) {
    out->remote = r->addr;
  }
  out->remote_port = r->port;
  out->poll = (int8_t)(r->poll < INT8_MIN ? INT8_MIN : r->poll > INT8_MAX ? INT8_MAX : r->poll);
  out->flags = (uint8_t)((r->ntp.have_last ? CMP_NTPD_F_HAVE_SAMPLE : 0) |
                         (r->ntp.online ? CMP_NTPD_F_ONLINE : 0) |
                         (r->ntp.stopped_by_kod ? CMP_NTPD_F_KOD_STOP : 0));
  out->tx = r->ntp.tx;
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    out->rx[i] = r->ntp.rx[i];
  }
  out->leap = 3;
  out->last_rx_ago = -1.0;
  out->jitter = finite_or_zero(r->std_dev);
  if (r->ntp.have_last) {
    out->leap = ls->leap >= 0 && ls->leap <= 3 ? (uint8_t)ls->leap : 3;
    out->mode = 4;   /* only server responses are accepted (RFC 5905 §8) */
    out->stratum = clamp_u8(ls->stratum);
    out->ref_id = ls->ref_id;
    out->offset = finite_or_zero(-ls->offset);
    out->delay = finite_or_zero(ls->delay);
    out->dispersion = finite_or_zero(ls->dispersion);
    out->root_delay = finite_or_zero(ls->root_delay);
    out->root_dispersion = finite_or_zero(ls->root_dispersion);
    out->last_rx_ago = finite_or_zero(r->last_rx_ago);
  }
}

const char *CMW_NtpRxName(size_t i)
{
  static const char *const names[CMP_NTPD_N_RX] = {
      [CMP_NTPD_RX_SAMPLE] = "valid",          [CMP_NTPD_RX_KOD_RATE] = "kod_rate",
      [CMP_NTPD_RX_KOD_STOP] = "kod_stop",     [CMP_NTPD_RX_UNSYNC] = "unsynchronised",
      [CMP_NTPD_RX_DELAY] = "over_maxdelay",   [CMP_NTPD_RX_BOGUS] = "bogus",
      [CMP_NTPD_RX_DUPLICATE] = "duplicate",   [CMP_NTPD_RX_MALFORMED] = "malformed",
  };

  return i < CMP_NTPD_N_RX ? names[i] : NULL;
}
