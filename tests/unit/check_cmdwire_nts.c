/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_cmdwire_nts.c - unit tests of the NTS commands of the command socket codec
 * (cmdmon_wire.c, cmdmon_src.c): SERVERSTATS2 and the appended NTS counters, AUTHDATA round
 * trips, bad values and the record made from an engine report, RELOAD.  Part of the cmdwire
 * suite (check_cmdwire.c adds these tests to its test case).  No I/O.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cmdmon_wire.h"
#include "suites.h"

void CMW_TestNtsTests(TCase *tc);

/* Encode, check the table length, decode; then one byte short and one byte long must be
   refused. */
static void roundtrip(const CMW_Reply *in, CMW_Reply *out)
{
  uint8_t buf[CMP_MAX_PACKET + 8];
  size_t len, rep_len;

  len = CMW_EncodeReply(in, buf, sizeof(buf));
  ck_assert_int_eq(CMW_CommandLengths(in->command, NULL, &rep_len), 1);
  ck_assert_uint_eq(len, rep_len);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, out), CMW_OK);
  ck_assert_uint_eq(out->command, in->command);
  ck_assert_uint_eq(out->sequence, in->sequence);
  ck_assert_int_eq(CMW_DecodeReply(buf, len - 1, out), CMW_ERR_LENGTH);
  buf[len] = 0;
  ck_assert_int_eq(CMW_DecodeReply(buf, len + 1, out), CMW_ERR_LENGTH);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, out), CMW_OK);
}

START_TEST(test_nts_command_table)
{
  size_t req_len, rep_len;

  /* Exact lengths: a change here is a protocol change. */
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_SERVERSTATS2, &req_len, &rep_len), 1);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN + 8 + 8 * 60);
  ck_assert_uint_eq(req_len, rep_len);
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_AUTHDATA, &req_len, &rep_len), 1);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN + 16 + 336);
  ck_assert_uint_eq(req_len, rep_len);
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_RELOAD, &req_len, &rep_len), 1);
  ck_assert_uint_eq(req_len, CMP_HEADER_LEN + 8);
  ck_assert_uint_eq(rep_len, CMP_HEADER_LEN);
  /* Every one fits the longest packet and amplifies nothing. */
  ck_assert_int_eq(CMW_CommandLengths(CMP_CMD_SERVERSTATS2, &req_len, NULL), 1);
  ck_assert_uint_le(req_len, CMP_MAX_PACKET);
  /* Reports are open, reloading is control. */
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_SERVERSTATS2), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_AUTHDATA), CMW_PERM_OPEN);
  ck_assert_int_eq(CMW_CommandPermission(CMP_CMD_RELOAD), CMW_PERM_CONTROL);
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_SERVERSTATS2), "serverstats2");
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_AUTHDATA), "authdata");
  ck_assert_str_eq(CMW_CommandName(CMP_CMD_RELOAD), "reload");
}
END_TEST

START_TEST(test_serverstats2_roundtrip)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t i, len;

  /* Append only: the first new counter follows cmd_rejected, and the numbers stay. */
  ck_assert_int_eq(CMW_SS_CMD_REJECTED, 17);
  ck_assert_int_eq(CMW_SS_NTS_REQUESTS, 18);
  ck_assert_int_eq(CMW_SS_KE_ACCEPTED, 27);
  ck_assert_int_eq(CMW_SS_KE_CERT_RELOAD_FAILURES, 37);
  ck_assert_int_eq(CMW_N_SERVERSTATS, 38);
  ck_assert_str_eq(CMW_ServerStatName(CMW_SS_NTS_REQUESTS), "nts_requests");
  ck_assert_str_eq(CMW_ServerStatName(CMW_SS_NTS_NAK_COOKIE), "nts_nak_cookie");
  ck_assert_str_eq(CMW_ServerStatName(CMW_SS_KE_HANDSHAKES), "ke_handshakes");
  ck_assert_str_eq(CMW_ServerStatName(CMW_SS_KE_CERT_RELOADS), "ke_cert_reloads");

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_SERVERSTATS2;
  in.sequence = 0x55AA55AAu;
  for (i = 0; i < CMW_N_SERVERSTATS; i++) {
    in.u.serverstats.v[i] = 0xF0E0D0C0B0A09080ULL - i;
  }
  roundtrip(&in, &out);
  ck_assert_uint_eq(out.u.serverstats.count, CMW_N_SERVERSTATS);
  for (i = 0; i < CMW_N_SERVERSTATS; i++) {
    ck_assert_uint_eq(out.u.serverstats.v[i], in.u.serverstats.v[i]);
  }

  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_eq(len, CMP_HEADER_LEN + CMP_SERVERSTATS2_BODY_LEN);
  /* A daemon from before the NTS counters (18): they read as 0, count says so. */
  buf[CMP_HEADER_LEN + CMP_SST_COUNT + 3] = 18;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.serverstats.count, 18);
  ck_assert_uint_eq(out.u.serverstats.v[CMW_SS_CMD_REJECTED], in.u.serverstats.v[17]);
  ck_assert_uint_eq(out.u.serverstats.v[CMW_SS_NTS_REQUESTS], 0);
  /* A newer daemon using every slot: we keep what we know. */
  buf[CMP_HEADER_LEN + CMP_SST_COUNT + 3] = CMP_SERVERSTATS2_SLOTS;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.serverstats.count, CMW_N_SERVERSTATS);
  /* More than the slots: invalid. */
  buf[CMP_HEADER_LEN + CMP_SST_COUNT + 3] = CMP_SERVERSTATS2_SLOTS + 1;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  buf[CMP_HEADER_LEN + CMP_SST_COUNT] = 1;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);

  /* The old command keeps its length and its first 32 counters. */
  in.command = CMP_CMD_SERVERSTATS;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_eq(len, CMP_HEADER_LEN + CMP_SERVERSTATS_BODY_LEN);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.serverstats.count, CMP_SERVERSTATS_SLOTS);
  ck_assert_uint_eq(out.u.serverstats.v[CMP_SERVERSTATS_SLOTS - 1],
                    in.u.serverstats.v[CMP_SERVERSTATS_SLOTS - 1]);
  ck_assert_uint_eq(out.u.serverstats.v[CMP_SERVERSTATS_SLOTS], 0);
}
END_TEST

static void sample_auth(CMW_AuthData *d)
{
  memset(d, 0, sizeof(*d));
  snprintf(d->name, sizeof(d->name), "nts.example.net");
  d->addr.family = ADDR_INET6;
  d->addr.addr[0] = 0x20;
  d->addr.addr[1] = 0x01;
  d->addr.addr[15] = 0x7b;
  d->port = 11123;
  d->mode = CMP_AUTH_MODE_NTS;
  d->ke_state = CMP_AUTH_KE_DONE;
  d->aead = 15;
  d->cookies = 8;
  d->cookie_len = 100;
  d->ke_port = 4460;
  d->ntp_port = 65535;
  d->ke_attempts = 0x0102030405060708ULL;
  d->ke_failures = 3;
  d->naks = 0xFFFFFFFFFFFFFFFFULL;
  d->auth_failures = 9;
  d->last_ke_ago = 1234.5;
  snprintf(d->last_error, sizeof(d->last_error), "certificate is not trusted: \"x\"");
  snprintf(d->ke_server, sizeof(d->ke_server), "ke.example.net");
}

START_TEST(test_authdata_roundtrip)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Reply in, out;
  size_t len;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_AUTHDATA;
  in.sequence = 41;
  in.u.authdata.total = 5;
  in.u.authdata.index = 4;
  in.u.authdata.count = 1;
  sample_auth(&in.u.authdata.data);
  roundtrip(&in, &out);
  ck_assert_uint_eq(out.u.authdata.total, 5);
  ck_assert_uint_eq(out.u.authdata.index, 4);
  ck_assert_uint_eq(out.u.authdata.count, 1);
  ck_assert_mem_eq(&out.u.authdata.data, &in.u.authdata.data, sizeof(CMW_AuthData));

  /* Past the end: count 0 and a zero record. */
  in.u.authdata.count = 0;
  len = CMW_EncodeReply(&in, buf, sizeof(buf));
  ck_assert_uint_gt(len, 0);
  ck_assert_uint_eq(buf[CMP_HEADER_LEN + CMP_AUTH_RECORD], 0);
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.authdata.count, 0);
  ck_assert_str_eq(out.u.authdata.data.name, "");

  /* A source without authentication. */
  in.u.authdata.count = 1;
  memset(&in.u.authdata.data, 0, sizeof(in.u.authdata.data));
  snprintf(in.u.authdata.data.name, sizeof(in.u.authdata.data.name), "192.0.2.1");
  in.u.authdata.data.last_ke_ago = -1.0;
  roundtrip(&in, &out);
  ck_assert_uint_eq(out.u.authdata.data.mode, CMP_AUTH_MODE_NONE);
  ck_assert_double_eq(out.u.authdata.data.last_ke_ago, -1.0);
  ck_assert_str_eq(CMW_AuthModeName(out.u.authdata.data.mode), "-");
  ck_assert_str_eq(CMW_AuthModeName(CMP_AUTH_MODE_NTS), "NTS");
  ck_assert_str_eq(CMW_AuthModeName(2), "?");
  ck_assert_str_eq(CMW_AuthKeStateName(CMP_AUTH_KE_FAILED), "failed");
  ck_assert_str_eq(CMW_AuthKeStateName(CMP_AUTH_KE_COUNT), "?");
}
END_TEST

START_TEST(test_authdata_bad_values)
{
  uint8_t buf[CMP_MAX_PACKET], good[CMP_MAX_PACKET];
  uint8_t *rec = buf + CMP_HEADER_LEN + CMP_AUTH_RECORD;
  CMW_Reply in, out;
  size_t len;
  uint64_t nan_bits = 0x7FF8000000000000ULL;
  int i;

  memset(&in, 0, sizeof(in));
  in.command = CMP_CMD_AUTHDATA;
  in.u.authdata.count = 1;
  sample_auth(&in.u.authdata.data);

  /* The encoder refuses what the decoder would refuse. */
  in.u.authdata.count = 2;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.authdata.count = 1;
  in.u.authdata.data.mode = CMP_AUTH_MODE_COUNT;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.authdata.data.mode = CMP_AUTH_MODE_NTS;
  in.u.authdata.data.ke_state = CMP_AUTH_KE_COUNT;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  in.u.authdata.data.ke_state = CMP_AUTH_KE_FAILED;
  in.u.authdata.data.last_error[3] = '\n';
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  /* An error text filling the whole field has no room for its NUL. */
  memset(in.u.authdata.data.last_error, 'e', sizeof(in.u.authdata.data.last_error));
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  sample_auth(&in.u.authdata.data);
  in.u.authdata.data.ke_server[0] = (char)0x80;
  ck_assert_uint_eq(CMW_EncodeReply(&in, buf, sizeof(buf)), 0);
  sample_auth(&in.u.authdata.data);
  /* A NaN is sent as 0, never as NaN. */
  in.u.authdata.data.last_ke_ago = NAN;
  len = CMW_EncodeReply(&in, good, sizeof(good));
  ck_assert_uint_gt(len, 0);
  ck_assert_int_eq(CMW_DecodeReply(good, len, &out), CMW_OK);
  ck_assert_double_eq(out.u.authdata.data.last_ke_ago, 0.0);

  /* The decoder refuses each bad field of an otherwise good reply. */
  memcpy(buf, good, len);
  buf[CMP_HEADER_LEN + CMP_AUTH_COUNT + 3] = 2;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  rec[CMP_AUTH_MODE] = CMP_AUTH_MODE_COUNT;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  rec[CMP_AUTH_KE_STATE] = 0xFF;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  rec[CMP_AUTH_ADDR] = 5; /* no such family */
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  memset(rec + CMP_AUTH_ERROR, 'a', CMP_AUTH_ERROR_LEN); /* no NUL */
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  rec[CMP_AUTH_ERROR + CMP_AUTH_ERROR_LEN - 1] = 'z'; /* junk after the NUL */
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  rec[CMP_AUTH_ERROR] = 0x07;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  rec[CMP_AUTH_KE_SERVER + CMP_SOURCE_NAME_LEN - 1] = 'k';
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  rec[CMP_AUTH_NAME] = 0x7F;
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  memcpy(buf, good, len);
  for (i = 0; i < 8; i++) {
    rec[CMP_AUTH_LAST_KE_AGO + i] = (uint8_t)(nan_bits >> (56 - 8 * i));
  }
  ck_assert_int_eq(CMW_DecodeReply(buf, len, &out), CMW_ERR_VALUE);
  /* And the untouched copy still decodes. */
  ck_assert_int_eq(CMW_DecodeReply(good, len, &out), CMW_OK);
}
END_TEST

START_TEST(test_authdata_from_report)
{
  SYN_SourceReport r;
  CMW_AuthData d;
  size_t i;

  /* Without NTS: mode "-", nothing else, even if the report has leftovers. */
  memset(&r, 0, sizeof(r));
  snprintf(r.name, sizeof(r.name), "192.0.2.7");
  r.addr.family = ADDR_INET4;
  r.addr.addr[0] = 192;
  r.addr.addr[3] = 7;
  r.port = 123;
  r.nts.naks = 5;
  CMW_AuthDataFromReport(&r, &d);
  ck_assert_uint_eq(d.mode, CMP_AUTH_MODE_NONE);
  ck_assert_str_eq(d.name, "192.0.2.7");
  ck_assert_uint_eq(d.addr.family, ADDR_INET4);
  ck_assert_uint_eq(d.port, 123);
  ck_assert_uint_eq(d.naks, 0);
  ck_assert_double_eq(d.last_ke_ago, -1.0);

  /* With NTS. */
  r.nts.enabled = 1;
  r.nts.ke_state = 2;
  r.nts.aead = 15;
  r.nts.n_cookies = 7;
  r.nts.cookie_len = 100;
  r.nts.ke_attempts = 4;
  r.nts.ke_failures = 1;
  r.nts.naks = 2;
  r.nts.auth_failures = 6;
  r.nts.last_ke_ago = 61.5;
  r.nts.ke_port = 4460;
  r.nts.ntp_port = 123;
  snprintf(r.nts.ke_server, sizeof(r.nts.ke_server), "ke.example");
  snprintf(r.nts.last_error, sizeof(r.nts.last_error), "NAK\tfrom server");
  CMW_AuthDataFromReport(&r, &d);
  ck_assert_uint_eq(d.mode, CMP_AUTH_MODE_NTS);
  ck_assert_uint_eq(d.ke_state, CMP_AUTH_KE_DONE);
  ck_assert_uint_eq(d.aead, 15);
  ck_assert_uint_eq(d.cookies, 7);
  ck_assert_uint_eq(d.cookie_len, 100);
  ck_assert_uint_eq(d.ke_attempts, 4);
  ck_assert_uint_eq(d.ke_failures, 1);
  ck_assert_uint_eq(d.naks, 2);
  ck_assert_uint_eq(d.auth_failures, 6);
  ck_assert_double_eq(d.last_ke_ago, 61.5);
  ck_assert_uint_eq(d.ke_port, 4460);
  ck_assert_uint_eq(d.ntp_port, 123);
  ck_assert_str_eq(d.ke_server, "ke.example");
  ck_assert_str_eq(d.last_error, "NAK?from server"); /* unprintable bytes become '?' */

  /* Out-of-range values are clamped, not sent. */
  r.nts.ke_state = 9;
  r.nts.n_cookies = -3;
  r.nts.cookie_len = 70000;
  r.nts.last_ke_ago = NAN;
  memset(r.name, 'n', sizeof(r.name) - 1);
  memset(r.nts.last_error, 'e', sizeof(r.nts.last_error)); /* not even terminated */
  CMW_AuthDataFromReport(&r, &d);
  ck_assert_uint_eq(d.ke_state, CMP_AUTH_KE_NONE);
  ck_assert_uint_eq(d.cookies, 0);
  ck_assert_uint_eq(d.cookie_len, 65535);
  ck_assert_double_eq(d.last_ke_ago, -1.0);
  ck_assert_uint_eq(strlen(d.name), CMP_SOURCE_NAME_LEN - 1);
  ck_assert_uint_eq(strlen(d.last_error), CMP_AUTH_ERROR_LEN - 1);
  for (i = 0; i < strlen(d.last_error); i++) {
    ck_assert_int_eq(d.last_error[i], 'e');
  }
  /* What the conversion makes always encodes. */
  {
    CMW_Reply rep;
    uint8_t buf[CMP_MAX_PACKET];

    memset(&rep, 0, sizeof(rep));
    rep.command = CMP_CMD_AUTHDATA;
    rep.u.authdata.count = 1;
    rep.u.authdata.data = d;
    ck_assert_uint_gt(CMW_EncodeReply(&rep, buf, sizeof(buf)), 0);
  }
}
END_TEST

START_TEST(test_reload_values)
{
  uint8_t buf[CMP_MAX_PACKET];
  CMW_Request req, out;
  size_t len;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_RELOAD;
  req.sequence = 12;
  /* Only CERTS is known: anything else is refused on both sides. */
  req.u.reload.what = 0;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  req.u.reload.what = 2;
  ck_assert_uint_eq(CMW_EncodeRequest(&req, buf, sizeof(buf)), 0);
  req.u.reload.what = CMP_RELOAD_CERTS;
  len = CMW_EncodeRequest(&req, buf, sizeof(buf));
  ck_assert_uint_eq(len, CMP_HEADER_LEN + CMP_RELOAD_REQ_BODY_LEN);
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
  ck_assert_uint_eq(out.u.reload.what, CMP_RELOAD_CERTS);
  buf[CMP_HEADER_LEN + 3] = 7;
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_ERR_VALUE);
  /* The header is still known, so the daemon can answer INVALID_ARGUMENT. */
  ck_assert_uint_eq(out.command, CMP_CMD_RELOAD);
  ck_assert_uint_eq(out.sequence, 12);
  ck_assert_int_eq(CMW_StatusForResult(CMW_ERR_VALUE), CMP_STATUS_INVALID_ARGUMENT);
  /* The reserved word after it is ignored. */
  buf[CMP_HEADER_LEN + 3] = CMP_RELOAD_CERTS;
  buf[CMP_HEADER_LEN + 7] = 0xFF;
  ck_assert_int_eq(CMW_DecodeRequest(buf, len, &out), CMW_OK);
  /* Wrong length. */
  ck_assert_int_eq(CMW_DecodeRequest(buf, len - 1, &out), CMW_ERR_LENGTH);
}
END_TEST

void CMW_TestNtsTests(TCase *tc)
{
  tcase_add_test(tc, test_nts_command_table);
  tcase_add_test(tc, test_serverstats2_roundtrip);
  tcase_add_test(tc, test_authdata_roundtrip);
  tcase_add_test(tc, test_authdata_bad_values);
  tcase_add_test(tc, test_authdata_from_report);
  tcase_add_test(tc, test_reload_values);
}
