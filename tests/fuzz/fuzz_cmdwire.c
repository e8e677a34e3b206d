/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_cmdwire.c - fuzz entry point for the command socket codec (cmdmon_wire.c).
 *
 * The input is decoded as it is, as a request and as a reply, and then once more for
 * every known command with the header patched to that command and to each packet type,
 * so the body decoders of all commands see the fuzzer's bytes.  Whatever decodes must
 * re-encode to a packet of the same length that decodes again; a reply must never be
 * longer than its command's request, and a decoded sources page, NTPDATA or AUTHDATA
 * record must be printable as it is, and a serverstats count within its slots.  A
 * violation aborts (the fuzzer reports it).  No I/O.
 */
#include <stdlib.h>
#include <string.h>

#include "cmdmon_wire.h"
#include "fuzz.h"

static void check_request(const uint8_t *data, size_t len)
{
  uint8_t out[CMP_MAX_PACKET];
  CMW_Request req, again;
  size_t n;

  if (CMW_DecodeRequest(data, len, &req) != CMW_OK) {
    return;
  }
  n = CMW_EncodeRequest(&req, out, sizeof(out));
  if (n != len || CMW_DecodeRequest(out, n, &again) != CMW_OK ||
      again.command != req.command || again.sequence != req.sequence) {
    abort();
  }
  if (req.command == CMP_CMD_ADD_SOURCE) {
    /* a name the daemon can put on a config line: one word of printable ASCII */
    size_t i;

    for (i = 0; req.u.add.name[i] != '\0'; i++) {
      if (i >= CMP_ADD_NAME_LEN - 1 || req.u.add.name[i] <= 0x20 || req.u.add.name[i] > 0x7e) {
        abort();
      }
    }
    if (i == 0 || req.u.add.minpoll > req.u.add.maxpoll || req.u.add.port == 0 ||
        !(req.u.add.maxdelay > 0.0)) {
      abort();
    }
  }
  if (req.command == CMP_CMD_DELETE_SOURCE && req.u.del.addr.family == ADDR_UNSPEC) {
    abort();
  }
}

/* A decoded NTPDATA record is safe to print: name printable and terminated, leap 0..3. */
static void check_ntpdata(const CMW_Reply *rep)
{
  const CMW_NtpData *d = &rep->u.ntpdata.data;
  size_t j;

  if (rep->u.ntpdata.count > 1 || d->leap > 3 || (d->flags & ~CMP_NTPD_F_ALL) != 0) {
    abort();
  }
  for (j = 0; j < CMP_SOURCE_NAME_LEN && d->name[j] != '\0'; j++) {
    if (d->name[j] < 0x20 || d->name[j] > 0x7e) {
      abort();
    }
  }
  if (j == CMP_SOURCE_NAME_LEN) {
    abort();
  }
}

/* Printable ASCII and terminated within n bytes. */
static void check_text(const char *s, size_t n)
{
  size_t j;

  for (j = 0; j < n && s[j] != '\0'; j++) {
    if (s[j] < 0x20 || s[j] > 0x7e) {
      abort();
    }
  }
  if (j == n) {
    abort();
  }
}

/* A decoded AUTHDATA record is safe to print: texts printable and terminated, mode and
   NTS-KE state known (their names are never "?"). */
static void check_authdata(const CMW_Reply *rep)
{
  const CMW_AuthData *d = &rep->u.authdata.data;

  if (rep->u.authdata.count > 1 || d->mode >= CMP_AUTH_MODE_COUNT ||
      d->ke_state >= CMP_AUTH_KE_COUNT || strcmp(CMW_AuthModeName(d->mode), "?") == 0 ||
      strcmp(CMW_AuthKeStateName(d->ke_state), "?") == 0) {
    abort();
  }
  check_text(d->name, sizeof(d->name));
  check_text(d->last_error, sizeof(d->last_error));
  check_text(d->ke_server, sizeof(d->ke_server));
}

/* A decoded sources page is safe to print as it is: names terminated and printable,
   every state, mode and leap known, so the letter tables never see an unknown value. */
static void check_sources(const CMW_SourcesPage *p)
{
  CMW_Activity a;
  size_t i, j;

  if (p->count > CMP_SOURCES_PER_PAGE) {
    abort();
  }
  memset(&a, 0, sizeof(a));
  for (i = 0; i < p->count; i++) {
    const CMW_Source *s = &p->sources[i];

    for (j = 0; j < CMP_SOURCE_NAME_LEN && s->name[j] != '\0'; j++) {
      if (s->name[j] < 0x20 || s->name[j] > 0x7e) {
        abort();
      }
    }
    if (j == CMP_SOURCE_NAME_LEN || s->state >= CMP_SRC_ST_COUNT ||
        s->mode >= CMP_SRC_MODE_COUNT || s->leap > 3 || CMW_SourceModeChar(s->mode) == '?') {
      abort();
    }
    CMW_ActivityAdd(&a, s);
  }
  if ((uint64_t)a.online + a.offline + a.burst_online + a.burst_offline + a.unresolved !=
      p->count) {
    abort();
  }
}

static void check_reply(const uint8_t *data, size_t len)
{
  uint8_t out[CMP_MAX_PACKET];
  size_t n, req_len;
  CMW_Reply rep, again;

  if (CMW_DecodeReply(data, len, &rep) != CMW_OK) {
    return;
  }
  n = CMW_EncodeReply(&rep, out, sizeof(out));
  if (n != len || CMW_DecodeReply(out, n, &again) != CMW_OK || again.status != rep.status ||
      again.command != rep.command || again.sequence != rep.sequence) {
    abort();
  }
  if (rep.status == CMP_STATUS_OK &&
      (!CMW_CommandLengths(rep.command, &req_len, NULL) || n > req_len)) {
    abort();
  }
  if (rep.status == CMP_STATUS_OK && rep.command == CMP_CMD_SOURCES) {
    check_sources(&rep.u.sources);
  }
  if (rep.status == CMP_STATUS_OK && rep.command == CMP_CMD_NTPDATA) {
    check_ntpdata(&rep);
  }
  if (rep.status == CMP_STATUS_OK && rep.command == CMP_CMD_AUTHDATA) {
    check_authdata(&rep);
  }
  if (rep.status == CMP_STATUS_OK &&
      (rep.command == CMP_CMD_SERVERSTATS || rep.command == CMP_CMD_SERVERSTATS2) &&
      rep.u.serverstats.count > CMW_N_SERVERSTATS) {
    abort();
  }
}

int FUZZ_Cmdwire(const uint8_t *data, size_t len)
{
  uint8_t copy[CMP_MAX_PACKET];
  size_t i;
  int type;

  check_request(data, len);
  check_reply(data, len);
  if (len < CMP_HEADER_LEN || len > sizeof(copy)) {
    return 0;
  }
  for (i = 0; i < CMW_CommandCount(); i++) {
    uint16_t cmd = CMW_CommandAt(i);

    for (type = CMP_TYPE_REQUEST; type <= CMP_TYPE_REPLY; type++) {
      memcpy(copy, data, len);
      copy[CMP_OFF_VERSION] = CMP_VERSION;
      copy[CMP_OFF_TYPE] = (uint8_t)type;
      copy[CMP_OFF_COMMAND] = (uint8_t)(cmd >> 8);
      copy[CMP_OFF_COMMAND + 1] = (uint8_t)cmd;
      copy[CMP_OFF_RESERVED] = 0;
      copy[CMP_OFF_RESERVED + 1] = 0;
      if (type == CMP_TYPE_REQUEST) {
        copy[CMP_OFF_STATUS] = 0;
        copy[CMP_OFF_STATUS + 1] = 0;
        check_request(copy, len);
      } else {
        check_reply(copy, len);
        /* And as an OK reply, so the body decoder runs. */
        copy[CMP_OFF_STATUS] = 0;
        copy[CMP_OFF_STATUS + 1] = 0;
        check_reply(copy, len);
      }
    }
  }
  return 0;
}
