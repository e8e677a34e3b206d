/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon_wire.h - command socket requests and replies <-> host structs [core].
 *
 * The one length table of the protocol lives in cmdmon_wire.c; both the daemon and
 * timectl use these functions, so they cannot disagree about a layout.  The decoders never
 * read outside [buf, buf + len) and never allocate.  No I/O, no system calls.
 * The wire layout is described in cmdmon_proto.h.
 */
#ifndef TIMED_CMDMON_WIRE_H
#define TIMED_CMDMON_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "cmdmon_proto.h"
#include "sync.h"

/* TRACKING: the state of the system clock, as chronyc `tracking` shows it. */
typedef struct {
  uint32_t ref_id;          /* reference id of the selected source (0 if none) */
  IPAddr ref_addr;          /* its address; ADDR_UNSPEC for refclocks and local */
  uint8_t stratum;
  uint8_t leap;             /* 0 none, 1 insert, 2 delete, 3 unsynchronised */
  uint8_t synchronised;     /* 0/1 */
  uint8_t clock_control;    /* 0 none (-x), 1 kernel */
  uint8_t local_active;     /* 0/1: serving from the `local` directive */
  struct timespec ref_time; /* time of the last clock update (Unix, UTC); zero if never */
  double system_offset;     /* s, positive: the system clock is fast of true time */
  double last_offset;       /* s, offset measured at the last update */
  double rms_offset;        /* s, long-term average of the offset */
  double freq_ppm;          /* ppm, positive: the uncorrected clock would run fast */
  double resid_freq_ppm;    /* ppm, residual frequency of the selected source */
  double skew_ppm;          /* ppm, estimated error bound of the frequency */
  double root_delay;        /* s */
  double root_dispersion;   /* s */
  double update_interval;   /* s between the last two clock updates */
} CMW_Tracking;

/* SERVERSTATS counters, by index.  Append only; never renumber (the index is the wire
   slot and the name is a stable JSON key). */
enum {
  CMW_SS_NTP_RECEIVED = 0,
  CMW_SS_NTP_REPLIED,
  CMW_SS_NTP_KOD_SENT,
  CMW_SS_NTP_DENIED,
  CMW_SS_NTP_MALFORMED,
  CMW_SS_NTP_BAD_MODE,
  CMW_SS_NTP_RATE_DROPPED,
  CMW_SS_NTP_WITH_MAC,
  CMW_SS_NTP_WITH_EF,
  CMW_SS_NTP_RX_KERNEL_TS,
  CMW_SS_NTP_RX_DAEMON_TS,
  CMW_SS_NTP_SEND_ERRORS,
  CMW_SS_CMD_RECEIVED,
  CMW_SS_CMD_DROPPED,
  CMW_SS_CMD_DENIED,
  CMW_SS_CLIENTLOG_RECORDS,
  CMW_SS_CLIENTLOG_EVICTIONS,
  CMW_SS_CMD_REJECTED,
  /* NTS on the NTP port (NSV_Stats, doc/nts.md).  Slots 32 and up travel only in
     SERVERSTATS2. */
  CMW_SS_NTS_REQUESTS,
  CMW_SS_NTS_REPLIED,
  CMW_SS_NTS_NAKS,
  CMW_SS_NTS_COOKIES,
  CMW_SS_NTS_NAK_COOKIE,
  CMW_SS_NTS_NAK_AUTH,
  CMW_SS_NTS_DROPPED_DISABLED,
  CMW_SS_NTS_DROPPED_MALFORMED,
  CMW_SS_NTS_DROPPED_OTHER,
  /* NTS-KE server (NKE_Stats). */
  CMW_SS_KE_ACCEPTED,
  CMW_SS_KE_REFUSED,
  CMW_SS_KE_HANDSHAKES,
  CMW_SS_KE_TLS_FAILED,
  CMW_SS_KE_TIMEOUTS,
  CMW_SS_KE_BAD_REQUESTS,
  CMW_SS_KE_RESPONSES,
  CMW_SS_KE_COOKIES,
  CMW_SS_KE_KEY_ROTATIONS,
  CMW_SS_KE_CERT_RELOADS,
  CMW_SS_KE_CERT_RELOAD_FAILURES,
  CMW_N_SERVERSTATS
};

typedef struct {
  uint64_t v[CMW_N_SERVERSTATS];
  /* Decoding: how many counters the sender filled (the rest of v is 0 and unknown to
     it).  Encoding ignores it and always sends CMW_N_SERVERSTATS. */
  uint32_t count;
} CMW_ServerStats;

/* AUTHDATA: the authentication state of one source (chronyc authdata). */
typedef struct {
  char name[CMP_SOURCE_NAME_LEN];   /* as in SOURCES */
  IPAddr addr;              /* ADDR_UNSPEC while unresolved */
  uint16_t port;
  uint8_t mode;             /* CMP_AUTH_MODE_* */
  uint8_t ke_state;         /* CMP_AUTH_KE_* */
  uint16_t aead;            /* AEAD id in use (15 = AES-SIV-CMAC-256), 0 none */
  uint16_t cookies;         /* cookies in the jar */
  uint16_t cookie_len;      /* bytes of the newest cookie */
  uint16_t ke_port, ntp_port;
  uint64_t ke_attempts, ke_failures;
  uint64_t naks;            /* NTS NAKs received */
  uint64_t auth_failures;   /* responses dropped for a missing or bad authenticator */
  double last_ke_ago;       /* s since the last successful NTS-KE; -1 never */
  char last_error[CMP_AUTH_ERROR_LEN]; /* printable ASCII, "" if none */
  char ke_server[CMP_SOURCE_NAME_LEN]; /* the NTS-KE server asked ("" if none) */
} CMW_AuthData;

/* One CLIENTS record. */
typedef struct {
  IPAddr addr;
  uint64_t hits;    /* NTP requests seen */
  uint64_t drops;   /* dropped by the rate limiter */
  uint64_t kods;    /* answered with a RATE KoD */
  double last_ago;  /* s since the last request */
  double interval;  /* s, average interval between requests (0 if unknown) */
} CMW_Client;

/* One page of the CLIENTS reply. */
typedef struct {
  uint32_t total;   /* records in the daemon's log when the page was made */
  uint32_t start;   /* index of clients[0] */
  uint32_t count;   /* valid entries in clients[], 0..CMP_CLIENTS_PER_PAGE */
  CMW_Client clients[CMP_CLIENTS_PER_PAGE];
} CMW_ClientsPage;

/* One source, as the SOURCES page carries it (sources, sourcestats, selectdata). */
typedef struct {
  char name[CMP_SOURCE_NAME_LEN]; /* as configured, NUL-terminated, printable ASCII */
  IPAddr addr;              /* ADDR_UNSPEC while unresolved */
  uint16_t port;
  uint8_t mode;             /* CMP_SRC_MODE_* */
  uint8_t state;            /* CMP_SRC_ST_* */
  uint8_t stratum;
  int8_t poll;              /* log2 s */
  uint8_t reach;            /* reachability register */
  uint8_t leap;             /* of the last sample, 0..3 */
  uint8_t flags;            /* CMP_SRC_F_* */
  uint16_t n_samples;       /* NP */
  uint16_t n_runs;          /* NR */
  uint32_t ref_id;          /* the source's reference id (last sample) */
  uint64_t tx;              /* requests sent */
  uint64_t rx_samples;      /* responses that gave a sample */
  uint64_t rx_other;        /* responses dropped or not used (KoD, bogus, delay...) */
  double last_rx_ago;       /* s since the last good sample; -1 never */
  double last_offset;       /* s, last sample adjusted to the clock now (positive: local fast) */
  double last_offset_measured; /* s, as measured (same sign) */
  double last_error;        /* s, error bound of the last sample */
  double span;              /* s, time covered by the samples */
  double freq_ppm;          /* residual frequency */
  double skew_ppm;
  double offset;            /* s, regression estimate now (positive: local fast) */
  double std_dev;           /* s */
  double distance;          /* s, root distance (half-width of the selection interval) */
  double delay;             /* s, round-trip delay of the last sample */
  double root_delay;        /* s, the source's, last sample */
  double root_dispersion;   /* s, the source's, last sample */
} CMW_Source;

/* One page of the SOURCES reply. */
typedef struct {
  uint32_t total;   /* sources in the daemon when the page was made */
  uint32_t start;   /* index of sources[0] */
  uint32_t count;   /* valid entries, 0..CMP_SOURCES_PER_PAGE */
  CMW_Source sources[CMP_SOURCES_PER_PAGE];
} CMW_SourcesPage;

/* ACTIVITY: how many sources are in each state (chronyc activity). */
typedef struct {
  uint32_t online;
  uint32_t offline;
  uint32_t burst_online;   /* in a burst, back to online afterwards */
  uint32_t burst_offline;  /* in a burst, back to offline afterwards */
  uint32_t unresolved;     /* no address yet */
} CMW_Activity;

/* ADD_SOURCE: one `server` or `pool` line's worth of options (chronyc add server/pool). */
typedef struct {
  char name[CMP_ADD_NAME_LEN]; /* 1..255 characters 0x21..0x7e, NUL-terminated */
  uint8_t type;             /* CMP_ADD_SERVER or CMP_ADD_POOL */
  uint8_t flags;            /* CMP_ADD_F_* */
  int8_t minpoll, maxpoll;  /* -7..24, minpoll <= maxpoll */
  uint16_t port;            /* >= 1 */
  uint8_t maxsources;       /* 1..16 */
  double maxdelay;          /* s, (0, 1000] */
} CMW_AddSource;

/* NTPDATA: the NTP view of one source (chronyc ntpdata). */
typedef struct {
  char name[CMP_SOURCE_NAME_LEN];
  IPAddr remote, local;     /* local ADDR_UNSPEC when unknown */
  uint16_t remote_port, local_port;
  uint8_t leap;             /* of the last valid response; 3 when none */
  uint8_t mode;             /* 4 (server) once a valid response came; 0 before */
  uint8_t stratum;
  int8_t poll;
  uint8_t flags;            /* CMP_NTPD_F_* */
  uint32_t ref_id;
  uint64_t tx;              /* requests sent */
  uint64_t rx[CMP_NTPD_N_RX]; /* responses by result, CMP_NTPD_RX_* */
  double offset;            /* s, last sample, positive: local clock fast (as chronyc) */
  double delay;             /* s, its round-trip delay */
  double dispersion;        /* s, its dispersion */
  double root_delay, root_dispersion; /* s, the server's */
  double last_rx_ago;       /* s since the last valid response; -1 never */
  double jitter;            /* s, std dev of the source's samples */
} CMW_NtpData;

typedef struct {
  uint16_t command;  /* CMP_CMD_* */
  uint32_t sequence;
  union {
    struct {
      uint32_t start;
    } clients;
    struct {
      IPAddr addr;
    } accheck;
    struct {
      uint32_t start;
    } sources;
    struct {
      uint32_t n_good;  /* 0..n_max */
      uint32_t n_max;   /* 1..CMP_BURST_MAX */
      IPAddr addr;      /* ADDR_UNSPEC: every source */
    } burst;
    struct {
      IPAddr addr;      /* ADDR_UNSPEC: every source */
    } online;           /* ONLINE and OFFLINE */
    CMW_AddSource add;
    struct {
      IPAddr addr;      /* never ADDR_UNSPEC */
      uint16_t port;    /* 0: any */
    } del;
    struct {
      uint32_t index;
    } ntpdata;
    struct {
      uint32_t index;
    } authdata;
    struct {
      uint32_t what;    /* CMP_RELOAD_* */
    } reload;
  } u;
} CMW_Request;

typedef struct {
  uint16_t command;
  uint16_t status;   /* CMP_STATUS_*; the body below is valid only for CMP_STATUS_OK */
  uint32_t sequence;
  union {
    CMW_Tracking tracking;
    CMW_ServerStats serverstats;
    CMW_ClientsPage clients;
    struct {
      uint8_t allowed; /* 0/1 */
    } accheck;
    CMW_SourcesPage sources;
    CMW_Activity activity;
    struct {
      uint32_t matched; /* sources affected */
    } matched;          /* BURST, ONLINE, OFFLINE, DELETE_SOURCE */
    struct {
      uint32_t total;   /* sources now */
      uint32_t index;   /* echo */
      uint32_t count;   /* 0 past the end, else 1 */
      CMW_NtpData data;
    } ntpdata;
    struct {
      uint32_t total;   /* sources now */
      uint32_t index;   /* echo */
      uint32_t count;   /* 0 past the end, else 1 */
      CMW_AuthData data;
    } authdata;
  } u;
} CMW_Reply;

/* Outcome of decoding a packet. */
typedef enum {
  CMW_OK = 0,
  CMW_ERR_SHORT,           /* shorter than a header */
  CMW_ERR_OVERSIZED,       /* longer than CMP_MAX_PACKET */
  CMW_ERR_VERSION,         /* version field is not CMP_VERSION */
  CMW_ERR_TYPE,            /* not the expected packet type */
  CMW_ERR_HEADER,          /* reserved or (in a request) status field not zero */
  CMW_ERR_UNKNOWN_COMMAND, /* header fine, command number not in the table */
  CMW_ERR_LENGTH,          /* known command, length not the table's */
  CMW_ERR_VALUE,           /* a field out of range (address family, NaN, leap > 3...) */
  CMW_ERR_COUNT
} CMW_Result;

/* Permission classes of the command table. */
typedef enum {
  CMW_PERM_NONE = 0, /* unknown command */
  CMW_PERM_OPEN,     /* read-only: anyone who can write to the socket */
  CMW_PERM_CONTROL   /* changes the daemon: root or the daemon's control uid only */
} CMW_Permission;

/* Exact request and reply lengths of a known command (the one length table); returns 1,
   or 0 for an unknown command.  Either pointer may be NULL.  *req_len >= *rep_len. */
int CMW_CommandLengths(uint16_t command, size_t *req_len, size_t *rep_len);

/* Permission class of a command (CMW_PERM_NONE when unknown). */
CMW_Permission CMW_CommandPermission(uint16_t command);

/* Lower-case name of a command ("tracking"), or NULL when unknown. */
const char *CMW_CommandName(uint16_t command);

/* Number of entries in the command table and the command number of entry i (for tests
   and `timectl help`); 0 past the end. */
size_t CMW_CommandCount(void);
uint16_t CMW_CommandAt(size_t i);

/* Stable snake_case key of serverstats counter i ("ntp_received"), NULL past the end. */
const char *CMW_ServerStatName(size_t i);

/* Short text for a status code ("Not authorised"); "Unknown status" for others. */
const char *CMW_StatusText(uint16_t status);

/* Short text for a decoding result, for logs and error messages. */
const char *CMW_ResultText(CMW_Result r);

/* The reply status the daemon sends for a request that failed to decode with r, or -1
   when the request gets no reply at all (malformed header). */
int CMW_StatusForResult(CMW_Result r);

/* Decode a request.  On CMW_OK *req is complete.  When the header is well formed but the
   command is unknown, the length wrong or an argument invalid (CMW_ERR_UNKNOWN_COMMAND,
   CMW_ERR_LENGTH, CMW_ERR_VALUE), req->command and req->sequence are still filled in, so
   that an error reply can be made. */
CMW_Result CMW_DecodeRequest(const uint8_t *buf, size_t len, CMW_Request *req);

/* Encode a request, zero-padded to the table length, into buf.  Returns the length, or 0
   for an unknown command, an invalid argument or a buffer smaller than the length. */
size_t CMW_EncodeRequest(const CMW_Request *req, uint8_t *buf, size_t size);

/* Encode a reply.  With a status other than OK only the 12-byte header is written.
   Non-finite doubles are sent as 0 (a NaN must never reach a client).  Returns the
   length, or 0 for an unknown command with status OK, an out-of-range field (leap > 3,
   flags > 1, count > page, bad address family, tv_nsec outside [0, 1e9)) or a buffer
   that is too small. */
size_t CMW_EncodeReply(const CMW_Reply *rep, uint8_t *buf, size_t size);

/* The selectdata letter of a source state ('*', '+', '-', 'x', '~', 'W', 'd', 's', 'M',
   'N'; '?' for NONE and unknown values). */
char CMW_SourceStateChar(uint8_t state);

/* The `sources` column letter of a state, as chronyc shows it: '*', '+', '-', 'x', '~',
   and '?' for every state in which the source cannot be used (no data, unsynchronised,
   too far, waiting, noselect). */
char CMW_SourceColumnChar(uint8_t state);

/* Stable snake_case name of a state ("selected", "falseticker"...); "unknown" otherwise. */
const char *CMW_SourceStateName(uint8_t state);

/* The mode letter ('^' server, '=' peer, '#' refclock; '?' otherwise). */
char CMW_SourceModeChar(uint8_t mode);

/* Count one source into an ACTIVITY report, from its flags and address: unresolved when
   it has no address, else in a burst or not, online or offline. */
void CMW_ActivityAdd(CMW_Activity *a, const CMW_Source *s);

/* Fill a SOURCES record from the engine's report of one source: the name is cut to
   CMP_SOURCE_NAME_LEN - 1 bytes and any byte outside printable ASCII becomes '?', values out
   of the wire's range are clamped (stratum 0..255, poll -128..127, counts 0..65535), the
   state is the SEL_Status number.  The distance is not in the report; it is estimated from
   the last sample as (root delay + delay) / 2 + root dispersion + dispersion + std dev. */
void CMW_SourceFromReport(const SYN_SourceReport *r, CMW_Source *out);

/* Fill an NTPDATA record from the engine's report of one source (local address left
   unspecified for the caller to fill). */
void CMW_NtpDataFromReport(const SYN_SourceReport *r, CMW_NtpData *out);

/* Stable snake_case name of NTPDATA response counter i ("bogus"), NULL past the end. */
const char *CMW_NtpRxName(size_t i);

/* Fill an AUTHDATA record from the engine's report of one source: mode NTS when the
   source has NTS enabled, else "-" with every NTS field zero; names and the error text are
   cut to their fields and any byte outside printable ASCII becomes '?'. */
void CMW_AuthDataFromReport(const SYN_SourceReport *r, CMW_AuthData *out);

/* Stable lower-case name of an NTS-KE state ("none", "running", "done", "failed"), and of
   an AUTHDATA mode ("-", "NTS"); "?" for values out of range. */
const char *CMW_AuthKeStateName(uint8_t ke_state);
const char *CMW_AuthModeName(uint8_t mode);

/* Fill a TRACKING reply from the engine's tracking report.  clock_control and local_active
   are left 0 for the caller to set; when not synchronised, leap is 3 and stratum 0. */
void CMW_TrackingFromSync(const SYN_Tracking *t, CMW_Tracking *out);

/* Decode a reply.  A reply with a status other than OK must be exactly the header; one
   with OK exactly the table's reply length, with every field in range and every double
   finite.  On CMW_OK *rep is complete. */
CMW_Result CMW_DecodeReply(const uint8_t *buf, size_t len, CMW_Reply *rep);

#endif
