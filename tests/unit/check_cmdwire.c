/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_cmdwire.c - unit tests of the command socket codec (cmdmon_wire.c): round trips
 * of every command, the length table invariant (reply <= request), every bad header,
 * wrong lengths, unknown commands, non-finite doubles, bad source pages and names, and
 * the conversions from the sync engine's reports.  No I/O.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmdmon_wire.h"
#include "suites.h"

/* check_cmdwire_src.c: the tests of the source commands (add, delete, ntpdata). */
void CMW_TestAddSample(CMW_AddSource *a);
void CMW_TestAddSourceTests(TCase *tc);
void CMW_TestNtsTests(TCase *tc);

static IPAddr ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
  IPAddr ip;

  memset(&ip, 0, sizeof(ip));
  ip.family = ADDR_INET4;
  ip.addr[0] = a;
  ip.addr[1] = b;
  ip.addr[2] = c;
  ip.addr[3] = d;
  return ip;
}

static IPAddr ip6_sample(void)
{
  IPAddr ip;
  int i;

  memset(&ip, 0, sizeof(ip));
  ip.family = ADDR_INET6;
  for (i = 0; i < 16; i++) {
    ip.addr[i] = (uint8_t)(0x20 + i);
  }
  return ip;
}

/* A request of command cmd, encoded into buf; returns its length. */
static size_t make_request(uint16_t cmd, uint32_t seq, uint8_t *buf, size_t size)
{
  CMW_Request req;

  memset(&req, 0, sizeof(req));
  req.command = cmd;
  req.sequence = seq;
  if (cmd == CMP_CMD_ACCHECK) {
    req.u.accheck.addr = ip4(192, 0, 2, 1);
  } else if (cmd == CMP_CMD_BURST) {
    req.u.burst.n_good = 2;
    req.u.burst.n_max = 4;
  } else if (cmd == CMP_CMD_ADD_SOURCE) {
    CMW_TestAddSample(&req.u.add);
  } else if (cmd == CMP_CMD_DELETE_SOURCE) {
    req.u.del.addr = ip4(192, 0, 2, 1);
  } else if (cmd == CMP_CMD_RELOAD) {
    req.u.reload.what = CMP_RELOAD_CERTS;
  }
  return CMW_EncodeRequest(&req, buf, size);
}

static CMW_Tracking sample_tracking(void)
{
  CMW_Tracking t;

  memset(&t, 0, sizeof(t));
  t.ref_id = 0xC0000201u;
  t.ref_addr = ip4(192, 0, 2, 1);
  t.stratum = 3;
  t.leap = 1;
  t.synchronised = 1;
  t.clock_control = 1;
  t.local_active = 0;
  t.ref_time.tv_sec = 1795312365;
  t.ref_time.tv_nsec = 123456789;
  t.system_offset = -1.25e-6;
  t.last_offset = 3.5e-7;
  t.rms_offset = 1.0 / 3.0;
  t.freq_ppm = -12.345678;
  t.resid_freq_ppm = 0.001;
  t.skew_ppm = 0.25;
  t.root_delay = 0.0123;
  t.root_dispersion = 0.00045;
  t.update_interval = 64.5;
  return t;
}

START_TEST(test_length_table_invariant)
{
  size_t i, req_len, rep_len, n = CMW_CommandCount();

  ck_assert_uint_eq(n, 17);
  for (i = 0; i < n; i++) {
    uint16_t cmd = CMW_CommandAt(i);

    ck_assert_uint_ne(cmd, 0);
    ck_assert_int_eq(CMW_CommandLengths(cmd, &req_len, &rep_len), 1);
    ck_assert_uint_ge(req_len, rep_len);
    ck_assert_uint_ge(rep_len, CMP_HEADER_LEN);
    ck_assert_uint_le(req_len, CMP_MAX_PACKET);
    ck_assert_ptr_nonnull(CMW_CommandName(cmd));
    ck_assert_int_ne(CMW_CommandPermission(cmd), CMW_PERM_NONE);
  }
  ck_assert_uint_eq(CMW_CommandAt(n), 0);
  ck_assert_int_eq(CMW_CommandLengths(0, &req_len, &rep_len), 0);
  ck_assert_int_eq(CMW_CommandLengths(999, NULL, NULL), 0);
  ck_assert_int_eq(CMW_CommandPermission(999), CMW_PERM_NONE);
  ck_assert_ptr_null(CMW_CommandName(999));
  /* The largest request is the longest packet the daemon accepts. */
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_CLIENTS, &req_len, NULL), 1);
  ck_assert_uint_eq(req_len, CMP_MAX_PACKET);
  ck_assert_uint_eq(CMP_MAX_PACKET, 508);
  /* Command numbers and names are unique. */
  for (i = 0; i < n; i++) {
    size_t j;

    for (j = 0; j < i; j++) {
      ck_assert_uint_ne(CMW_CommandAt(i), CMW_CommandAt(j));
      ck_assert_str_ne(CMW_CommandName(CMW_CommandAt(i)), CMW_CommandName(CMW_CommandAt(j)));
    }
  }
  /* Exact lengths of the new commands (a change here is a protocol change). */
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_SOURCES, &req_len, &rep_len), 1);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN + 16 + 2 * 232);
  ck_assert_uint_eq(req_len, rep_len);
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_ACTIVITY, &req_len, &rep_len), 1);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN + 20);
  ck_assert_uint_eq(req_len, rep_len);
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_MAKESTEP, &req_len, &rep_len), 1);
  ck_assert_uint_eq(req_len, CMP_HEADER_LEN);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN);
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_BURST, &req_len, &rep_len), 1);
  ck_assert_uint_eq(req_len, CMP_HEADER_LEN + 28);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN + 4);
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_ONLINE, &req_len, &rep_len), 1);
  ck_assert_uint_eq(req_len, CMP_HEADER_LEN + 20);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN + 4);
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_OFFLINE, &req_len, &rep_len), 1);
  ck_assert_uint_eq(req_len, CMP_HEADER_LEN + 20);
}
END_TEST

START_TEST(test_permissions)
{
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_TRACKING), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_SERVERSTATS), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_CLIENTS), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_ACCHECK), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_SHUTDOWN), CMW_PERM_CONTROL);
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_SHUTDOWN), "shutdown");
  /* Reports are open; everything that changes what the daemon does is not. */
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_SOURCES), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_ACTIVITY), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_MAKESTEP), CMW_PERM_CONTROL);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_BURST), CMW_PERM_CONTROL);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_ONLINE), CMW_PERM_CONTROL);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_OFFLINE), CMW_PERM_CONTROL);
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_SOURCES), "sources");
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_ACTIVITY), "activity");
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_MAKESTEP), "makestep");
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_BURST), "burst");
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_ONLINE), "online");
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_OFFLINE), "offline");
}
END_TEST

/* Every reply a daemon can produce for a valid request, including error replies, is no
   longer than that request. */
START_TEST(test_reply_never_longer_than_request)
{
  uint8_t req[CMP_MAX_PACKET], rep[CMP_MAX_PACKET + 64];
  size_t i, req_len, rep_len;
  CMW_Reply r;

  for (i = 0; i < CMW_CommandCount(); i++) {
    uint16_t cmd = CMW_CommandAt(i);

    req_len = make_request(cmd, 7, req, sizeof(req));
    ck_assert_uint_gt(req_len, 0);
    memset(&r, 0, sizeof(r));
    r.command = cmd;
    r.sequence = 7;
    if (cmd == CMP_CMD_TRACKING) {
      r.u.tracking = sample_tracking();
    }
    rep_len = CMW_EncodeReply(&r, rep, sizeof(rep));
    ck_assert_uint_gt(rep_len, 0);
    ck_assert_uint_le(rep_len, req_len);
    r.status = CMP_STATUS_NOT_AUTHORISED;
    rep_len = CMW_EncodeReply(&r, rep, sizeof(rep));
    ck_assert_uint_eq(rep_len, CMP_HEADER_LEN);
  }
}
END_TEST

START_TEST(test_request_roundtrip_all)
{
  uint8_t buf[CMP_MAX_PACKET];
  size_t i, len, table_len;
  CMW_Request in, out;

  for (i = 0; i < CMW_CommandCount(); i++) {
    memset(&in, 0, sizeof(in));
    in.command = CMW_CommandAt(i);
    in.sequence = 0xDEADBEEFu - (uint32_t)i;
    if (in.command == CMP_CMD_CLIENTS) {
      in.u.clients.start = 4000000001u;
    } else if (in.command == CMP_CMD_ACCHECK) {
      in.u.accheck.addr = ip6_sample();
    } else if (in.command == CMP_CMD_SOURCES) {
      in.u.sources.start = 3000000007u;
    } else if (in.command == CMP_CMD_BURST) {
      in.u.burst.n_good = 3;
      in.u.burst.n_max = CMP_BURST_MAX;
      in.u.burst.addr = ip4(198, 51, 100, 9);
    } else if (in.command == CMP_CMD_ONLINE || in.command == CMP_CMD_OFFLINE) {
      in.u.online.addr = ip6_sample();
    } else if (in.command == CMP_CMD_ADD_SOURCE) {
      CMW_TestAddSample(&in.u.add);
    } else if (in.command == CMP_CMD_DELETE_SOURCE) {
      in.u.del.addr = ip6_sample();
      in.u.del.port = 65535;
    } else if (in.command == CMP_CMD_NTPDATA) {
      in.u.ntpdata.index = 0x80000001u;
    } else if (in.command == CMP_CMD_AUTHDATA) {
      in.u.authdata.index = 0x80000003u;
    } else if (in.command == CMP_CMD_RELOAD) {
      in.u.reload.what = CMP_RELOAD_CERTS;
    }
    len = CMW_EncodeRequest(&in, buf, sizeof(buf));
    ck_assert_int_eq(CMW_CommandLengths(in.command, &table_len, NULL), 1);
    ck_assert_uint_eq(len, table_len);
    ck_assert_uint_eq(buf[CMP_OFF_VERSION], CMP_VERSION);
    ck_assert_uint_eq(buf[CMP_OFF_TYPE], CMP_TYPE_REQUEST);
    /* Big-endian on the wire. */
    ck_assert_uint_eq(buf[CMP_OFF_SEQUENCE], 0xDE);
    ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
    ck_assert_uint_eq(out.command, in.command);
    ck_assert_uint_eq(out.sequence, in.sequence);
    if (in.command == CMP_CMD_CLIENTS) {
      ck_assert_uint_eq(out.u.clients.start, 4000000001u);
    } else if (in.command == CMP_CMD_ACCHECK) {
      ck_assert(ADDR_Equal(&out.u.accheck.addr, &in.u.accheck.addr));
    } else if (in.command == CMP_CMD_SOURCES) {
      ck_assert_uint_eq(out.u.sources.start, 3000000007u);
    } else if (in.command == CMP_CMD_BURST) {
      ck_assert_uint_eq(out.u.burst.n_good, 3);
      ck_assert_uint_eq(out.u.burst.n_max, CMP_BURST_MAX);
      ck_assert(ADDR_Equal(&out.u.burst.addr, &in.u.burst.addr));
    } else if (in.command == CMP_CMD_ONLINE || in.command == CMP_CMD_OFFLINE) {
      ck_assert(ADDR_Equal(&out.u.online.addr, &in.u.online.addr));
    } else if (in.command == CMP_CMD_ADD_SOURCE) {
      ck_assert_mem_eq(&out.u.add.name, &in.u.add.name, sizeof(in.u.add.name));
      ck_assert_uint_eq(out.u.add.port, in.u.add.port);
      ck_assert_double_eq(out.u.add.maxdelay, in.u.add.maxdelay);
    } else if (in.command == CMP_CMD_DELETE_SOURCE) {
      ck_assert(ADDR_Equal(&out.u.del.addr, &in.u.del.addr));
      ck_assert_uint_eq(out.u.del.port, 65535);
    } else if (in.command == CMP_CMD_NTPDATA) {
      ck_assert_uint_eq(out.u.ntpdata.index, 0x80000001u);
    } else if (in.command == CMP_CMD_AUTHDATA) {
      ck_assert_uint_eq(out.u.authdata.index, 0x80000003u);
    } else if (in.command == CMP_CMD_RELOAD) {
      ck_assert_uint_eq(out.u.reload.what, CMP_RELOAD_CERTS);
    }
  }
}
END_TEST

START_TEST(test_request_encode_refuses)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Request req;

  memset(&req, 0, sizeof(req));
  req.command = 999;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  req.command = CMP_CMD_TRACKING;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, 20), 0); /* buffer too small */
  req.command = CMP_CMD_ACCHECK;                           /* no address */
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  req.u.accheck.addr.family = 5;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_request_bad_headers)
{
  uint8_t buf[CMP_MAX_PACKET + 8], bad[CMP_MAX_PACKET + 8];
  size_t len = make_request(CMP_CMD_TRACKING, 1, buf, sizeof(buf));
  CMW_Request req;
  size_t i;

  ck_assert_uint_gt(len, 0);
  /* Short: every length below a header, including 0 and NULL. */
  for (i = 0; i < CMP_HEADER_LEN; i++) {
    ck_assert_int_eq(CMW_DecodeRequest(buf, i, &req), CMW_ERR_SHORT);
    ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_SHORT), -1);
  }
  ck_assert_int_eq(CMW_DecodeRequest(NULL, 0, &req), CMW_ERR_SHORT);
  /* Oversized. */
  memset(bad, 0, sizeof(bad));
  memcpy(bad, buf, len);
  ck_assert_int_eq(CMW_DecodeRequest(bad, CMP_MAX_PACKET + 1, &req), CMW_ERR_OVERSIZED);
  /* Version 0, 2 and 255. */
  memcpy(bad, buf, len);
  bad[CMP_OFF_VERSION] = 0;
  ck_assert_int_eq(CMW_DecodeRequest(bad, len, &req), CMW_ERR_VERSION);
  bad[CMP_OFF_VERSION] = CMP_VERSION + 1;
  ck_assert_int_eq(CMW_DecodeRequest(bad, len, &req), CMW_ERR_VERSION);
  bad[CMP_OFF_VERSION] = 255;
  ck_assert_int_eq(CMW_DecodeRequest(bad, len, &req), CMW_ERR_VERSION);
  /* A reply (or anything else) sent as a request. */
  memcpy(bad, buf, len);
  bad[CMP_OFF_TYPE] = CMP_TYPE_REPLY;
  ck_assert_int_eq(CMW_DecodeRequest(bad, len, &req), CMW_ERR_TYPE);
  bad[CMP_OFF_TYPE] = 0;
  ck_assert_int_eq(CMW_DecodeRequest(bad, len, &req), CMW_ERR_TYPE);
  /* Non-zero status or reserved fields in a request. */
  memcpy(bad, buf, len);
  bad[CMP_OFF_STATUS + 1] = 1;
  ck_assert_int_eq(CMW_DecodeRequest(bad, len, &req), CMW_ERR_HEADER);
  memcpy(bad, buf, len);
  bad[CMP_OFF_RESERVED] = 0x80;
  ck_assert_int_eq(CMW_DecodeRequest(bad, len, &req), CMW_ERR_HEADER);
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_HEADER), -1);
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_VERSION), -1);
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_TYPE), -1);
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_OVERSIZED), -1);
}
END_TEST

START_TEST(test_request_unknown_command)
{
  uint8_t buf[CMP_MAX_PACKET];
  size_t len = make_request(CMP_CMD_TRACKING, 0x01020304u, buf, sizeof(buf));
  CMW_Request req;
  uint8_t rep[CMP_MAX_PACKET];
  CMW_Reply r, back;
  size_t rep_len;

  buf[CMP_OFF_COMMAND] = 0x12;
  buf[CMP_OFF_COMMAND + 1] = 0x34;
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &req), CMW_ERR_UNKNOWN_COMMAND);
  /* Command and sequence still known, for the error reply. */
  ck_assert_uint_eq(req.command, 0x1234);
  ck_assert_uint_eq(req.sequence, 0x01020304u);
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_UNKNOWN_COMMAND), CMP_STATUS_UNKNOWN_COMMAND);
  /* Also for command 0 and for a bare header. */
  buf[CMP_OFF_COMMAND] = 0;
  buf[CMP_OFF_COMMAND + 1] = 0;
  ck_assert_int_eq(CMW_DecodeRequest(buf, CMP_HEADER_LEN, &req), CMW_ERR_UNKNOWN_COMMAND);

  memset(&r, 0, sizeof(r));
  r.command = 0x1234;
  r.sequence = req.sequence;
  r.status = CMP_STATUS_UNKNOWN_COMMAND;
  rep_len = CMW_EncodeReply(&r, rep, sizeof(rep));
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN);
  ck_assert_int_eq(CMW_DecodeReply(rep, rep_len, &back), CMW_OK);
  ck_assert_uint_eq(back.status, CMP_STATUS_UNKNOWN_COMMAND);
  ck_assert_uint_eq(back.command, 0x1234);
  ck_assert_str_eq(CMW_StatusText(back.status), "Unknown command");
}
END_TEST

/* Every length other than the table's, for every command, is refused. */
START_TEST(test_request_wrong_lengths)
{
  uint8_t buf[CMP_MAX_PACKET];
  size_t i, len, table_len, n_refused;
  CMW_Request req;

  for (i = 0; i < CMW_CommandCount(); i++) {
    uint16_t cmd = CMW_CommandAt(i);

    memset(buf, 0, sizeof(buf));
    table_len = make_request(cmd, 9, buf, sizeof(buf));
    n_refused = 0;
    for (len = CMP_HEADER_LEN; len <= CMP_MAX_PACKET; len++) {
      CMW_Result r = CMW_DecodeRequest(buf, len, &req);

      if (len == table_len) {
        ck_assert_int_eq(r, CMW_OK);
      } else {
        ck_assert_int_eq(r, CMW_ERR_LENGTH);
        ck_assert_uint_eq(req.command, cmd);
        ck_assert_uint_eq(req.sequence, 9);
        n_refused++;
      }
    }
    ck_assert_uint_eq(n_refused, CMP_MAX_PACKET - CMP_HEADER_LEN);
  }
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_LENGTH), CMP_STATUS_BAD_LENGTH);
}
END_TEST

START_TEST(test_request_bad_address)
{
  uint8_t buf[CMP_MAX_PACKET];
  size_t len = make_request(CMP_CMD_ACCHECK, 5, buf, sizeof(buf));
  CMW_Request req;

  /* Unknown family. */
  buf[CMP_HEADER_LEN] = 5;
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &req), CMW_ERR_VALUE);
  ck_assert_uint_eq(req.sequence, 5);
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_VALUE), CMP_STATUS_INVALID_ARGUMENT);
  /* Unspecified address: nothing to check. */
  memset(buf + CMP_HEADER_LEN, 0, CMP_ADDR_LEN);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &req), CMW_ERR_VALUE);
  /* IPv4 with garbage in the unused bytes. */
  buf[CMP_HEADER_LEN] = ADDR_INET4;
  buf[CMP_HEADER_LEN + 4] = 10;
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &req), CMW_OK);
  buf[CMP_HEADER_LEN + 4 + 7] = 1;
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &req), CMW_ERR_VALUE);
}
END_TEST

static void roundtrip_reply(const CMW_Reply *in, CMW_Reply *out)
{
  uint8_t buf[CMP_MAX_PACKET + 8];
  size_t len, rep_len;

  len = CMW_EncodeReply(in, buf, sizeof(buf));
  ck_assert_int_eq(CMW_CommandLengths(in->command, NULL, &rep_len), 1);
  ck_assert_uint_eq(len, rep_len);
  ck_assert_uint_eq(buf[CMP_OFF_TYPE], CMP_TYPE_REPLY);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, out), CMW_OK);
  ck_assert_uint_eq(out->command, in->command);
  ck_assert_uint_eq(out->sequence, in->sequence);
  ck_assert_uint_eq(out->status, CMP_STATUS_OK);
  /* Truncated or extended by one byte: refused. */
  ck_assert_int_eq(CMW_DecodeReply(buf, len - 1, out),
                   len == CMP_HEADER_LEN ? CMW_ERR_SHORT : CMW_ERR_LENGTH);
  buf[len] = 0;
  ck_assert_int_eq(CMW_DecodeReply(buf, len + 1, out),
                   len == CMP_MAX_PACKET ? CMW_ERR_OVERSIZED : CMW_ERR_LENGTH);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, out), CMW_OK);
}

START_TEST(test_reply_tracking_roundtrip)
{
  CMW_Reply in, out;
  const CMW_Tracking *t;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_TRACKING;
  in.sequence = 42;
  in.u.tracking = sample_tracking();
  roundtrip_reply(&in, &out);
  t = &out.u.tracking;
  ck_assert_uint_eq(t->ref_id, 0xC0000201u);
  ck_assert(ADDR_Equal(&t->ref_addr, &in.u.tracking.ref_addr));
  ck_assert_uint_eq(t->stratum, 3);
  ck_assert_uint_eq(t->leap, 1);
  ck_assert_uint_eq(t->synchronised, 1);
  ck_assert_uint_eq(t->clock_control, 1);
  ck_assert_uint_eq(t->local_active, 0);
  ck_assert_int_eq(t->ref_time.tv_sec, 1795312365);
  ck_assert_int_eq(t->ref_time.tv_nsec, 123456789);
  /* Doubles travel bit-exact. */
  ck_assert(t->system_offset == -1.25e-6);
  ck_assert(t->last_offset == 3.5e-7);
  ck_assert(t->rms_offset == 1.0 / 3.0);
  ck_assert(t->freq_ppm == -12.345678);
  ck_assert(t->resid_freq_ppm == 0.001);
  ck_assert(t->skew_ppm == 0.25);
  ck_assert(t->root_delay == 0.0123);
  ck_assert(t->root_dispersion == 0.00045);
  ck_assert(t->update_interval == 64.5);

  /* Negative reference time (before 1970) and an IPv6 reference. */
  in.u.tracking.ref_time.tv_sec = -5;
  in.u.tracking.ref_addr = ip6_sample();
  roundtrip_reply(&in, &out);
  ck_assert_int_eq(out.u.tracking.ref_time.tv_sec, -5);
  ck_assert(ADDR_Equal(&out.u.tracking.ref_addr, &in.u.tracking.ref_addr));
}
END_TEST

START_TEST(test_reply_tracking_double_bits)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in;
  const uint8_t *p;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_TRACKING;
  in.u.tracking.system_offset = 1.0; /* 0x3FF0000000000000 */
  in.u.tracking.last_offset = -2.0;  /* 0xC000000000000000 */
  ck_assert_uint_gt(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  p = buf + CMP_HEADER_LEN + CMP_TRK_DOUBLES;
  ck_assert_uint_eq(p[0], 0x3F);
  ck_assert_uint_eq(p[1], 0xF0);
  ck_assert_uint_eq(p[7], 0x00);
  ck_assert_uint_eq(p[8], 0xC0);
  ck_assert_uint_eq(p[9], 0x00);
}
END_TEST

START_TEST(test_reply_nonfinite_doubles)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t len, i;
  /* NaN, +inf and -inf bit patterns, big-endian. */
  static const uint8_t bad[3][8] = {{0x7F, 0xF8, 0, 0, 0, 0, 0, 0},
                                    {0x7F, 0xF0, 0, 0, 0, 0, 0, 0},
                                    {0xFF, 0xF0, 0, 0, 0, 0, 0, 0}};

  /* The encoder never emits them: NaN and inf become 0. */
  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_TRACKING;
  in.u.tracking = sample_tracking();
  in.u.tracking.system_offset = NAN;
  in.u.tracking.skew_ppm = INFINITY;
  in.u.tracking.update_interval = -INFINITY;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert(out.u.tracking.system_offset == 0.0);
  ck_assert(out.u.tracking.skew_ppm == 0.0);
  ck_assert(out.u.tracking.update_interval == 0.0);
  ck_assert(out.u.tracking.freq_ppm == in.u.tracking.freq_ppm);

  /* The decoder refuses them in every double slot of tracking... */
  in.u.tracking = sample_tracking();
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  for (i = 0; i < CMP_TRK_N_DOUBLES * 3; i++) {
    uint8_t copy[CMP_MAX_PACKET];

    memcpy(copy, buf, len);
    memcpy(copy + CMP_HEADER_LEN + CMP_TRK_DOUBLES + 8 * (i / 3), bad[i % 3], 8);
    ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  }

  /* ...and of a client record. */
  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_CLIENTS;
  in.u.clients.total = 1;
  in.u.clients.count = 1;
  in.u.clients.clients[0].addr = ip4(127, 0, 0, 1);
  in.u.clients.clients[0].interval = NAN;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert(out.u.clients.clients[0].interval == 0.0);
  memcpy(buf + CMP_HEADER_LEN + CMP_CLI_RECORDS + CMP_ADDR_LEN + 24, bad[0], 8);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
}
END_TEST

START_TEST(test_reply_tracking_bad_values)
{
  uint8_t buf[CMP_MAX_PACKET], copy[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t len;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_TRACKING;
  in.u.tracking = sample_tracking();
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);

  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + CMP_TRK_LEAP] = 4;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + CMP_TRK_SYNCHRONISED] = 2;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + CMP_TRK_CLOCK_CONTROL] = 0xFF;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + CMP_TRK_LOCAL_ACTIVE] = 7;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len); /* nanoseconds 1e9 = 0x3B9ACA00 */
  copy[CMP_HEADER_LEN + CMP_TRK_REF_NSEC] = 0x3B;
  copy[CMP_HEADER_LEN + CMP_TRK_REF_NSEC + 1] = 0x9A;
  copy[CMP_HEADER_LEN + CMP_TRK_REF_NSEC + 2] = 0xCA;
  copy[CMP_HEADER_LEN + CMP_TRK_REF_NSEC + 3] = 0x00;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + CMP_TRK_REF_ADDR] = 9;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);

  /* The encoder refuses out-of-range fields instead of sending them. */
  in.u.tracking.leap = 4;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.tracking = sample_tracking();
  in.u.tracking.ref_time.tv_nsec = 1000000000L;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.tracking = sample_tracking();
  in.u.tracking.synchronised = 2;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.tracking = sample_tracking();
  in.u.tracking.ref_addr.family = 3;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_reply_serverstats_roundtrip)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t i, len;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_SERVERSTATS;
  in.sequence = 3;
  for (i = 0; i < CMW_N_SERVERSTATS; i++) {
    in.u.serverstats.v[i] = 0x0102030405060708ULL * (i + 1);
  }
  roundtrip_reply(&in, &out);
  /* SERVERSTATS has 32 slots: the counters past them travel only in SERVERSTATS2. */
  ck_assert_uint_gt(CMW_N_SERVERSTATS, CMP_SERVERSTATS_SLOTS);
  ck_assert_uint_eq(out.u.serverstats.count, CMP_SERVERSTATS_SLOTS);
  for (i = 0; i < CMW_N_SERVERSTATS; i++) {
    ck_assert_uint_eq(out.u.serverstats.v[i],
                      i < CMP_SERVERSTATS_SLOTS ? in.u.serverstats.v[i] : 0);
  }

  /* An older daemon with fewer counters: the rest reads as 0 and count says so. */
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  buf[CMP_HEADER_LEN + CMP_SST_COUNT + 3] = 5;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.serverstats.count, 5);
  ck_assert_uint_eq(out.u.serverstats.v[4], in.u.serverstats.v[4]);
  ck_assert_uint_eq(out.u.serverstats.v[5], 0);
  /* Every slot full. */
  buf[CMP_HEADER_LEN + CMP_SST_COUNT + 3] = CMP_SERVERSTATS_SLOTS;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.serverstats.count, CMP_SERVERSTATS_SLOTS);
  /* More than the slots: invalid. */
  buf[CMP_HEADER_LEN + CMP_SST_COUNT + 3] = CMP_SERVERSTATS_SLOTS + 1;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);

  /* Names: stable keys, all distinct, none missing. */
  ck_assert_str_eq(CMW_ServerStatName(CMW_SS_NTP_RECEIVED), "ntp_received");
  ck_assert_str_eq(CMW_ServerStatName(CMW_SS_CLIENTLOG_EVICTIONS), "clientlog_evictions");
  ck_assert_str_eq(CMW_ServerStatName(CMW_SS_CMD_REJECTED), "cmd_rejected");
  ck_assert_ptr_null(CMW_ServerStatName(CMW_N_SERVERSTATS));
  for (i = 0; i < CMW_N_SERVERSTATS; i++) {
    size_t j;

    ck_assert_ptr_nonnull(CMW_ServerStatName(i));
    for (j = 0; j < i; j++) {
      ck_assert_str_ne(CMW_ServerStatName(i), CMW_ServerStatName(j));
    }
  }
}
END_TEST

START_TEST(test_reply_clients_roundtrip)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t i, len;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_CLIENTS;
  in.sequence = 77;
  in.u.clients.total = 1000;
  in.u.clients.start = 16;
  in.u.clients.count = CMP_CLIENTS_PER_PAGE;
  for (i = 0; i < CMP_CLIENTS_PER_PAGE; i++) {
    CMW_Client *c = &in.u.clients.clients[i];

    c->addr = (i % 2) ? ip6_sample() : ip4(10, 0, 0, (uint8_t)i);
    c->hits = 1000000000000ULL + i;
    c->drops = i * 3;
    c->kods = i;
    c->last_ago = 0.5 * (double)i;
    c->interval = 64.0 / (double)(i + 1);
  }
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.u.clients.total, 1000);
  ck_assert_uint_eq(out.u.clients.start, 16);
  ck_assert_uint_eq(out.u.clients.count, CMP_CLIENTS_PER_PAGE);
  for (i = 0; i < CMP_CLIENTS_PER_PAGE; i++) {
    const CMW_Client *a = &in.u.clients.clients[i], *b = &out.u.clients.clients[i];

    ck_assert(ADDR_Equal(&a->addr, &b->addr));
    ck_assert_uint_eq(a->hits, b->hits);
    ck_assert_uint_eq(a->drops, b->drops);
    ck_assert_uint_eq(a->kods, b->kods);
    ck_assert(a->last_ago == b->last_ago);
    ck_assert(a->interval == b->interval);
  }

  /* A short last page and an empty page past the end. */
  in.u.clients.count = 3;
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.u.clients.count, 3);
  in.u.clients.count = 0;
  in.u.clients.start = 1000;
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.u.clients.count, 0);

  /* Count above the page size: refused both ways. */
  in.u.clients.count = CMP_CLIENTS_PER_PAGE + 1;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.clients.count = 1;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  buf[CMP_HEADER_LEN + CMP_CLI_COUNT + 3] = CMP_CLIENTS_PER_PAGE + 1;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  buf[CMP_HEADER_LEN + CMP_CLI_COUNT] = 0xFF;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
}
END_TEST

START_TEST(test_reply_accheck_and_shutdown)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t len;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_ACCHECK;
  in.sequence = 1;
  in.u.accheck.allowed = 1;
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.u.accheck.allowed, 1);
  in.u.accheck.allowed = 0;
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.u.accheck.allowed, 0);
  in.u.accheck.allowed = 2;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.accheck.allowed = 1;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  buf[CMP_HEADER_LEN] = 2;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_SHUTDOWN;
  in.sequence = 99;
  roundtrip_reply(&in, &out);
}
END_TEST

START_TEST(test_reply_bad_headers)
{
  uint8_t buf[CMP_MAX_PACKET + 8], copy[CMP_MAX_PACKET + 8];
  CMW_Reply in, out;
  CMW_Request req;
  size_t len, i;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_ACCHECK;
  in.sequence = 1;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);

  for (i = 0; i < CMP_HEADER_LEN; i++) {
    ck_assert_int_eq(CMW_DecodeReply(buf, i, &out), CMW_ERR_SHORT);
  }
  memset(copy, 0, sizeof(copy));
  memcpy(copy, buf, len);
  ck_assert_int_eq(CMW_DecodeReply(copy, CMP_MAX_PACKET + 1, &out), CMW_ERR_OVERSIZED);
  memcpy(copy, buf, len);
  copy[CMP_OFF_VERSION] = CMP_VERSION + 1;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VERSION);
  memcpy(copy, buf, len);
  copy[CMP_OFF_TYPE] = CMP_TYPE_REQUEST; /* a request looped back is not a reply */
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_TYPE);
  memcpy(copy, buf, len);
  copy[CMP_OFF_RESERVED + 1] = 1;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_HEADER);
  /* OK status with an unknown command. */
  memcpy(copy, buf, len);
  copy[CMP_OFF_COMMAND] = 0x7F;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_UNKNOWN_COMMAND);
  /* An error status must be header only. */
  memcpy(copy, buf, len);
  copy[CMP_OFF_STATUS + 1] = CMP_STATUS_NOT_AUTHORISED;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_LENGTH);
  ck_assert_int_eq(CMW_DecodeReply(copy, CMP_HEADER_LEN, &out), CMW_OK);
  ck_assert_uint_eq(out.status, CMP_STATUS_NOT_AUTHORISED);
  ck_assert_str_eq(CMW_StatusText(out.status), "Not authorised");
  ck_assert_str_eq(CMW_StatusText(0xFFFF), "Unknown status");
  /* The request decoder refuses a reply. */
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &req), CMW_ERR_TYPE);
}
END_TEST

START_TEST(test_result_texts)
{
  int r;

  for (r = 0; r < CMW_ERR_COUNT; r++) {
    ck_assert_ptr_nonnull(CMW_ResultText((CMW_Result)r));
    ck_assert_str_ne(CMW_ResultText((CMW_Result)r), "?");
  }
  ck_assert_str_eq(CMW_ResultText(CMW_ERR_COUNT), "?");
}
END_TEST

/* Every byte pattern of a short header prefix and random-ish garbage bodies decode
   without crashing and without being accepted as something they are not. */
START_TEST(test_garbage_never_accepted_as_request)
{
  uint8_t buf[CMP_MAX_PACKET];
  uint32_t x = 12345;
  size_t n, i, accepted = 0;
  CMW_Request req;
  CMW_Reply rep;

  for (n = 0; n < 20000; n++) {
    size_t len = (x % (CMP_MAX_PACKET + 1));

    for (i = 0; i < sizeof(buf); i++) {
      x = x * 1103515245u + 12345u;
      buf[i] = (uint8_t)(x >> 16);
    }
    if (CMW_DecodeRequest(buf, len, &req) == CMW_OK) {
      accepted++;
    }
    (void)CMW_DecodeReply(buf, len, &rep);
  }
  /* Random bytes almost never have version 1, type 1, zero status and a table length. */
  ck_assert_uint_eq(accepted, 0);
}
END_TEST

START_TEST(test_request_burst_values)
{
  uint8_t buf[CMP_MAX_PACKET], copy[CMP_MAX_PACKET];
  CMW_Request req, out;
  size_t len;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_BURST;
  req.sequence = 11;
  /* The encoder refuses what the daemon would refuse: max 0, max too big, good > max. */
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  req.u.burst.n_max = CMP_BURST_MAX + 1;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  req.u.burst.n_max = 4;
  req.u.burst.n_good = 5;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  req.u.burst.n_good = 0; /* 0/4: allowed (chronyc burst 0/4) */
  req.u.burst.addr.family = 9;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  memset(&req.u.burst.addr, 0, sizeof(req.u.burst.addr)); /* every source */
  len = CMW_EncodeRequest(&req, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.burst.n_good, 0);
  ck_assert_uint_eq(out.u.burst.n_max, 4);
  ck_assert_uint_eq(out.u.burst.addr.family, ADDR_UNSPEC);

  /* The decoder refuses the same, with command and sequence kept for the error reply. */
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + 7] = 0; /* max 0 */
  ck_assert_int_eq(CMW_DecodeRequest(copy, len, &out), CMW_ERR_VALUE);
  ck_assert_uint_eq(out.command, CMP_CMD_BURST);
  ck_assert_uint_eq(out.sequence, 11);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + 4] = 1; /* max 2^24 + 4 */
  ck_assert_int_eq(CMW_DecodeRequest(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + 3] = 5; /* good 5 > max 4 */
  ck_assert_int_eq(CMW_DecodeRequest(copy, len, &out), CMW_ERR_VALUE);
  copy[CMP_HEADER_LEN + 3] = 4; /* good 4 = max 4 */
  ck_assert_int_eq(CMW_DecodeRequest(copy, len, &out), CMW_OK);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + 8] = 7; /* address family */
  ck_assert_int_eq(CMW_DecodeRequest(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + 8 + 4] = 1; /* unspecified address with bytes */
  ck_assert_int_eq(CMW_DecodeRequest(copy, len, &out), CMW_ERR_VALUE);
}
END_TEST

START_TEST(test_request_online_offline)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Request req, out;
  size_t len;
  int i;

  for (i = 0; i < 2; i++) {
    memset(&req, 0, sizeof(req));
    req.command = i ? CMP_CMD_OFFLINE : CMP_CMD_ONLINE;
    len = CMW_EncodeRequest(&req, buf, sizeof(buf)); /* no address: every source */
    ck_assert_uint_eq(len, CMP_HEADER_LEN + CMP_ADDR_LEN);
    ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
    ck_assert_uint_eq(out.command, req.command);
    ck_assert_uint_eq(out.u.online.addr.family, ADDR_UNSPEC);
    req.u.online.addr = ip4(127, 0, 0, 1);
    len = CMW_EncodeRequest(&req, buf, sizeof(buf));
    ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
    ck_assert(ADDR_Equal(&out.u.online.addr, &req.u.online.addr));
    buf[CMP_HEADER_LEN] = 5;
    ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_ERR_VALUE);
    req.u.online.addr.family = 5;
    ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  }
}
END_TEST

static CMW_Source sample_source(int i)
{
  CMW_Source s;

  memset(&s, 0, sizeof(s));
  snprintf(s.name, sizeof(s.name), "ntp%d.example.net", i);
  s.addr = (i % 2) ? ip6_sample() : ip4(192, 0, 2, (uint8_t)(10 + i));
  s.port = (uint16_t)(123 + i);
  s.mode = CMP_SRC_MODE_SERVER;
  s.state = (uint8_t)(i % CMP_SRC_ST_COUNT);
  s.stratum = (uint8_t)(1 + i);
  s.poll = (int8_t)(i - 4); /* negative polls too */
  s.reach = (uint8_t)(0377 >> i);
  s.leap = (uint8_t)(i % 4);
  s.flags = (uint8_t)(i * 9) & CMP_SRC_F_ALL;
  s.n_samples = (uint16_t)(60000 + i);
  s.n_runs = (uint16_t)(i + 2);
  s.ref_id = 0xC0000200u + (uint32_t)i;
  s.tx = 0x0102030405060708ULL + (uint64_t)i;
  s.rx_samples = 1000u + (uint64_t)i;
  s.rx_other = 7u * (uint64_t)i;
  s.last_rx_ago = i == 0 ? -1.0 : 34.5 * i;
  s.last_offset = 4.84e-4 / (i + 1);
  s.last_offset_measured = -1.57e-4 * i;
  s.last_error = 0.03;
  s.span = 2760.0 + i;
  s.freq_ppm = -0.001 * i;
  s.skew_ppm = 0.045;
  s.offset = 1e-6 * i;
  s.std_dev = 2.5e-5;
  s.distance = 0.015 + i;
  s.delay = 0.002;
  s.root_delay = 0.0123;
  s.root_dispersion = 1.0 / 3.0;
  return s;
}

static void assert_source_eq(const CMW_Source *a, const CMW_Source *b)
{
  ck_assert_str_eq(a->name, b->name);
  ck_assert(ADDR_Equal(&a->addr, &b->addr));
  ck_assert_uint_eq(a->port, b->port);
  ck_assert_uint_eq(a->mode, b->mode);
  ck_assert_uint_eq(a->state, b->state);
  ck_assert_uint_eq(a->stratum, b->stratum);
  ck_assert_int_eq(a->poll, b->poll);
  ck_assert_uint_eq(a->reach, b->reach);
  ck_assert_uint_eq(a->leap, b->leap);
  ck_assert_uint_eq(a->flags, b->flags);
  ck_assert_uint_eq(a->n_samples, b->n_samples);
  ck_assert_uint_eq(a->n_runs, b->n_runs);
  ck_assert_uint_eq(a->ref_id, b->ref_id);
  ck_assert_uint_eq(a->tx, b->tx);
  ck_assert_uint_eq(a->rx_samples, b->rx_samples);
  ck_assert_uint_eq(a->rx_other, b->rx_other);
  ck_assert(a->last_rx_ago == b->last_rx_ago);
  ck_assert(a->last_offset == b->last_offset);
  ck_assert(a->last_offset_measured == b->last_offset_measured);
  ck_assert(a->last_error == b->last_error);
  ck_assert(a->span == b->span);
  ck_assert(a->freq_ppm == b->freq_ppm);
  ck_assert(a->skew_ppm == b->skew_ppm);
  ck_assert(a->offset == b->offset);
  ck_assert(a->std_dev == b->std_dev);
  ck_assert(a->distance == b->distance);
  ck_assert(a->delay == b->delay);
  ck_assert(a->root_delay == b->root_delay);
  ck_assert(a->root_dispersion == b->root_dispersion);
}

START_TEST(test_reply_sources_roundtrip)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t i, len, page;

  /* Pages of sample sources, so that every state, leap and flag pattern travels. */
  for (page = 0; page < 8; page++) {
    memset(&in, 0, sizeof(in));
    in.command = CMP_CMD_SOURCES;
    in.sequence = 5;
    in.u.sources.total = 20;
    in.u.sources.start = (uint32_t)(page * CMP_SOURCES_PER_PAGE);
    in.u.sources.count = CMP_SOURCES_PER_PAGE;
    for (i = 0; i < CMP_SOURCES_PER_PAGE; i++) {
      in.u.sources.sources[i] = sample_source((int)(page * CMP_SOURCES_PER_PAGE + i));
    }
    roundtrip_reply(&in, &out);
    ck_assert_uint_eq(out.u.sources.total, 20);
    ck_assert_uint_eq(out.u.sources.start, in.u.sources.start);
    ck_assert_uint_eq(out.u.sources.count, CMP_SOURCES_PER_PAGE);
    for (i = 0; i < CMP_SOURCES_PER_PAGE; i++) {
      assert_source_eq(&in.u.sources.sources[i], &out.u.sources.sources[i]);
    }
  }
  in.u.sources.sources[0] = sample_source(0);
  /* Field placement on the wire (big-endian, at the documented offsets). */
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_SRCS_RECORDS + CMP_SRC_NAME], 'n');
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_SRCS_RECORDS + CMP_SRC_PORT + 1], 123);
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_SRCS_RECORDS + CMP_SRC_POLL], 0xFC); /* -4 */
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_SRCS_RECORDS + CMP_SRC_TX], 0x01);
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_SRCS_RECORDS + CMP_SRC_N_SAMPLES], 60000 >> 8);

  /* A partial page: records past count are zero on the wire and ignored. */
  in.u.sources.count = 1;
  in.u.sources.total = 1;
  in.u.sources.start = 0;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_eq(len, CMP_HEADER_LEN + CMP_SOURCES_BODY_LEN);
  for (i = CMP_SRCS_RECORDS + 1 * CMP_SOURCE_REC_LEN; i < CMP_SOURCES_BODY_LEN; i++) {
    ck_assert_uint_eq(buf[CMP_HEADER_LEN + i], 0);
  }
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.sources.count, 1);
  ck_assert_str_eq(out.u.sources.sources[1].name, "");
  /* An empty page (no sources, or start past the end). */
  in.u.sources.count = 0;
  in.u.sources.start = 1000;
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.u.sources.count, 0);
  ck_assert_uint_eq(out.u.sources.start, 1000);
}
END_TEST

START_TEST(test_reply_sources_bad_values)
{
  uint8_t buf[CMP_MAX_PACKET], copy[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t len, i;
  uint8_t *rec;
  static const uint8_t nan_bits[8] = {0x7F, 0xF8, 0, 0, 0, 0, 0, 0};

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_SOURCES;
  in.u.sources.total = 1;
  in.u.sources.count = 1;
  in.u.sources.sources[0] = sample_source(1);
  /* Count larger than the records that are really there: the zero record has an empty
     name and no address, which is valid, so the decoder accepts it as an empty source. */
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  buf[CMP_HEADER_LEN + CMP_SRCS_COUNT + 3] = 2;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.sources.sources[1].addr.family, ADDR_UNSPEC);
  ck_assert_str_eq(out.u.sources.sources[1].name, "");

  in.u.sources.total = 2;
  in.u.sources.count = 2;
  in.u.sources.sources[1] = sample_source(2);
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  rec = copy + CMP_HEADER_LEN + CMP_SRCS_RECORDS + CMP_SOURCE_REC_LEN; /* second record */

  /* Bad pages: more records than a page holds. */
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + CMP_SRCS_COUNT + 3] = CMP_SOURCES_PER_PAGE + 1;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  copy[CMP_HEADER_LEN + CMP_SRCS_COUNT] = 0x80;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);

  /* Out-of-range fields of the second record. */
  memcpy(copy, buf, len);
  rec[CMP_SRC_STATE] = CMP_SRC_ST_COUNT;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  rec[CMP_SRC_MODE] = CMP_SRC_MODE_COUNT;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  rec[CMP_SRC_LEAP] = 4;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  rec[CMP_SRC_FLAGS] = 0x80;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  memcpy(copy, buf, len);
  rec[CMP_SRC_ADDR] = 5;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  for (i = 0; i < CMP_SRC_N_DOUBLES; i++) {
    memcpy(copy, buf, len);
    memcpy(rec + CMP_SRC_DOUBLES + 8 * i, nan_bits, 8);
    ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  }

  /* The encoder refuses the same, and NaN becomes 0. */
  in.u.sources.count = CMP_SOURCES_PER_PAGE + 1;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.sources.count = 2;
  in.u.sources.sources[1].state = CMP_SRC_ST_COUNT;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.sources.sources[1] = sample_source(2);
  in.u.sources.sources[1].leap = 4;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.sources.sources[1] = sample_source(2);
  in.u.sources.sources[1].flags = 0xFF;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.sources.sources[1] = sample_source(2);
  in.u.sources.sources[1].mode = 3;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.sources.sources[1] = sample_source(2);
  in.u.sources.sources[1].offset = NAN;
  in.u.sources.sources[1].distance = -INFINITY;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert(out.u.sources.sources[1].offset == 0.0);
  ck_assert(out.u.sources.sources[1].distance == 0.0);
}
END_TEST

START_TEST(test_reply_sources_names)
{
  uint8_t buf[CMP_MAX_PACKET], copy[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t len;
  uint8_t *name;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_SOURCES;
  in.u.sources.total = 1;
  in.u.sources.count = 1;
  in.u.sources.sources[0] = sample_source(0);
  /* The longest name that fits: 63 characters. */
  memset(in.u.sources.sources[0].name, 'a', CMP_SOURCE_NAME_LEN - 1);
  in.u.sources.sources[0].name[CMP_SOURCE_NAME_LEN - 1] = '\0';
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(strlen(out.u.sources.sources[0].name), CMP_SOURCE_NAME_LEN - 1);
  /* Not terminated: refused by both sides. */
  in.u.sources.sources[0].name[CMP_SOURCE_NAME_LEN - 1] = 'a';
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.sources.sources[0] = sample_source(0);
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  name = copy + CMP_HEADER_LEN + CMP_SRCS_RECORDS + CMP_SRC_NAME;
  memcpy(copy, buf, len);
  memset(name, 'b', CMP_SOURCE_NAME_LEN);
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  /* A control character or a byte above 0x7e. */
  memcpy(copy, buf, len);
  name[2] = '\n';
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  name[2] = (uint8_t)0xC3;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  name[2] = 0x7F;
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  /* Bytes after the terminating NUL. */
  memcpy(copy, buf, len);
  name[CMP_SOURCE_NAME_LEN - 1] = 'x';
  ck_assert_int_eq(CMW_DecodeReply(copy, len, &out), CMW_ERR_VALUE);
  /* The encoder refuses what the decoder would. */
  in.u.sources.sources[0].name[1] = '\t';
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  /* An empty name (a source known by address only) is fine. */
  in.u.sources.sources[0].name[0] = '\0';
  roundtrip_reply(&in, &out);
  ck_assert_str_eq(out.u.sources.sources[0].name, "");
}
END_TEST

START_TEST(test_reply_activity_and_matched)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t len;
  uint16_t cmds[3] = {CMP_CMD_BURST, CMP_CMD_ONLINE, CMP_CMD_OFFLINE};
  int i;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_ACTIVITY;
  in.sequence = 8;
  in.u.activity.online = 3;
  in.u.activity.offline = 0xFFFFFFFFu;
  in.u.activity.burst_online = 1;
  in.u.activity.burst_offline = 2;
  in.u.activity.unresolved = 70000;
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.u.activity.online, 3);
  ck_assert_uint_eq(out.u.activity.offline, 0xFFFFFFFFu);
  ck_assert_uint_eq(out.u.activity.burst_online, 1);
  ck_assert_uint_eq(out.u.activity.burst_offline, 2);
  ck_assert_uint_eq(out.u.activity.unresolved, 70000);

  for (i = 0; i < 3; i++) {
    memset(&in, 0, sizeof(in));
    in.command = cmds[i];
    in.u.matched.matched = 0x01020304u;
    roundtrip_reply(&in, &out);
    ck_assert_uint_eq(out.u.matched.matched, 0x01020304u);
    /* NO_SUCH_SOURCE is a header-only error like the others. */
    in.status = CMP_STATUS_NO_SUCH_SOURCE;
    len = CMW_EncodeReply(&in, buf, sizeof(buf));
    ck_assert_uint_eq(len, CMP_HEADER_LEN);
    ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
    ck_assert_uint_eq(out.status, CMP_STATUS_NO_SUCH_SOURCE);
  }
  ck_assert_str_eq(CMW_StatusText(CMP_STATUS_NO_SUCH_SOURCE), "No such source");

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_MAKESTEP;
  roundtrip_reply(&in, &out);
  ck_assert_uint_eq(out.command, CMP_CMD_MAKESTEP);
}
END_TEST

START_TEST(test_source_letters)
{
  static const char letters[] = "?NMsd~Wx-+*";
  static const char column[] = "?????~?x-+*";
  uint8_t st;
  size_t j;

  ck_assert_uint_eq(sizeof(letters) - 1, CMP_SRC_ST_COUNT);
  for (st = 0; st < CMP_SRC_ST_COUNT; st++) {
    ck_assert_int_eq(CMW_SourceStateChar(st), letters[st]);
    ck_assert_int_eq(CMW_SourceColumnChar(st), column[st]);
    ck_assert_str_ne(CMW_SourceStateName(st), "unknown");
    for (j = 0; j < st; j++) {
      ck_assert_str_ne(CMW_SourceStateName(st), CMW_SourceStateName((uint8_t)j));
    }
  }
  ck_assert_int_eq(CMW_SourceStateChar(CMP_SRC_ST_COUNT), '?');
  ck_assert_int_eq(CMW_SourceColumnChar(200), '?');
  ck_assert_str_eq(CMW_SourceStateName(CMP_SRC_ST_COUNT), "unknown");
  ck_assert_str_eq(CMW_SourceStateName(CMP_SRC_ST_SELECTED), "selected");
  ck_assert_int_eq(CMW_SourceModeChar(CMP_SRC_MODE_SERVER), '^');
  ck_assert_int_eq(CMW_SourceModeChar(CMP_SRC_MODE_PEER), '=');
  ck_assert_int_eq(CMW_SourceModeChar(CMP_SRC_MODE_REFCLOCK), '#');
  ck_assert_int_eq(CMW_SourceModeChar(CMP_SRC_MODE_COUNT), '?');
  /* The wire numbers are SEL_Status's, and the letters SEL_StatusChar's. */
  ck_assert_int_eq(CMP_SRC_ST_SELECTED, SEL_ST_SELECTED);
  ck_assert_int_eq(CMP_SRC_ST_COUNT, SEL_ST_COUNT);
}
END_TEST

START_TEST(test_activity_add)
{
  CMW_Activity a;
  CMW_Source s;

  memset(&a, 0, sizeof(a));
  s = sample_source(0);
  s.flags = CMP_SRC_F_ONLINE;
  CMW_ActivityAdd(&a, &s);
  CMW_ActivityAdd(&a, &s);
  s.flags = 0;
  CMW_ActivityAdd(&a, &s);
  s.flags = CMP_SRC_F_ONLINE | CMP_SRC_F_BURST;
  CMW_ActivityAdd(&a, &s);
  s.flags = CMP_SRC_F_BURST | CMP_SRC_F_KOD_STOP;
  CMW_ActivityAdd(&a, &s);
  s.flags = CMP_SRC_F_ONLINE;
  memset(&s.addr, 0, sizeof(s.addr)); /* not resolved yet, whatever the flags say */
  CMW_ActivityAdd(&a, &s);
  ck_assert_uint_eq(a.online, 2);
  ck_assert_uint_eq(a.offline, 1);
  ck_assert_uint_eq(a.burst_online, 1);
  ck_assert_uint_eq(a.burst_offline, 1);
  ck_assert_uint_eq(a.unresolved, 1);
}
END_TEST

START_TEST(test_source_from_report)
{
  SYN_SourceReport r;
  CMW_Source s;
  CMW_Reply in, out;

  memset(&r, 0, sizeof(r));
  memset(r.name, 'h', sizeof(r.name) - 1); /* 255 characters: cut to 63 */
  r.name[3] = '\x01';                      /* not printable: replaced */
  r.addr = ip4(127, 0, 0, 1);
  r.port = 11123;
  r.status = SEL_ST_COMBINED;
  r.stratum = 300;    /* clamped */
  r.poll = -200;      /* clamped */
  r.reach = 0377;
  r.last_rx_ago = 12.5;
  r.last_offset = 4.84e-4;
  r.last_offset_measured = -1.57e-4;
  r.last_error = NAN; /* never sent as NaN */
  r.n_samples = 70000; /* clamped */
  r.n_runs = 5;
  r.span = 600.0;
  r.freq_ppm = -0.25;
  r.skew_ppm = 0.5;
  r.offset = 2e-6;
  r.std_dev = 1e-5;
  r.ntp.online = 1;
  r.ntp.burst_left = 3;
  r.ntp.stopped_by_kod = 0;
  r.ntp.tx = 100;
  r.ntp.rx[NSC_RX_SAMPLE] = 90;
  r.ntp.rx[NSC_RX_BOGUS] = 4;
  r.ntp.rx[NSC_RX_KOD_RATE] = 1;
  r.ntp.have_last = 1;
  r.ntp.last_sample.delay = 0.002;
  r.ntp.last_sample.dispersion = 0.0001;
  r.ntp.last_sample.root_delay = 0.010;
  r.ntp.last_sample.root_dispersion = 0.0005;
  r.ntp.last_sample.leap = 1;
  r.ntp.last_sample.ref_id = 0x47505300u;
  r.prefer = 1;
  r.require = 1;

  CMW_SourceFromReport(&r, &s);
  ck_assert_uint_eq(strlen(s.name), CMP_SOURCE_NAME_LEN - 1);
  ck_assert_int_eq(s.name[3], '?');
  ck_assert_int_eq(s.name[4], 'h');
  ck_assert(ADDR_Equal(&s.addr, &r.addr));
  ck_assert_uint_eq(s.port, 11123);
  ck_assert_uint_eq(s.mode, CMP_SRC_MODE_SERVER);
  ck_assert_uint_eq(s.state, CMP_SRC_ST_COMBINED);
  ck_assert_uint_eq(s.stratum, 255);
  ck_assert_int_eq(s.poll, -128);
  ck_assert_uint_eq(s.reach, 0377);
  ck_assert_uint_eq(s.leap, 1);
  ck_assert_uint_eq(s.flags, CMP_SRC_F_ONLINE | CMP_SRC_F_BURST | CMP_SRC_F_PREFER |
                                 CMP_SRC_F_REQUIRE);
  ck_assert_uint_eq(s.n_samples, 65535);
  ck_assert_uint_eq(s.n_runs, 5);
  ck_assert_uint_eq(s.ref_id, 0x47505300u);
  ck_assert_uint_eq(s.tx, 100);
  ck_assert_uint_eq(s.rx_samples, 90);
  ck_assert_uint_eq(s.rx_other, 5);
  ck_assert(s.last_error == 0.0);
  ck_assert(s.last_offset == 4.84e-4);
  ck_assert(s.last_offset_measured == -1.57e-4);
  ck_assert(s.freq_ppm == -0.25);
  ck_assert(s.delay == 0.002);
  ck_assert(s.root_delay == 0.010);
  ck_assert(s.root_dispersion == 0.0005);
  /* (0.010 + 0.002) / 2 + 0.0005 + 0.0001 + 1e-5 */
  ck_assert(fabs(s.distance - 0.00661) < 1e-12);
  /* What the conversion makes always encodes. */
  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_SOURCES;
  in.u.sources.count = 1;
  in.u.sources.total = 1;
  in.u.sources.sources[0] = s;
  roundtrip_reply(&in, &out);
  assert_source_eq(&s, &out.u.sources.sources[0]);

  /* No sample yet, unknown status, offline, stopped by KoD, no address. */
  memset(&r, 0, sizeof(r));
  snprintf(r.name, sizeof(r.name), "pool.example.org");
  r.status = (SEL_Status)99;
  r.last_rx_ago = -1.0;
  r.ntp.stopped_by_kod = 1;
  r.noselect = 1;
  r.trust = 1;
  r.addr.family = 77; /* garbage: sent as unresolved */
  CMW_SourceFromReport(&r, &s);
  ck_assert_str_eq(s.name, "pool.example.org");
  ck_assert_uint_eq(s.state, CMP_SRC_ST_NONE);
  ck_assert_uint_eq(s.leap, 3);
  ck_assert_uint_eq(s.addr.family, ADDR_UNSPEC);
  ck_assert_uint_eq(s.flags, CMP_SRC_F_KOD_STOP | CMP_SRC_F_NOSELECT | CMP_SRC_F_TRUST);
  ck_assert(s.last_rx_ago == -1.0);
  ck_assert(s.distance == 0.0);
  in.u.sources.sources[0] = s;
  roundtrip_reply(&in, &out);
}
END_TEST

START_TEST(test_tracking_from_sync)
{
  SYN_Tracking t;
  CMW_Tracking c;
  CMW_Reply in, out;

  memset(&t, 0, sizeof(t));
  t.synchronised = 1;
  t.ref_id = 0x7F000001u;
  t.ref_addr = ip4(127, 0, 0, 1);
  t.stratum = 3;
  t.leap = 2;
  t.ref_time.tv_sec = 1795312365;
  t.ref_time.tv_nsec = 5;
  t.system_offset = 1.5e-6;
  t.last_offset = -2e-7;
  t.rms_offset = 3e-6;
  t.freq_ppm = -12.5;
  t.resid_freq_ppm = 0.01;
  t.skew_ppm = 0.2;
  t.root_delay = 0.004;
  t.root_dispersion = INFINITY;
  t.update_interval = 64.0;
  CMW_TrackingFromSync(&t, &c);
  ck_assert_uint_eq(c.synchronised, 1);
  ck_assert_uint_eq(c.ref_id, 0x7F000001u);
  ck_assert(ADDR_Equal(&c.ref_addr, &t.ref_addr));
  ck_assert_uint_eq(c.stratum, 3);
  ck_assert_uint_eq(c.leap, 2);
  ck_assert_int_eq(c.ref_time.tv_sec, 1795312365);
  ck_assert_int_eq(c.ref_time.tv_nsec, 5);
  ck_assert(c.system_offset == 1.5e-6);
  ck_assert(c.freq_ppm == -12.5);
  ck_assert(c.root_dispersion == 0.0);
  ck_assert(c.update_interval == 64.0);
  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_TRACKING;
  in.u.tracking = c;
  roundtrip_reply(&in, &out);

  /* Unsynchronised: leap 3 and stratum 0 whatever the engine says; bad nanoseconds. */
  t.synchronised = 0;
  t.leap = 0;
  t.ref_time.tv_nsec = 2000000000L;
  CMW_TrackingFromSync(&t, &c);
  ck_assert_uint_eq(c.synchronised, 0);
  ck_assert_uint_eq(c.leap, 3);
  ck_assert_uint_eq(c.stratum, 0);
  ck_assert_int_eq(c.ref_time.tv_nsec, 0);
  in.u.tracking = c;
  roundtrip_reply(&in, &out);
}
END_TEST

Suite *cmdwire_suite(void)
{
  Suite *s = suite_create("cmdwire");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_length_table_invariant);
  tcase_add_test(tc, test_permissions);
  tcase_add_test(tc, test_reply_never_longer_than_request);
  tcase_add_test(tc, test_request_roundtrip_all);
  tcase_add_test(tc, test_request_encode_refuses);
  tcase_add_test(tc, test_request_bad_headers);
  tcase_add_test(tc, test_request_unknown_command);
  tcase_add_test(tc, test_request_wrong_lengths);
  tcase_add_test(tc, test_request_bad_address);
  tcase_add_test(tc, test_reply_tracking_roundtrip);
  tcase_add_test(tc, test_reply_tracking_double_bits);
  tcase_add_test(tc, test_reply_nonfinite_doubles);
  tcase_add_test(tc, test_reply_tracking_bad_values);
  tcase_add_test(tc, test_reply_serverstats_roundtrip);
  tcase_add_test(tc, test_reply_clients_roundtrip);
  tcase_add_test(tc, test_reply_accheck_and_shutdown);
  tcase_add_test(tc, test_reply_bad_headers);
  tcase_add_test(tc, test_result_texts);
  tcase_add_test(tc, test_garbage_never_accepted_as_request);
  tcase_add_test(tc, test_request_burst_values);
  tcase_add_test(tc, test_request_online_offline);
  tcase_add_test(tc, test_reply_sources_roundtrip);
  tcase_add_test(tc, test_reply_sources_bad_values);
  tcase_add_test(tc, test_reply_sources_names);
  tcase_add_test(tc, test_reply_activity_and_matched);
  tcase_add_test(tc, test_source_letters);
  tcase_add_test(tc, test_activity_add);
  tcase_add_test(tc, test_source_from_report);
  tcase_add_test(tc, test_tracking_from_sync);
  CMW_TestAddSourceTests(tc);
  CMW_TestNtsTests(tc);
  suite_add_tcase(s, tc);
  return s;
}
