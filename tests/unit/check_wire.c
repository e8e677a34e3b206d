/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_wire.c - unit tests of ntp_wire.c: every parse status, every mode and version,
 * legacy MAC lengths, RFC 7822 extension field chains and their bad lengths, the header
 * round trip, extension field padding, and legacy mode 6/7 packets.  Test code only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntp_wire.h"
#include "suites.h"

/* A 48-byte header: LI 0, the given version and mode, the rest a recognisable pattern. */
static void
make_header(uint8_t *buf, int version, int mode)
{
  size_t i;

  for (i = 0; i < NWR_HEADER_LEN; i++) {
    buf[i] = (uint8_t)(i * 7 + 1);
  }
  buf[0] = (uint8_t)((version << 3) | mode);
}

/* Write an extension field header (type, length) and fill its body with `fill`; the body
   size is flen - 4 whatever flen says, so bad lengths can be written too. */
static size_t
put_ef(uint8_t *buf, size_t off, uint16_t type, uint16_t flen, size_t real_len, uint8_t fill)
{
  buf[off] = (uint8_t)(type >> 8);
  buf[off + 1] = (uint8_t)type;
  buf[off + 2] = (uint8_t)(flen >> 8);
  buf[off + 3] = (uint8_t)flen;
  memset(buf + off + 4, fill, real_len - 4);
  return off + real_len;
}

/* A MAC: key id then digest bytes 0xd0, 0xd1, ... */
static size_t
put_mac(uint8_t *buf, size_t off, uint32_t key_id, size_t digest_len)
{
  size_t i;

  buf[off] = (uint8_t)(key_id >> 24);
  buf[off + 1] = (uint8_t)(key_id >> 16);
  buf[off + 2] = (uint8_t)(key_id >> 8);
  buf[off + 3] = (uint8_t)key_id;
  for (i = 0; i < digest_len; i++) {
    buf[off + 4 + i] = (uint8_t)(0xd0 + i);
  }
  return off + 4 + digest_len;
}

START_TEST(test_status_names)
{
  int s, t;

  for (s = 0; s < NWR_ERR_COUNT; s++) {
    const char *n = NWR_StatusName((NWR_Status)s);

    ck_assert_ptr_nonnull(n);
    ck_assert_str_ne(n, "unknown");
    for (t = 0; t < s; t++) {
      ck_assert_str_ne(n, NWR_StatusName((NWR_Status)t));
    }
  }
  ck_assert_str_eq(NWR_StatusName(NWR_OK), "ok");
  ck_assert_str_eq(NWR_StatusName(NWR_ERR_COUNT), "unknown");
  ck_assert_str_eq(NWR_StatusName((NWR_Status)99), "unknown");
}
END_TEST

START_TEST(test_short_long)
{
  uint8_t buf[NWR_MAX_PACKET + 8];
  NWR_Packet p;
  size_t len;

  memset(buf, 0, sizeof(buf));
  make_header(buf, 4, 3);
  for (len = 0; len < NWR_HEADER_LEN; len++) {
    ck_assert_int_eq(NWR_Parse(buf, len, &p), NWR_ERR_SHORT);
    ck_assert_uint_eq(p.n_ef, 0);
    ck_assert_int_eq(p.has_mac, 0);
  }
  /* NULL with length 0 is safe: nothing is read. */
  ck_assert_int_eq(NWR_Parse(NULL, 0, &p), NWR_ERR_SHORT);
  ck_assert_int_eq(NWR_Parse(buf, NWR_MAX_PACKET + 1, &p), NWR_ERR_LONG);
  /* The header is still filled, so a caller can count by mode. */
  ck_assert_uint_eq(p.h.version, 4);
  ck_assert_uint_eq(p.h.mode, 3);
  ck_assert_uint_eq(p.length, NWR_MAX_PACKET + 1);
  /* Exactly NWR_MAX_PACKET of zero-typed bytes is not oversized, just bad fields. */
  ck_assert_int_ne(NWR_Parse(buf, NWR_MAX_PACKET, &p), NWR_ERR_LONG);
}
END_TEST

START_TEST(test_modes_versions)
{
  uint8_t buf[NWR_HEADER_LEN];
  NWR_Packet p;
  int v, m, li;

  for (li = 0; li < 4; li++) {
    for (v = 0; v < 8; v++) {
      for (m = 0; m < 8; m++) {
        NWR_Status want = (v >= 1 && v <= 4) ? NWR_OK : NWR_ERR_VERSION;

        make_header(buf, v, m);
        buf[0] |= (uint8_t)(li << 6);
        ck_assert_int_eq(NWR_Parse(buf, sizeof(buf), &p), want);
        /* Filled on success and on a version error alike. */
        ck_assert_uint_eq(p.h.leap, li);
        ck_assert_uint_eq(p.h.version, v);
        ck_assert_uint_eq(p.h.mode, m);
        ck_assert_uint_eq(p.h.stratum, buf[1]);
        ck_assert_uint_eq(p.length, NWR_HEADER_LEN);
        ck_assert_uint_eq(p.n_ef, 0);
        ck_assert_int_eq(p.has_mac, 0);
      }
    }
  }
}
END_TEST

START_TEST(test_header_round_trip)
{
  NWR_Header h, h2;
  NWR_Packet p;
  uint8_t buf[NWR_HEADER_LEN], buf2[NWR_HEADER_LEN];
  static const uint8_t want[NWR_HEADER_LEN] = {
      0xe3, 0x02, 0xfa, 0xe9, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x00, 0x10,
      0x7f, 0x7f, 0x01, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
      0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x21, 0x22, 0x23, 0x24,
      0x25, 0x26, 0x27, 0x28, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8};

  memset(&h, 0, sizeof(h));
  h.leap = NWR_LEAP_UNSYNC;
  h.version = 4;
  h.mode = NWR_MODE_CLIENT;
  h.stratum = 2;
  h.poll = -6;
  h.precision = -23;
  h.root_delay = 0x00018000u;
  h.root_dispersion = 0x10;
  h.ref_id = 0x7f7f0101u;
  h.ref_ts = 0x0102030405060708ULL;
  h.orig_ts = 0x1112131415161718ULL;
  h.rx_ts = 0x2122232425262728ULL;
  h.tx_ts = 0xf1f2f3f4f5f6f7f8ULL;

  ck_assert_uint_eq(NWR_EncodeHeader(&h, buf, sizeof(buf)), NWR_HEADER_LEN);
  ck_assert_mem_eq(buf, want, sizeof(want));
  ck_assert_int_eq(NWR_Parse(buf, sizeof(buf), &p), NWR_OK);
  h2 = p.h;
  ck_assert_uint_eq(h2.leap, h.leap);
  ck_assert_uint_eq(h2.version, h.version);
  ck_assert_uint_eq(h2.mode, h.mode);
  ck_assert_uint_eq(h2.stratum, h.stratum);
  ck_assert_int_eq(h2.poll, -6);
  ck_assert_int_eq(h2.precision, -23);
  ck_assert_uint_eq(h2.root_delay, h.root_delay);
  ck_assert_uint_eq(h2.root_dispersion, h.root_dispersion);
  ck_assert_uint_eq(h2.ref_id, h.ref_id);
  ck_assert_uint_eq(h2.ref_ts, h.ref_ts);
  ck_assert_uint_eq(h2.orig_ts, h.orig_ts);
  ck_assert_uint_eq(h2.rx_ts, h.rx_ts);
  ck_assert_uint_eq(h2.tx_ts, 0xf1f2f3f4f5f6f7f8ULL);
  /* Encoding the parsed header gives the same bytes. */
  memset(buf2, 0, sizeof(buf2));
  ck_assert_uint_eq(NWR_EncodeHeader(&h2, buf2, sizeof(buf2)), NWR_HEADER_LEN);
  ck_assert_mem_eq(buf2, want, sizeof(want));

  /* Too small a buffer writes nothing. */
  memset(buf, 0xaa, sizeof(buf));
  ck_assert_uint_eq(NWR_EncodeHeader(&h, buf, NWR_HEADER_LEN - 1), 0);
  ck_assert_uint_eq(buf[0], 0xaa);
  /* Out-of-range fields are masked to their width. */
  h.leap = 0xff;
  h.version = 0x0c; /* 4 in the low 3 bits */
  h.mode = 0x0b;    /* 3 */
  ck_assert_uint_eq(NWR_EncodeHeader(&h, buf, sizeof(buf)), NWR_HEADER_LEN);
  ck_assert_uint_eq(buf[0], 0xe3);
}
END_TEST

START_TEST(test_legacy_requests)
{
  uint8_t buf[NWR_HEADER_LEN + 16];
  NWR_Packet p;

  /* ntpdc monlist (MON_GETLIST_1, the amplification vector): v2, mode 7. */
  memset(buf, 0, sizeof(buf));
  buf[0] = 0x17;
  buf[1] = 0x00;
  buf[2] = 0x03;
  buf[3] = 0x2a;
  ck_assert_int_eq(NWR_Parse(buf, 48, &p), NWR_OK);
  ck_assert_uint_eq(p.h.version, 2);
  ck_assert_uint_eq(p.h.mode, NWR_MODE_PRIVATE);

  /* ntpq READVAR: v2, mode 6, opcode 2, sequence 1. */
  memset(buf, 0, sizeof(buf));
  buf[0] = 0x16;
  buf[1] = 0x02;
  buf[2] = 0x00;
  buf[3] = 0x01;
  ck_assert_int_eq(NWR_Parse(buf, 48, &p), NWR_OK);
  ck_assert_uint_eq(p.h.version, 2);
  ck_assert_uint_eq(p.h.mode, NWR_MODE_CONTROL);
  /* The bare 12-byte mode 6 header is too short to be an NTP packet. */
  ck_assert_int_eq(NWR_Parse(buf, 12, &p), NWR_ERR_SHORT);

  /* An RFC 1305 v1 request with mode 0. */
  memset(buf, 0, sizeof(buf));
  buf[0] = 0x08;
  ck_assert_int_eq(NWR_Parse(buf, 48, &p), NWR_OK);
  ck_assert_uint_eq(p.h.version, 1);
  ck_assert_uint_eq(p.h.mode, NWR_MODE_RESERVED);
}
END_TEST

START_TEST(test_mac_lengths)
{
  static const size_t digests[] = {0, 16, 20, 64, 4, 8, 28, 32, 48};
  uint8_t buf[NWR_HEADER_LEN + NWR_MAX_MAC_LEN + 8];
  NWR_Packet p;
  size_t i, len;
  int v;

  for (v = 1; v <= 4; v++) {
    for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
      make_header(buf, v, 3);
      len = put_mac(buf, NWR_HEADER_LEN, 0x01020304u + (uint32_t)i, digests[i]);
      ck_assert_int_eq(NWR_Parse(buf, len, &p), NWR_OK);
      ck_assert_int_eq(p.has_mac, 1);
      ck_assert_uint_eq(p.key_id, 0x01020304u + i);
      ck_assert_uint_eq(p.mac_len, digests[i]);
      ck_assert_uint_eq(p.n_ef, 0);
      if (digests[i] > 0) {
        ck_assert_ptr_eq(p.mac, buf + NWR_HEADER_LEN + 4);
        ck_assert_uint_eq(p.mac[0], 0xd0);
        ck_assert_uint_eq(p.mac[digests[i] - 1], (uint8_t)(0xd0 + digests[i] - 1));
      }
    }
    /* Longer than a key id + SHA-512 digest, or not whole words: neither MAC nor field. */
    make_header(buf, v, 3);
    len = put_mac(buf, NWR_HEADER_LEN, 1, 68);
    ck_assert_int_eq(NWR_Parse(buf, len, &p), v < 4 ? NWR_ERR_MAC_LENGTH : NWR_ERR_EF_LENGTH);
    ck_assert_int_eq(p.has_mac, 0);
    ck_assert_uint_eq(p.h.version, v);
    for (len = NWR_HEADER_LEN + 1; len < NWR_HEADER_LEN + 4; len++) {
      ck_assert_int_eq(NWR_Parse(buf, len, &p), NWR_ERR_MAC_LENGTH);
    }
    ck_assert_int_eq(NWR_Parse(buf, NWR_HEADER_LEN + 22, &p), NWR_ERR_MAC_LENGTH);
  }
}
END_TEST

START_TEST(test_v3_no_fields)
{
  uint8_t buf[NWR_HEADER_LEN + 128];
  NWR_Packet p;
  size_t len;

  /* A well-formed field after a v3 header is still only a MAC (RFC 7822 is v4 only). */
  make_header(buf, 3, 3);
  len = put_ef(buf, NWR_HEADER_LEN, 0x0104, 32, 32, 0x55);
  ck_assert_int_eq(NWR_Parse(buf, len, &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, 0);
  ck_assert_int_eq(p.has_mac, 1);
  ck_assert_uint_eq(p.key_id, 0x01040020u);
  ck_assert_uint_eq(p.mac_len, 28);
  /* Too long to be a MAC. */
  len = put_ef(buf, NWR_HEADER_LEN, 0x0104, 72, 72, 0x55);
  ck_assert_int_eq(NWR_Parse(buf, len, &p), NWR_ERR_MAC_LENGTH);
  /* The same bytes in v4 are one field. */
  buf[0] = 0x23;
  ck_assert_int_eq(NWR_Parse(buf, len, &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, 1);
  ck_assert_int_eq(p.has_mac, 0);
}
END_TEST

START_TEST(test_ef_chains)
{
  uint8_t buf[NWR_MAX_PACKET];
  NWR_Packet p;
  size_t off, n, i;

  /* One, two and three fields, the last at least 28 bytes (RFC 7822 §7.5). */
  for (n = 1; n <= 3; n++) {
    make_header(buf, 4, 3);
    off = NWR_HEADER_LEN;
    for (i = 0; i + 1 < n; i++) {
      off = put_ef(buf, off, (uint16_t)(0x0100 + i), (uint16_t)(16 + 4 * i), 16 + 4 * i,
                   (uint8_t)i);
    }
    off = put_ef(buf, off, 0x0404, 40, 40, 0xee);
    ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
    ck_assert_uint_eq(p.n_ef, n);
    ck_assert_int_eq(p.has_mac, 0);
    ck_assert_uint_eq(p.length, off);
    for (i = 0; i + 1 < n; i++) {
      ck_assert_uint_eq(p.ef[i].type, 0x0100 + i);
      ck_assert_uint_eq(p.ef[i].length, 16 + 4 * i);
      ck_assert_uint_eq(p.ef[i].body_len, 12 + 4 * i);
      ck_assert_uint_eq(p.ef[i].body[0], i);
      ck_assert_uint_eq(p.ef[i].body[p.ef[i].body_len - 1], i);
    }
    ck_assert_uint_eq(p.ef[n - 1].type, 0x0404);
    ck_assert_ptr_eq(p.ef[n - 1].body, buf + off - 36);
    ck_assert_uint_eq(p.ef[n - 1].body_len, 36);
  }

  /* Fields followed by a 20-byte and a 24-byte MAC, and by a crypto-NAK. */
  for (i = 0; i < 3; i++) {
    static const size_t dig[] = {16, 20, 0};

    make_header(buf, 4, 3);
    off = put_ef(buf, NWR_HEADER_LEN, 0x0104, 16, 16, 0x11);
    off = put_ef(buf, off, 0x0204, 100, 100, 0x22);
    off = put_mac(buf, off, 42, dig[i]);
    ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
    ck_assert_uint_eq(p.n_ef, 2);
    ck_assert_uint_eq(p.ef[1].length, 100);
    ck_assert_int_eq(p.has_mac, 1);
    ck_assert_uint_eq(p.key_id, 42);
    ck_assert_uint_eq(p.mac_len, dig[i]);
  }

  /* A remainder of 16 bytes that is a well-formed field is a field, one that is not
     (length 0) is a 16-byte MAC. */
  make_header(buf, 4, 3);
  off = put_ef(buf, NWR_HEADER_LEN, 0x0001, 16, 16, 0);
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, 1);
  ck_assert_int_eq(p.has_mac, 0);
  off = put_ef(buf, NWR_HEADER_LEN, 0x0001, 0, 16, 0);
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, 0);
  ck_assert_int_eq(p.has_mac, 1);
  ck_assert_uint_eq(p.mac_len, 12);
  /* A 24-byte remainder is a MAC even when it looks like a 24-byte field. */
  off = put_ef(buf, NWR_HEADER_LEN, 0x0001, 24, 24, 0);
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, 0);
  ck_assert_uint_eq(p.mac_len, 20);
}
END_TEST

START_TEST(test_ef_bad_lengths)
{
  static const uint16_t bad[] = {0, 1, 2, 3, 4, 8, 12, 15, 17, 18, 30, 33, 0xfffc, 0xffff,
                                 0x8000};
  uint8_t buf[NWR_MAX_PACKET];
  NWR_Packet p;
  size_t i, off;

  /* After a good field, a bad one with more bytes than a MAC can have is an error. */
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    make_header(buf, 4, 3);
    off = put_ef(buf, NWR_HEADER_LEN, 0x0104, 16, 16, 0x11);
    off = put_ef(buf, off, 0x0204, bad[i], 80, 0x22);
    ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_ERR_EF_LENGTH);
    ck_assert_uint_eq(p.n_ef, 0);
    ck_assert_int_eq(p.has_mac, 0);
    ck_assert_uint_eq(p.h.mode, 3);
    /* And as the first field. */
    off = put_ef(buf, NWR_HEADER_LEN, 0x0204, bad[i], 72, 0x22);
    ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_ERR_EF_LENGTH);
  }
  /* A length one word past the end of the packet. */
  make_header(buf, 4, 3);
  off = put_ef(buf, NWR_HEADER_LEN, 0x0204, 76, 72, 0);
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_ERR_EF_LENGTH);
  off = put_ef(buf, NWR_HEADER_LEN, 0x0204, 72, 72, 0);
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
  /* A good field then an odd-length tail too short for a field. */
  off = put_ef(buf, NWR_HEADER_LEN, 0x0204, 32, 32, 0);
  ck_assert_int_eq(NWR_Parse(buf, off + 2, &p), NWR_ERR_MAC_LENGTH);
  ck_assert_int_eq(NWR_Parse(buf, off + 17, &p), NWR_ERR_MAC_LENGTH);
}
END_TEST

START_TEST(test_too_many_ef)
{
  uint8_t buf[NWR_MAX_PACKET];
  NWR_Packet p;
  size_t off, i;

  make_header(buf, 4, 3);
  off = NWR_HEADER_LEN;
  for (i = 0; i < NWR_MAX_EF; i++) {
    off = put_ef(buf, off, (uint16_t)i, 16, 16, (uint8_t)i);
  }
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, NWR_MAX_EF);
  ck_assert_uint_eq(p.ef[NWR_MAX_EF - 1].type, NWR_MAX_EF - 1);
  /* With a MAC after them still fine. */
  ck_assert_int_eq(NWR_Parse(buf, put_mac(buf, off, 7, 20), &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, NWR_MAX_EF);
  ck_assert_int_eq(p.has_mac, 1);
  /* One more field is too many. */
  off = put_ef(buf, off, 0xffff, 16, 16, 0);
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_ERR_TOO_MANY_EF);
  ck_assert_uint_eq(p.n_ef, 0);
  ck_assert_uint_eq(p.h.version, 4);
}
END_TEST

START_TEST(test_append_ef)
{
  uint8_t buf[256], body[64];
  NWR_Packet p;
  size_t off, i;

  for (i = 0; i < sizeof(body); i++) {
    body[i] = (uint8_t)(0x80 + i);
  }
  memset(buf, 0xaa, sizeof(buf));
  make_header(buf, 4, 3);
  /* 5-byte body: 9 bytes, padded to 12, raised to the 16-byte minimum. */
  off = NWR_AppendExtField(buf, NWR_HEADER_LEN, sizeof(buf), 0x0104, body, 5, NWR_MIN_EF_LEN);
  ck_assert_uint_eq(off, NWR_HEADER_LEN + 16);
  ck_assert_uint_eq(buf[48], 0x01);
  ck_assert_uint_eq(buf[49], 0x04);
  ck_assert_uint_eq(buf[50], 0x00);
  ck_assert_uint_eq(buf[51], 16);
  ck_assert_mem_eq(buf + 52, body, 5);
  for (i = 57; i < 64; i++) {
    ck_assert_uint_eq(buf[i], 0);
  }
  /* 13-byte body: 17 bytes, padded to 20. */
  off = NWR_AppendExtField(buf, off, sizeof(buf), 0x0204, body, 13, NWR_MIN_EF_LEN);
  ck_assert_uint_eq(off, NWR_HEADER_LEN + 36);
  ck_assert_uint_eq(buf[67], 20);
  ck_assert_uint_eq(buf[64 + 4 + 13], 0);
  ck_assert_uint_eq(buf[64 + 19], 0);
  ck_assert_uint_eq(buf[64 + 20], 0xaa); /* nothing written past the field */
  /* Empty body as the last field without MAC: 28 bytes (RFC 7822 §7.5). */
  off = NWR_AppendExtField(buf, off, sizeof(buf), 0x0404, NULL, 0, 28);
  ck_assert_uint_eq(off, NWR_HEADER_LEN + 64);
  /* A min_len that is not a multiple of 4 is rounded up. */
  ck_assert_uint_eq(NWR_AppendExtField(buf, 0, sizeof(buf), 1, body, 1, 17), 20);
  /* A body already a multiple of 4 gets no padding. */
  ck_assert_uint_eq(NWR_AppendExtField(buf, 0, sizeof(buf), 1, body, 60, 16), 64);

  /* Build a packet from the three appended fields and parse it back. */
  make_header(buf, 4, 3);
  off = NWR_AppendExtField(buf, NWR_HEADER_LEN, sizeof(buf), 0x0104, body, 5, NWR_MIN_EF_LEN);
  off = NWR_AppendExtField(buf, off, sizeof(buf), 0x0204, body, 13, NWR_MIN_EF_LEN);
  off = NWR_AppendExtField(buf, off, sizeof(buf), 0x0404, body, 40, 28);
  ck_assert_uint_eq(off, NWR_HEADER_LEN + 16 + 20 + 44);
  ck_assert_int_eq(NWR_Parse(buf, off, &p), NWR_OK);
  ck_assert_uint_eq(p.n_ef, 3);
  ck_assert_uint_eq(p.ef[0].type, 0x0104);
  ck_assert_uint_eq(p.ef[0].body_len, 12);
  ck_assert_mem_eq(p.ef[0].body, body, 5);
  ck_assert_uint_eq(p.ef[1].length, 20);
  ck_assert_mem_eq(p.ef[1].body, body, 13);
  ck_assert_uint_eq(p.ef[2].type, 0x0404);
  ck_assert_mem_eq(p.ef[2].body, body, 40);

  /* Does not fit: the buffer is left alone. */
  memset(buf, 0xaa, sizeof(buf));
  ck_assert_uint_eq(NWR_AppendExtField(buf, 236, 255, 1, body, 13, 16), 0);
  ck_assert_uint_eq(buf[236], 0xaa);
  ck_assert_uint_eq(NWR_AppendExtField(buf, 236, 256, 1, body, 13, 16), 236 + 20);
  ck_assert_uint_eq(NWR_AppendExtField(buf, 300, 256, 1, body, 0, 16), 0);
  ck_assert_uint_eq(NWR_AppendExtField(buf, 0, sizeof(buf), 1, NULL, 5, 16), 0);
  ck_assert_uint_eq(NWR_AppendExtField(buf, 0, SIZE_MAX, 1, body, SIZE_MAX - 2, 16), 0);
  ck_assert_uint_eq(NWR_AppendExtField(buf, 0, SIZE_MAX, 1, body, 8, SIZE_MAX), 0);
}
END_TEST

START_TEST(test_append_ef_limit)
{
  uint8_t *big = calloc(1, 70000), *body = calloc(1, 70000);

  ck_assert_ptr_nonnull(big);
  ck_assert_ptr_nonnull(body);
  /* The largest field the 16-bit length can hold is 65532 bytes. */
  ck_assert_uint_eq(NWR_AppendExtField(big, 0, 70000, 2, body, 65528, 16), 65532);
  ck_assert_uint_eq(big[2], 0xff);
  ck_assert_uint_eq(big[3], 0xfc);
  ck_assert_uint_eq(NWR_AppendExtField(big, 0, 70000, 2, body, 65529, 16), 0);
  ck_assert_uint_eq(NWR_AppendExtField(big, 0, 70000, 2, NULL, 0, 65533), 0);
  ck_assert_uint_eq(NWR_AppendExtField(big, 0, 70000, 2, NULL, 0, 65532), 65532);
  free(body);
  free(big);
}
END_TEST

/* Property: on random v4 and v3 packets, an accepted parse accounts for every byte
   exactly, and every field and MAC lies inside the buffer. */
START_TEST(test_random_accounting)
{
  uint8_t buf[512];
  NWR_Packet p;
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  int iter, ok = 0, errs = 0;

  for (iter = 0; iter < 20000; iter++) {
    size_t len, i, sum;
    NWR_Status st;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    len = NWR_HEADER_LEN + (x % 200);
    for (i = 0; i < len; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      buf[i] = (uint8_t)x;
    }
    buf[0] = (uint8_t)((buf[0] & 0xc7) | ((iter & 1 ? 4 : 3) << 3));
    /* Make the first field length plausible half of the time. */
    if (len > 52 && (iter & 2)) {
      buf[50] = 0;
      buf[51] = (uint8_t)((x >> 8) & 0x7c);
    }
    st = NWR_Parse(buf, len, &p);
    if (st != NWR_OK) {
      errs++;
      ck_assert(st == NWR_ERR_EF_LENGTH || st == NWR_ERR_MAC_LENGTH ||
                st == NWR_ERR_TOO_MANY_EF);
      continue;
    }
    ok++;
    sum = NWR_HEADER_LEN;
    for (i = 0; i < p.n_ef; i++) {
      ck_assert_ptr_eq(p.ef[i].body, buf + sum + 4);
      ck_assert_uint_eq(p.ef[i].body_len + 4, p.ef[i].length);
      ck_assert_uint_ge(p.ef[i].length, NWR_MIN_EF_LEN);
      ck_assert_uint_eq(p.ef[i].length % 4, 0);
      sum += p.ef[i].length;
    }
    if (p.has_mac) {
      ck_assert_uint_le(p.mac_len + 4, NWR_MAX_MAC_LEN);
      ck_assert_uint_eq(p.mac_len % 4, 0);
      if (p.mac_len > 0) {
        ck_assert_ptr_eq(p.mac, buf + sum + 4);
      }
      sum += 4 + p.mac_len;
    }
    ck_assert_uint_eq(sum, len);
  }
  /* Both outcomes were exercised. */
  ck_assert_int_gt(ok, 1000);
  ck_assert_int_gt(errs, 1000);
}
END_TEST

Suite *
wire_suite(void)
{
  Suite *s = suite_create("wire");
  TCase *tc = tcase_create("core");

  tcase_add_test(tc, test_status_names);
  tcase_add_test(tc, test_short_long);
  tcase_add_test(tc, test_modes_versions);
  tcase_add_test(tc, test_header_round_trip);
  tcase_add_test(tc, test_legacy_requests);
  tcase_add_test(tc, test_mac_lengths);
  tcase_add_test(tc, test_v3_no_fields);
  tcase_add_test(tc, test_ef_chains);
  tcase_add_test(tc, test_ef_bad_lengths);
  tcase_add_test(tc, test_too_many_ef);
  tcase_add_test(tc, test_append_ef);
  tcase_add_test(tc, test_append_ef_limit);
  tcase_add_test(tc, test_random_accounting);
  suite_add_tcase(s, tc);
  return s;
}
