/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon_proto.h - the command socket protocol spoken by timed and timectl: wire layout,
 * command numbers, status codes and field offsets.  Constants only; no code, no I/O.
 *
 * Transport: one AF_UNIX datagram per request and per reply.  timectl binds its own
 * address and the daemon answers with sendto() to the sender (SIMULATION-RULES 13).
 *
 * Every multi-byte field is big-endian and written byte by byte; a double travels as its
 * IEEE-754 binary64 bit pattern in a big-endian 64-bit field.  No struct is ever cast onto
 * a packet.
 *
 * Header (12 bytes, requests and replies alike):
 *
 *   offset size field
 *   0      1    version      CMP_VERSION; anything else is dropped without a reply
 *   1      1    type         CMP_TYPE_REQUEST or CMP_TYPE_REPLY
 *   2      2    command      CMP_CMD_*
 *   4      4    sequence     chosen by the client, echoed in the reply
 *   8      2    status       0 in a request; CMP_STATUS_* in a reply
 *   10     2    reserved     0
 *
 * Length rule (the anti-amplification rule of chrony's protocol 6, CVE-2014-0021): each
 * command has ONE entry in the length table (cmdmon_wire.c) giving the exact request
 * length and the exact reply length, and the request length is never smaller than the
 * reply length; the client pads its request with zeros.  A request of any other length
 * is not executed.  A reply with a status other than OK is the bare 12-byte header, so
 * no reply is ever longer than the request that caused it.
 *
 * What the daemon does with a datagram:
 *   - shorter than the header, longer than CMP_MAX_PACKET, wrong version, not a request,
 *     or non-zero status/reserved fields: dropped, no reply at all (counter cmd_dropped);
 *   - well-formed header, unknown command: header-only UNKNOWN_COMMAND reply;
 *   - known command, wrong length: header-only BAD_LENGTH reply;
 *   - invalid argument (e.g. an address of unknown family): INVALID_ARGUMENT reply
 *     (these three are not executed and are counted in cmd_rejected);
 *   - control command from a sender that is neither root nor the daemon's control uid:
 *     NOT_AUTHORISED reply (cmd_denied).
 *
 * Bodies (offsets from the start of the body, i.e. packet offset - CMP_HEADER_LEN):
 *
 *   Address (CMP_ADDR_LEN = 20): family u8 (0 unspec, 4, 6), 3 reserved, 16 address
 *   bytes in network order (IPv4 in the first 4, rest zero).
 *
 *   TRACKING request: empty (padded).  Reply (CMP_TRACKING_BODY_LEN = 120 bytes):
 *     0 ref_id u32 | 4 ref_addr (20) | 24 stratum u8 | 25 leap u8 (0..3) |
 *     26 synchronised u8 (0/1) | 27 clock_control u8 (0 none, 1 kernel) |
 *     28 local_active u8 (0/1) | 29..31 reserved | 32 ref_time seconds s64 |
 *     40 ref_time nanoseconds u32 (< 1e9) | 44 reserved u32 |
 *     48 nine doubles: system_offset, last_offset, rms_offset, freq_ppm, resid_freq_ppm,
 *        skew_ppm, root_delay, root_dispersion, update_interval.
 *
 *   SERVERSTATS request: empty (padded).  Reply: count u32 (counters the sender knows),
 *     reserved u32, then CMP_SERVERSTATS_SLOTS u64 counters; slots at or past count are 0.
 *     New counters are appended, so old clients keep working and new clients see which
 *     counters an old daemon lacks.
 *
 *   CLIENTS request: start index u32, reserved u32.  Reply: total u32 (records in the
 *     log now), start u32 (echo), count u32 (0..CMP_CLIENTS_PER_PAGE), reserved u32, then
 *     CMP_CLIENTS_PER_PAGE records of CMP_CLIENT_REC_LEN bytes (unused ones zero):
 *     address (20) | hits u64 | drops u64 | kods u64 | last_ago double | interval double.
 *
 *   ACCHECK request: address (20).  Reply: allowed u8 (0/1), 3 reserved.
 *
 *   SHUTDOWN request and reply: empty.
 *
 *   SOURCES request: start index u32, reserved u32.  Reply: total u32 (sources now),
 *     start u32 (echo), count u32 (0..CMP_SOURCES_PER_PAGE), reserved u32, then
 *     CMP_SOURCES_PER_PAGE records of CMP_SOURCE_REC_LEN bytes (unused ones zero).  One
 *     record carries everything `sources`, `sourcestats`, `selectdata` and `activity`
 *     show of a source, so the client needs one kind of page for all four:
 *       0 name, CMP_SOURCE_NAME_LEN bytes: printable ASCII, NUL-terminated, zero-padded |
 *       64 address (20) | 84 port u16 | 86 mode u8 (CMP_SRC_MODE_*) |
 *       87 state u8 (CMP_SRC_ST_*) | 88 stratum u8 | 89 poll s8 (log2 s) | 90 reach u8 |
 *       91 leap u8 (0..3) | 92 flags u8 (CMP_SRC_F_*; bit 7 zero) | 93 reserved |
 *       94 n_samples u16 | 96 n_runs u16 | 98 reserved u16 | 100 ref_id u32 |
 *       104 tx u64 | 112 rx_samples u64 | 120 rx_other u64 |
 *       128 CMP_SRC_N_DOUBLES doubles: last_rx_ago, last_offset, last_offset_measured,
 *         last_error, span, freq_ppm, skew_ppm, offset, std_dev, distance, delay,
 *         root_delay, root_dispersion.
 *
 *   ACTIVITY request: empty (padded).  Reply: five u32 counts: online, offline,
 *     burst_online (in a burst, online afterwards), burst_offline, unresolved.
 *
 *   MAKESTEP request and reply: empty.
 *
 *   BURST request: n_good u32, n_max u32 (1..CMP_BURST_MAX, n_good <= n_max), address
 *     (20; family 0 = every source).  Reply: matched u32 (sources affected).
 *
 *   ONLINE / OFFLINE request: address (20; family 0 = every source).  Reply: matched u32.
 *     BURST, ONLINE and OFFLINE naming an address no source has: NO_SUCH_SOURCE reply.
 *
 *   ADD_SOURCE request (CMP_ADD_REQ_BODY_LEN = 272): name, CMP_ADD_NAME_LEN bytes (host
 *     name or address: 1..255 characters 0x21..0x7e, NUL-terminated, zero-padded) |
 *     256 type u8 (CMP_ADD_SERVER, CMP_ADD_POOL) | 257 flags u8 (CMP_ADD_F_*) |
 *     258 minpoll s8 | 259 maxpoll s8 (-7..24, minpoll <= maxpoll) | 260 port u16 (>= 1) |
 *     262 maxsources u8 (1..16) | 263 reserved | 264 maxdelay double (0 < d <= 1000).
 *     Reply: empty.  A numeric address that is already a source (same port):
 *     SOURCE_EXISTS; no room: FAILED.  A name is resolved after the reply.
 *
 *   DELETE_SOURCE request: address (20; not unspecified) | 20 port u16 (0 = any) |
 *     22 reserved u16.  Reply: matched u32; no source with that address: NO_SUCH_SOURCE.
 *
 *   NTPDATA request: index u32 (0-based, the order of SOURCES), reserved u32.  Reply
 *     (CMP_NTPDATA_BODY_LEN = 264): total u32 | 4 index u32 (echo) | 8 count u32 (0 past
 *     the end, else 1) | 12 reserved u32 | 16 one record (zero when count is 0):
 *       0 remote address (20) | 20 local address (20; unspecified when unknown) |
 *       40 remote port u16 | 42 local port u16 | 44 leap u8 (0..3) | 45 mode u8 (of the
 *       last valid response: 4; 0 none yet) | 46 stratum u8 | 47 poll s8 |
 *       48 flags u8 (CMP_NTPD_F_*) | 49..51 reserved | 52 ref_id u32 | 56 tx u64 |
 *       64 CMP_NTPD_N_RX u64 response counters by result (CMP_NTPD_RX_*) |
 *       128 CMP_NTPD_N_DOUBLES doubles: offset, delay, dispersion, root_delay,
 *         root_dispersion, last_rx_ago, jitter (offset positive: local clock fast) |
 *       184 name (CMP_SOURCE_NAME_LEN, as in SOURCES).
 *
 *   SERVERSTATS2 request: empty (padded).  Reply (CMP_SERVERSTATS2_BODY_LEN = 488): as
 *     SERVERSTATS with CMP_SERVERSTATS2_SLOTS slots.  The counters are the same table, same
 *     indexes; SERVERSTATS (32 slots) stays for old clients and sends only the first 32.
 *     A new command rather than longer slots: a SERVERSTATS of another length would be
 *     refused by every older client (chrony grew REQ_SERVER_STATS2..4 the same way).
 *
 *   AUTHDATA request: index u32 (0-based, the order of SOURCES), reserved u32.  Reply
 *     (CMP_AUTHDATA_BODY_LEN = 352): total u32 | 4 index u32 (echo) | 8 count u32 (0 past
 *     the end, else 1) | 12 reserved u32 | 16 one record (zero when count is 0):
 *       0 name (CMP_SOURCE_NAME_LEN, as in SOURCES) | 64 address (20) | 84 port u16 |
 *       86 mode u8 (CMP_AUTH_MODE_*) | 87 ke_state u8 (CMP_AUTH_KE_*) | 88 aead u16 |
 *       90 cookies u16 (in the jar) | 92 cookie_len u16 | 94 ke_port u16 |
 *       96 ntp_port u16 | 98..103 reserved | 104 ke_attempts u64 | 112 ke_failures u64 |
 *       120 naks u64 | 128 auth_failures u64 | 136 last_ke_ago double (-1: never) |
 *       144 last_error (CMP_AUTH_ERROR_LEN: printable ASCII, NUL-terminated, zero-padded) |
 *       272 ke_server (CMP_SOURCE_NAME_LEN, same rules).
 *
 *   RELOAD request: what u32 (CMP_RELOAD_*), reserved u32.  Reply: empty.  CERTS: the NTS-KE
 *     server reloads its certificates and keys; FAILED when the new ones were not taken (the
 *     old ones stay, the reason is in the daemon's log), UNAVAILABLE without an NTS-KE server.
 */
#ifndef TIMED_CMDMON_PROTO_H
#define TIMED_CMDMON_PROTO_H

/* Protocol version; bumped on any incompatible change of a layout below. */
#define CMP_VERSION 1

#define CMP_TYPE_REQUEST 1
#define CMP_TYPE_REPLY 2

/* Command numbers.  Never reuse a number; 0 is never valid. */
#define CMP_CMD_TRACKING 1
#define CMP_CMD_SERVERSTATS 2
#define CMP_CMD_CLIENTS 3
#define CMP_CMD_ACCHECK 4
#define CMP_CMD_SHUTDOWN 5
#define CMP_CMD_SOURCES 6
#define CMP_CMD_ACTIVITY 7
#define CMP_CMD_MAKESTEP 8
#define CMP_CMD_BURST 9
#define CMP_CMD_ONLINE 10
#define CMP_CMD_OFFLINE 11
#define CMP_CMD_ADD_SOURCE 12
#define CMP_CMD_DELETE_SOURCE 13
#define CMP_CMD_NTPDATA 14
#define CMP_CMD_SERVERSTATS2 15
#define CMP_CMD_AUTHDATA 16
#define CMP_CMD_RELOAD 17

/* Reply status codes. */
#define CMP_STATUS_OK 0
#define CMP_STATUS_FAILED 1           /* the daemon could not produce the report */
#define CMP_STATUS_UNKNOWN_COMMAND 2  /* command number not known to this daemon */
#define CMP_STATUS_BAD_LENGTH 3       /* request length differs from the length table */
#define CMP_STATUS_NOT_AUTHORISED 4   /* control command from an unprivileged sender */
#define CMP_STATUS_INVALID_ARGUMENT 5 /* a request field is out of range */
#define CMP_STATUS_UNAVAILABLE 6      /* the command is not supported in this configuration */
#define CMP_STATUS_NO_SUCH_SOURCE 7   /* BURST/ONLINE/OFFLINE/DELETE: no source has that address */
#define CMP_STATUS_SOURCE_EXISTS 8    /* ADD_SOURCE: that address and port is a source already */

/* Header layout. */
#define CMP_HEADER_LEN 12
#define CMP_OFF_VERSION 0
#define CMP_OFF_TYPE 1
#define CMP_OFF_COMMAND 2
#define CMP_OFF_SEQUENCE 4
#define CMP_OFF_STATUS 8
#define CMP_OFF_RESERVED 10

/* Encoded IPAddr. */
#define CMP_ADDR_LEN 20

/* TRACKING reply body. */
#define CMP_TRK_REF_ID 0
#define CMP_TRK_REF_ADDR 4
#define CMP_TRK_STRATUM 24
#define CMP_TRK_LEAP 25
#define CMP_TRK_SYNCHRONISED 26
#define CMP_TRK_CLOCK_CONTROL 27
#define CMP_TRK_LOCAL_ACTIVE 28
#define CMP_TRK_REF_SEC 32
#define CMP_TRK_REF_NSEC 40
#define CMP_TRK_DOUBLES 48
#define CMP_TRK_N_DOUBLES 9
#define CMP_TRACKING_BODY_LEN (CMP_TRK_DOUBLES + 8 * CMP_TRK_N_DOUBLES) /* 120 */

/* SERVERSTATS reply body. */
#define CMP_SERVERSTATS_SLOTS 32
#define CMP_SST_COUNT 0
#define CMP_SST_VALUES 8
#define CMP_SERVERSTATS_BODY_LEN (CMP_SST_VALUES + 8 * CMP_SERVERSTATS_SLOTS) /* 264 */

/* CLIENTS request and reply bodies. */
#define CMP_CLIENTS_PER_PAGE 8
#define CMP_CLIENTS_REQ_BODY_LEN 8
#define CMP_CLI_TOTAL 0
#define CMP_CLI_START 4
#define CMP_CLI_COUNT 8
#define CMP_CLI_RECORDS 16
#define CMP_CLIENT_REC_LEN (CMP_ADDR_LEN + 3 * 8 + 2 * 8) /* 60 */
#define CMP_CLIENTS_BODY_LEN (CMP_CLI_RECORDS + CMP_CLIENTS_PER_PAGE * CMP_CLIENT_REC_LEN)

/* ACCHECK request and reply bodies. */
#define CMP_ACCHECK_REQ_BODY_LEN CMP_ADDR_LEN
#define CMP_ACCHECK_BODY_LEN 4

/* SOURCES request and reply bodies. */
/* Two records keep the page (and so its padded request) under the CLIENTS request, the
   longest packet of the protocol. */
#define CMP_SOURCES_PER_PAGE 2
#define CMP_SOURCES_REQ_BODY_LEN 8
#define CMP_SRCS_TOTAL 0
#define CMP_SRCS_START 4
#define CMP_SRCS_COUNT 8
#define CMP_SRCS_RECORDS 16
#define CMP_SOURCE_NAME_LEN 64
#define CMP_SRC_NAME 0
#define CMP_SRC_ADDR 64
#define CMP_SRC_PORT 84
#define CMP_SRC_MODE 86
#define CMP_SRC_STATE 87
#define CMP_SRC_STRATUM 88
#define CMP_SRC_POLL 89
#define CMP_SRC_REACH 90
#define CMP_SRC_LEAP 91
#define CMP_SRC_FLAGS 92
#define CMP_SRC_N_SAMPLES 94
#define CMP_SRC_N_RUNS 96
#define CMP_SRC_REF_ID 100
#define CMP_SRC_TX 104
#define CMP_SRC_RX_SAMPLES 112
#define CMP_SRC_RX_OTHER 120
#define CMP_SRC_DOUBLES 128
#define CMP_SRC_N_DOUBLES 13
#define CMP_SOURCE_REC_LEN (CMP_SRC_DOUBLES + 8 * CMP_SRC_N_DOUBLES) /* 232 */
#define CMP_SOURCES_BODY_LEN (CMP_SRCS_RECORDS + CMP_SOURCES_PER_PAGE * CMP_SOURCE_REC_LEN)

/* Source modes (the first column of `sources`). */
#define CMP_SRC_MODE_SERVER 0   /* '^' */
#define CMP_SRC_MODE_PEER 1     /* '=' */
#define CMP_SRC_MODE_REFCLOCK 2 /* '#' */
#define CMP_SRC_MODE_COUNT 3

/* Source states: the result of the last selection, in the order of SEL_Status
   (daemon/selection.h; cmdmon.c checks the two agree). */
#define CMP_SRC_ST_NONE 0        /* '?' not examined yet */
#define CMP_SRC_ST_NOSELECT 1    /* 'N' */
#define CMP_SRC_ST_MISSING 2     /* 'M' no usable estimate */
#define CMP_SRC_ST_UNSYNC 3      /* 's' source not synchronised */
#define CMP_SRC_ST_DISTANCE 4    /* 'd' root distance too large */
#define CMP_SRC_ST_JITTER 5      /* '~' too variable */
#define CMP_SRC_ST_WAITING 6     /* 'W' waiting for more sources */
#define CMP_SRC_ST_FALSETICKER 7 /* 'x' */
#define CMP_SRC_ST_OUTLIER 8     /* '-' not combined */
#define CMP_SRC_ST_COMBINED 9    /* '+' */
#define CMP_SRC_ST_SELECTED 10   /* '*' */
#define CMP_SRC_ST_COUNT 11

/* Source flags. */
#define CMP_SRC_F_ONLINE 0x01
#define CMP_SRC_F_BURST 0x02    /* a burst (or iburst) is in progress */
#define CMP_SRC_F_PREFER 0x04
#define CMP_SRC_F_NOSELECT 0x08
#define CMP_SRC_F_TRUST 0x10
#define CMP_SRC_F_REQUIRE 0x20
#define CMP_SRC_F_KOD_STOP 0x40 /* polling stopped by a DENY/RSTR kiss-o'-death */
#define CMP_SRC_F_ALL 0x7F

/* ACTIVITY reply body. */
#define CMP_ACTIVITY_BODY_LEN 20

/* BURST, ONLINE and OFFLINE bodies. */
#define CMP_BURST_MAX 64
#define CMP_BURST_REQ_BODY_LEN (8 + CMP_ADDR_LEN)
#define CMP_ONLINE_REQ_BODY_LEN CMP_ADDR_LEN
#define CMP_MATCHED_BODY_LEN 4

/* ADD_SOURCE request body. */
#define CMP_ADD_NAME_LEN 256
#define CMP_ADD_NAME 0
#define CMP_ADD_TYPE 256
#define CMP_ADD_FLAGS 257
#define CMP_ADD_MINPOLL 258
#define CMP_ADD_MAXPOLL 259
#define CMP_ADD_PORT 260
#define CMP_ADD_MAXSOURCES 262
#define CMP_ADD_MAXDELAY 264
#define CMP_ADD_REQ_BODY_LEN 272
#define CMP_ADD_SERVER 0
#define CMP_ADD_POOL 1
#define CMP_ADD_F_IBURST 0x01
#define CMP_ADD_F_BURST 0x02
#define CMP_ADD_F_PREFER 0x04
#define CMP_ADD_F_NOSELECT 0x08
#define CMP_ADD_F_TRUST 0x10
#define CMP_ADD_F_REQUIRE 0x20
#define CMP_ADD_F_ALL 0x3F

/* DELETE_SOURCE request body. */
#define CMP_DELETE_REQ_BODY_LEN (CMP_ADDR_LEN + 4)

/* NTPDATA request and reply bodies. */
#define CMP_NTPDATA_REQ_BODY_LEN 8
#define CMP_NTPD_TOTAL 0
#define CMP_NTPD_INDEX 4
#define CMP_NTPD_COUNT 8
#define CMP_NTPD_RECORD 16
#define CMP_NTPD_REMOTE 0
#define CMP_NTPD_LOCAL 20
#define CMP_NTPD_REMOTE_PORT 40
#define CMP_NTPD_LOCAL_PORT 42
#define CMP_NTPD_LEAP 44
#define CMP_NTPD_MODE 45
#define CMP_NTPD_STRATUM 46
#define CMP_NTPD_POLL 47
#define CMP_NTPD_FLAGS 48
#define CMP_NTPD_REF_ID 52
#define CMP_NTPD_TX 56
#define CMP_NTPD_RX 64
#define CMP_NTPD_N_RX 8
#define CMP_NTPD_DOUBLES 128
#define CMP_NTPD_N_DOUBLES 7
#define CMP_NTPD_NAME 184
#define CMP_NTPD_REC_LEN (CMP_NTPD_NAME + CMP_SOURCE_NAME_LEN) /* 248 */
#define CMP_NTPDATA_BODY_LEN (CMP_NTPD_RECORD + CMP_NTPD_REC_LEN) /* 264 */
/* Response counters, in the order of NSC_RxResult (daemon/ntp_source.h). */
#define CMP_NTPD_RX_SAMPLE 0     /* valid: gave a sample */
#define CMP_NTPD_RX_KOD_RATE 1
#define CMP_NTPD_RX_KOD_STOP 2   /* DENY/RSTR */
#define CMP_NTPD_RX_UNSYNC 3     /* server not synchronised */
#define CMP_NTPD_RX_DELAY 4      /* above maxdelay */
#define CMP_NTPD_RX_BOGUS 5      /* origin check failed */
#define CMP_NTPD_RX_DUPLICATE 6
#define CMP_NTPD_RX_MALFORMED 7
#define CMP_NTPD_F_HAVE_SAMPLE 0x01
#define CMP_NTPD_F_ONLINE 0x02
#define CMP_NTPD_F_KOD_STOP 0x04
#define CMP_NTPD_F_ALL 0x07

/* SERVERSTATS2 reply body (same layout as SERVERSTATS, more slots). */
#define CMP_SERVERSTATS2_SLOTS 60
#define CMP_SERVERSTATS2_BODY_LEN (CMP_SST_VALUES + 8 * CMP_SERVERSTATS2_SLOTS) /* 488 */

/* AUTHDATA request and reply bodies. */
#define CMP_AUTHDATA_REQ_BODY_LEN 8
#define CMP_AUTH_TOTAL 0
#define CMP_AUTH_INDEX 4
#define CMP_AUTH_COUNT 8
#define CMP_AUTH_RECORD 16
#define CMP_AUTH_NAME 0
#define CMP_AUTH_ADDR 64
#define CMP_AUTH_PORT 84
#define CMP_AUTH_MODE 86
#define CMP_AUTH_KE_STATE 87
#define CMP_AUTH_AEAD 88
#define CMP_AUTH_COOKIES 90
#define CMP_AUTH_COOKIE_LEN 92
#define CMP_AUTH_KE_PORT 94
#define CMP_AUTH_NTP_PORT 96
#define CMP_AUTH_KE_ATTEMPTS 104
#define CMP_AUTH_KE_FAILURES 112
#define CMP_AUTH_NAKS 120
#define CMP_AUTH_AUTH_FAILURES 128
#define CMP_AUTH_LAST_KE_AGO 136
#define CMP_AUTH_ERROR 144
#define CMP_AUTH_ERROR_LEN 128
#define CMP_AUTH_KE_SERVER 272
#define CMP_AUTH_REC_LEN (CMP_AUTH_KE_SERVER + CMP_SOURCE_NAME_LEN) /* 336 */
#define CMP_AUTHDATA_BODY_LEN (CMP_AUTH_RECORD + CMP_AUTH_REC_LEN) /* 352 */
#define CMP_AUTH_MODE_NONE 0   /* "-": no authentication */
#define CMP_AUTH_MODE_NTS 1
#define CMP_AUTH_MODE_COUNT 2
#define CMP_AUTH_KE_NONE 0     /* no NTS-KE yet */
#define CMP_AUTH_KE_RUNNING 1
#define CMP_AUTH_KE_DONE 2
#define CMP_AUTH_KE_FAILED 3
#define CMP_AUTH_KE_COUNT 4

/* RELOAD request body. */
#define CMP_RELOAD_REQ_BODY_LEN 8
#define CMP_RELOAD_CERTS 1

/* Longest datagram of the protocol (the CLIENTS request); anything longer is dropped. */
#define CMP_MAX_PACKET (CMP_HEADER_LEN + CMP_CLIENTS_BODY_LEN) /* 508 */

#endif
