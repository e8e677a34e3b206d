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
  default:
    return CMW_OK;
  }
}
