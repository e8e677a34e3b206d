/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_cmdwire_src.c - unit tests of the source commands of the command socket codec
 * (cmdmon_wire.c, cmdmon_src.c): ADD_SOURCE field checks, DELETE_SOURCE, NTPDATA round
 * trips and bad values, and the NTPDATA record made from an engine report.  Part of the cmdwire suite
 * (check_cmdwire.c adds these tests to its test case).  No I/O.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmdmon_wire.h"
#include "suites.h"

void CMW_TestAddSample(CMW_AddSource *a);
void CMW_TestAddSourceTests(TCase *tc);

/* A valid ADD_SOURCE body: pool.example, every option bit. */
void CMW_TestAddSample(CMW_AddSource *a)
{
  memset(a, 0, sizeof(*a));
  snprintf(a->name, sizeof(a->name), "pool.example");
  a->type = CMP_ADD_POOL;
  a->flags = CMP_ADD_F_ALL;
  a->minpoll = -7;
  a->maxpoll = 24;
  a->port = 11123;
  a->maxsources = 16;
  a->maxdelay = 0.25;
}

static size_t encode_add(const CMW_AddSource *a, uint8_t *buf)
{
  CMW_Request req;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_ADD_SOURCE;
  req.sequence = 77;
  req.u.add = *a;
  return CMW_EncodeRequest(&req, buf, CMP_MAX_PACKET);
}

/* Every field of ADD_SOURCE is range-checked on both sides: the encoder refuses to send
   what the decoder would refuse. */
START_TEST(test_add_values)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_AddSource a, bad;
  CMW_Request out;
  size_t len, req_len;
  uint64_t bits;
  int i;

  CMW_TestAddSample(&a);
  len = encode_add(&a, buf);
  ck_assert(CMW_CommandLengths(CMP_CMD_ADD_SOURCE, &req_len, NULL));
  ck_assert_uint_eq(len, req_len);
  ck_assert_uint_eq(len, CMP_HEADER_LEN + 272);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
  ck_assert_str_eq(out.u.add.name, "pool.example");
  ck_assert_uint_eq(out.u.add.type, CMP_ADD_POOL);
  ck_assert_uint_eq(out.u.add.flags, CMP_ADD_F_ALL);
  ck_assert_int_eq(out.u.add.minpoll, -7);
  ck_assert_int_eq(out.u.add.maxpoll, 24);
  ck_assert_uint_eq(out.u.add.port, 11123);
  ck_assert_uint_eq(out.u.add.maxsources, 16);
  ck_assert_double_eq(out.u.add.maxdelay, 0.25);
  /* big-endian port, s8 polls */
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_ADD_PORT], 11123 >> 8);
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_ADD_MINPOLL], 0xF9);

  /* a 255-character name is the longest */
  memset(a.name, 'n', CMP_ADD_NAME_LEN - 1);
  a.name[CMP_ADD_NAME_LEN - 1] = '\0';
  len = encode_add(&a, buf);
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(strlen(out.u.add.name), CMP_ADD_NAME_LEN - 1);

  for (i = 0; i < 14; i++) {
    CMW_TestAddSample(&bad);
    switch (i) {
    case 0: bad.name[0] = '\0'; break;
    case 1: bad.name[4] = ' '; break;
    case 2: bad.name[4] = '\x7f'; break;
    case 3: bad.type = 2; break;
    case 4: bad.flags = 0x40; break;
    case 5: bad.minpoll = -8; break;
    case 6: bad.maxpoll = 25; break;
    case 7: bad.minpoll = 10; bad.maxpoll = 9; break;
    case 8: bad.port = 0; break;
    case 9: bad.maxsources = 0; break;
    case 10: bad.maxsources = 17; break;
    case 11: bad.maxdelay = 0.0; break;
    case 12: bad.maxdelay = 1000.5; break;
    default: bad.maxdelay = NAN; break;
    }
    ck_assert_msg(encode_add(&bad, buf) == 0, "case %d encoded", i);
    /* the same values forced onto the wire are refused by the decoder */
    CMW_TestAddSample(&a);
    len = encode_add(&a, buf);
    switch (i) {
    case 0: memset(buf + CMP_HEADER_LEN, 0, CMP_ADD_NAME_LEN); break;
    case 1: buf[CMP_HEADER_LEN + 4] = ' '; break;
    case 2: buf[CMP_HEADER_LEN + 4] = 0x7f; break;
    case 3: buf[CMP_HEADER_LEN + CMP_ADD_TYPE] = 2; break;
    case 4: buf[CMP_HEADER_LEN + CMP_ADD_FLAGS] = 0x40; break;
    case 5: buf[CMP_HEADER_LEN + CMP_ADD_MINPOLL] = 0xF8; break;
    case 6: buf[CMP_HEADER_LEN + CMP_ADD_MAXPOLL] = 25; break;
    case 7:
      buf[CMP_HEADER_LEN + CMP_ADD_MINPOLL] = 10;
      buf[CMP_HEADER_LEN + CMP_ADD_MAXPOLL] = 9;
      break;
    case 8: memset(buf + CMP_HEADER_LEN + CMP_ADD_PORT, 0, 2); break;
    case 9: buf[CMP_HEADER_LEN + CMP_ADD_MAXSOURCES] = 0; break;
    case 10: buf[CMP_HEADER_LEN + CMP_ADD_MAXSOURCES] = 17; break;
    case 11: memset(buf + CMP_HEADER_LEN + CMP_ADD_MAXDELAY, 0, 8); break;
    case 12:
      bad.maxdelay = 1000.5;
      memcpy(&bits, &bad.maxdelay, 8);
      for (int k = 0; k < 8; k++) {
        buf[CMP_HEADER_LEN + CMP_ADD_MAXDELAY + k] = (uint8_t)(bits >> (56 - 8 * k));
      }
      break;
    default: memset(buf + CMP_HEADER_LEN + CMP_ADD_MAXDELAY, 0xFF, 8); break;
    }
    ck_assert_msg(CMW_DecodeRequest(buf, len, &out) == CMW_ERR_VALUE, "case %d decoded", i);
    ck_assert_uint_eq(out.command, CMP_CMD_ADD_SOURCE);
    ck_assert_uint_eq(out.sequence, 77);
  }
  /* no NUL in the name field, or bytes after the NUL: refused */
  CMW_TestAddSample(&a);
  len = encode_add(&a, buf);
  memset(buf + CMP_HEADER_LEN, 'x', CMP_ADD_NAME_LEN);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_ERR_VALUE);
  len = encode_add(&a, buf);
  buf[CMP_HEADER_LEN + 200] = 'x';
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_ERR_VALUE);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_ADD_SOURCE), CMW_PERM_CONTROL);
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_ADD_SOURCE), "add");
  ck_assert_str_eq(CMW_StatusText(CMP_STATUS_SOURCE_EXISTS), "Source already present");
}
END_TEST

START_TEST(test_delete_values)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Request req, out;
  CMW_Reply rep, back;
  size_t len;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_DELETE_SOURCE;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);  /* no address */
  ADDR_Parse("192.0.2.7", &req.u.del.addr);
  req.u.del.port = 123;
  len = CMW_EncodeRequest(&req, buf, sizeof(buf));
  ck_assert_uint_eq(len, CMP_HEADER_LEN + 24);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
  ck_assert(ADDR_Equal(&out.u.del.addr, &req.u.del.addr));
  ck_assert_uint_eq(out.u.del.port, 123);
  buf[CMP_HEADER_LEN] = 0;   /* unspecified family: refused */
  memset(buf + CMP_HEADER_LEN + 4, 0, 16);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_ERR_VALUE);
  buf[CMP_HEADER_LEN] = 9;   /* unknown family */
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_ERR_VALUE);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_DELETE_SOURCE), CMW_PERM_CONTROL);

  memset(&rep, 0, sizeof(rep));
  rep.command = CMP_CMD_DELETE_SOURCE;
  rep.sequence = 5;
  rep.u.matched.matched = 3;
  len = CMW_EncodeReply(&rep, buf, sizeof(buf));
  ck_assert_uint_eq(len, CMP_HEADER_LEN + 4);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &back), CMW_OK);
  ck_assert_uint_eq(back.u.matched.matched, 3);
}
END_TEST

static void sample_ntpdata(CMW_Reply *rep)
{
  CMW_NtpData *d = &rep->u.ntpdata.data;
  size_t i;

  memset(rep, 0, sizeof(*rep));
  rep->command = CMP_CMD_NTPDATA;
  rep->sequence = 99;
  rep->u.ntpdata.total = 3;
  rep->u.ntpdata.index = 2;
  rep->u.ntpdata.count = 1;
  snprintf(d->name, sizeof(d->name), "ntp.example");
  ADDR_Parse("2001:db8::7", &d->remote);
  ADDR_Parse("2001:db8::1", &d->local);
  d->remote_port = 123;
  d->local_port = 40000;
  d->leap = 1;
  d->mode = 4;
  d->stratum = 2;
  d->poll = -3;
  d->flags = CMP_NTPD_F_ALL;
  d->ref_id = 0xC0000201u;
  d->tx = 0x0102030405060708ull;
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    d->rx[i] = 1000 + i;
  }
  d->offset = -1.5e-4;
  d->delay = 2.5e-4;
  d->dispersion = 1e-6;
  d->root_delay = 0.01;
  d->root_dispersion = 0.02;
  d->last_rx_ago = 17.0;
  d->jitter = 3e-6;
}

START_TEST(test_ntpdata_roundtrip)
{
  uint8_t buf[CMP_MAX_PACKET + 8];
  CMW_Reply in, out;
  CMW_NtpData *o = &out.u.ntpdata.data;
  size_t len, i, rep_len, req_len;

  ck_assert(CMW_CommandLengths(CMP_CMD_NTPDATA, &req_len, &rep_len));
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN + 264);
  ck_assert_uint_eq(req_len, rep_len);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_NTPDATA), CMW_PERM_OPEN);
  sample_ntpdata(&in);
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_eq(len, rep_len);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.ntpdata.total, 3);
  ck_assert_uint_eq(out.u.ntpdata.index, 2);
  ck_assert_uint_eq(out.u.ntpdata.count, 1);
  ck_assert_str_eq(o->name, "ntp.example");
  ck_assert(ADDR_Equal(&o->remote, &in.u.ntpdata.data.remote));
  ck_assert(ADDR_Equal(&o->local, &in.u.ntpdata.data.local));
  ck_assert_uint_eq(o->remote_port, 123);
  ck_assert_uint_eq(o->local_port, 40000);
  ck_assert_uint_eq(o->leap, 1);
  ck_assert_uint_eq(o->mode, 4);
  ck_assert_uint_eq(o->stratum, 2);
  ck_assert_int_eq(o->poll, -3);
  ck_assert_uint_eq(o->flags, CMP_NTPD_F_ALL);
  ck_assert_uint_eq(o->ref_id, 0xC0000201u);
  ck_assert_uint_eq(o->tx, 0x0102030405060708ull);
  for (i = 0; i < CMP_NTPD_N_RX; i++) {
    ck_assert_uint_eq(o->rx[i], 1000 + i);
    ck_assert_ptr_nonnull(CMW_NtpRxName(i));
  }
  ck_assert_ptr_null(CMW_NtpRxName(CMP_NTPD_N_RX));
  ck_assert_str_eq(CMW_NtpRxName(CMP_NTPD_RX_BOGUS), "bogus");
  ck_assert_double_eq(o->offset, -1.5e-4);
  ck_assert_double_eq(o->delay, 2.5e-4);
  ck_assert_double_eq(o->dispersion, 1e-6);
  ck_assert_double_eq(o->root_delay, 0.01);
  ck_assert_double_eq(o->root_dispersion, 0.02);
  ck_assert_double_eq(o->last_rx_ago, 17.0);
  ck_assert_double_eq(o->jitter, 3e-6);
  /* one byte more or less: refused */
  ck_assert_int_eq(CMW_DecodeReply(buf, len - 1, &out), CMW_ERR_LENGTH);

  /* past the end: count 0, a zero record */
  memset(&in.u.ntpdata.data, 0x5a, sizeof(in.u.ntpdata.data));
  in.u.ntpdata.count = 0;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_eq(len, rep_len);
  for (i = CMP_HEADER_LEN + CMP_NTPD_RECORD; i < len; i++) {
    ck_assert_uint_eq(buf[i], 0);
  }
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.ntpdata.count, 0);
}
END_TEST

START_TEST(test_ntpdata_bad_values)
{
  uint8_t buf[CMP_MAX_PACKET + 8];
  CMW_Reply in, out;
  size_t len;
  uint8_t *rec = buf + CMP_HEADER_LEN + CMP_NTPD_RECORD;
  int i;

  /* the encoder refuses out-of-range fields */
  for (i = 0; i < 4; i++) {
    sample_ntpdata(&in);
    switch (i) {
    case 0: in.u.ntpdata.count = 2; break;
    case 1: in.u.ntpdata.data.leap = 4; break;
    case 2: in.u.ntpdata.data.flags = 0x80; break;
    default: in.u.ntpdata.data.remote.family = 7; break;
    }
    ck_assert_msg(CMW_EncodeReply(&in, buf, sizeof(buf)) == 0, "case %d encoded", i);
  }
  /* a NaN is sent as 0 */
  sample_ntpdata(&in);
  in.u.ntpdata.data.offset = NAN;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_double_eq(out.u.ntpdata.data.offset, 0.0);
  /* and the decoder refuses what the encoder never sends */
  for (i = 0; i < 6; i++) {
    sample_ntpdata(&in);
    len = CMW_EncodeReply(&in, buf, sizeof(buf));
    switch (i) {
    case 0: buf[CMP_HEADER_LEN + CMP_NTPD_COUNT + 3] = 2; break;
    case 1: rec[CMP_NTPD_LEAP] = 4; break;
    case 2: rec[CMP_NTPD_FLAGS] = 0x80; break;
    case 3: rec[CMP_NTPD_LOCAL] = 7; break;
    case 4: memset(rec + CMP_NTPD_DOUBLES + 8, 0xFF, 8); break;   /* NaN delay */
    default: rec[CMP_NTPD_NAME + 2] = '\n'; break;
    }
    ck_assert_msg(CMW_DecodeReply(buf, len, &out) == CMW_ERR_VALUE, "case %d decoded", i);
  }
}
END_TEST

START_TEST(test_ntpdata_from_report)
{
  SYN_SourceReport r;
  CMW_NtpData d;
  size_t i;

  memset(&r, 0, sizeof(r));
  snprintf(r.name, sizeof(r.name), "a\tb");
  ADDR_Parse("192.0.2.3", &r.addr);
  r.port = 1123;
  r.poll = 300;
  r.std_dev = 2e-6;
  r.last_rx_ago = 5.0;
  r.ntp.tx = 12;
  for (i = 0; i < NSC_RX_COUNT; i++) {
    r.ntp.rx[i] = i * 2;
  }
  r.ntp.online = 1;
  /* no valid response yet: leap 3, mode 0, never */
  CMW_NtpDataFromReport(&r, &d);
  ck_assert_str_eq(d.name, "a?b");
  ck_assert(ADDR_Equal(&d.remote, &r.addr));
  ck_assert_uint_eq(d.local.family, ADDR_UNSPEC);
  ck_assert_uint_eq(d.remote_port, 1123);
  ck_assert_int_eq(d.poll, 127);
  ck_assert_uint_eq(d.leap, 3);
  ck_assert_uint_eq(d.mode, 0);
  ck_assert_double_eq(d.last_rx_ago, -1.0);
  ck_assert_uint_eq(d.flags, CMP_NTPD_F_ONLINE);
  ck_assert_uint_eq(d.tx, 12);
  ck_assert_uint_eq(d.rx[CMP_NTPD_RX_DUPLICATE], 2 * NSC_RX_DUPLICATE);

  r.ntp.have_last = 1;
  r.ntp.stopped_by_kod = 1;
  r.ntp.last_sample.leap = 2;
  r.ntp.last_sample.stratum = 400;
  r.ntp.last_sample.ref_id = 0x47505300u;
  r.ntp.last_sample.offset = 1e-3;   /* server ahead: local clock behind */
  r.ntp.last_sample.delay = 4e-4;
  r.ntp.last_sample.dispersion = INFINITY;
  r.ntp.last_sample.root_delay = 1e-5;
  r.ntp.last_sample.root_dispersion = 2e-5;
  CMW_NtpDataFromReport(&r, &d);
  ck_assert_uint_eq(d.leap, 2);
  ck_assert_uint_eq(d.mode, 4);
  ck_assert_uint_eq(d.stratum, 255);
  ck_assert_uint_eq(d.ref_id, 0x47505300u);
  ck_assert_double_eq(d.offset, -1e-3);     /* chronyc sign: negative = local behind */
  ck_assert_double_eq(d.delay, 4e-4);
  ck_assert_double_eq(d.dispersion, 0.0);   /* never infinite on the wire */
  ck_assert_double_eq(d.root_delay, 1e-5);
  ck_assert_double_eq(d.root_dispersion, 2e-5);
  ck_assert_double_eq(d.last_rx_ago, 5.0);
  ck_assert_double_eq(d.jitter, 2e-6);
  ck_assert_uint_eq(d.flags, CMP_NTPD_F_ALL);
}
END_TEST

void CMW_TestAddSourceTests(TCase *tc)
{
  tcase_add_test(tc, test_add_values);
  tcase_add_test(tc, test_delete_values);
  tcase_add_test(tc, test_ntpdata_roundtrip);
  tcase_add_test(tc, test_ntpdata_bad_values);
  tcase_add_test(tc, test_ntpdata_from_report);
}
