/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privsep.h - privilege separation: the request protocol between the engine (the unprivileged
 * daemon) and timed-helper (the only process that keeps CAP_SYS_TIME), and the engine's side
 * of it (starting the helper, sending requests, the "privsep" clock driver).
 *
 * The protocol is a closed table of fixed-size messages over a SOCK_SEQPACKET socketpair:
 * every request is exactly PRV_REQ_LEN bytes, every response exactly PRV_RESP_LEN bytes,
 * encoded field by field in network byte order (doubles as their IEEE 754 bits).  The helper
 * treats any violation (length, version, unknown op, non-zero unused field, non-finite or
 * out-of-range value, a step the policy does not allow) as fatal: it answers PRV_ST_FATAL
 * with a reason code and exits.  The codec below is shared by the helper and the engine and
 * makes no system calls.
 */
#ifndef TIMED_PRIVSEP_H
#define TIMED_PRIVSEP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define PRV_VERSION 1
#define PRV_REQ_LEN 32
#define PRV_RESP_LEN 16
/* The fd number of the socket in the helper (argv[1] must say the same). */
#define PRV_HELPER_FD 3

/* Limits the helper enforces whatever the policy says. */
#define PRV_MAX_FREQ_PPM 100000.0
#define PRV_MAX_STEP 4.0e9 /* seconds: a clock that booted in 1970 may need ~1.8e9 */
#define PRV_MAX_ERROR 1.0e6 /* seconds, for esterror/maxerror */

typedef enum {
  PRV_OP_POLICY = 1,     /* first and only once: i1 uid, i2 gid, i3 flags, a max step */
  PRV_OP_SET_FREQ = 2,   /* a: absolute frequency offset, ppm */
  PRV_OP_STEP = 3,       /* a: seconds to add to the clock */
  PRV_OP_SET_STATUS = 4, /* i1 leap (0..3), a est. error, b max. error (s) */
  PRV_OP_GET_FREQ = 5,   /* response value: frequency offset, ppm */
} PRV_Op;

/* Policy flags (PRV_OP_POLICY i3). */
#define PRV_POL_CLOCK 1     /* the engine may ask to change the clock at all (not with -x) */
#define PRV_POL_STEP 2      /* `makestep` is configured: steps up to a (max step) allowed */
#define PRV_POL_LEAPSTEP 4  /* `leapsecmode step`: steps of exactly +/-1 s allowed */
#define PRV_POL_ALL 7

typedef enum {
  PRV_ST_OK = 0,
  PRV_ST_FAILED = 1, /* allowed, but the kernel call failed; err = errno; helper goes on */
  PRV_ST_FATAL = 2,  /* refused; err = PRV_Reason; the helper exits */
} PRV_Status;

typedef enum {
  PRV_R_NONE = 0,
  PRV_R_LENGTH,      /* not exactly PRV_REQ_LEN bytes */
  PRV_R_VERSION,
  PRV_R_OP,          /* unknown op */
  PRV_R_PADDING,     /* a field this op does not use is not zero */
  PRV_R_NOT_FINITE,  /* NaN or infinity */
  PRV_R_RANGE,       /* value out of range */
  PRV_R_STATE,       /* no policy yet, or a second policy */
  PRV_R_NO_CLOCK,    /* clock change while the policy says no clock control */
  PRV_R_STEP_DENIED, /* step not allowed, or larger than the policy's maximum */
  PRV_R_MAX
} PRV_Reason;

typedef struct {
  uint8_t op;
  uint32_t i1, i2, i3;
  double a, b;
} PRV_Request;

typedef struct {
  uint8_t op;     /* echo of the request's op */
  uint8_t status; /* PRV_Status */
  int32_t err;    /* errno (FAILED) or PRV_Reason (FATAL) */
  double value;
} PRV_Response;

static inline void prv_put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static inline uint32_t prv_get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void prv_putd(uint8_t *p, double d)
{
  uint64_t u;

  memcpy(&u, &d, sizeof(u));
  prv_put32(p, (uint32_t)(u >> 32));
  prv_put32(p + 4, (uint32_t)u);
}

static inline double prv_getd(const uint8_t *p)
{
  uint64_t u = (uint64_t)prv_get32(p) << 32 | prv_get32(p + 4);
  double d;

  memcpy(&d, &u, sizeof(d));
  return d;
}

/* Request layout: 0 version, 1 op, 2-3 zero, 4 i1, 8 i2, 12 i3, 16 a, 24 b. */
static inline void PRV_EncodeRequest(const PRV_Request *r, uint8_t buf[PRV_REQ_LEN])
{
  memset(buf, 0, PRV_REQ_LEN);
  buf[0] = PRV_VERSION;
  buf[1] = r->op;
  prv_put32(buf + 4, r->i1);
  prv_put32(buf + 8, r->i2);
  prv_put32(buf + 12, r->i3);
  prv_putd(buf + 16, r->a);
  prv_putd(buf + 24, r->b);
}

/* Decode the fixed layout; PRV_R_NONE or why not (length, version, header padding). */
static inline PRV_Reason PRV_DecodeRequest(const uint8_t *buf, size_t len, PRV_Request *r)
{
  if (len != PRV_REQ_LEN) {
    return PRV_R_LENGTH;
  }
  if (buf[0] != PRV_VERSION) {
    return PRV_R_VERSION;
  }
  if (buf[2] || buf[3]) {
    return PRV_R_PADDING;
  }
  r->op = buf[1];
  r->i1 = prv_get32(buf + 4);
  r->i2 = prv_get32(buf + 8);
  r->i3 = prv_get32(buf + 12);
  r->a = prv_getd(buf + 16);
  r->b = prv_getd(buf + 24);
  return PRV_R_NONE;
}

/* Response layout: 0 version, 1 op, 2 status, 3 zero, 4 err, 8 value. */
static inline void PRV_EncodeResponse(const PRV_Response *r, uint8_t buf[PRV_RESP_LEN])
{
  memset(buf, 0, PRV_RESP_LEN);
  buf[0] = PRV_VERSION;
  buf[1] = r->op;
  buf[2] = r->status;
  prv_put32(buf + 4, (uint32_t)r->err);
  prv_putd(buf + 8, r->value);
}

/* 1 when buf is a well-formed response. */
static inline int PRV_DecodeResponse(const uint8_t *buf, size_t len, PRV_Response *r)
{
  if (len != PRV_RESP_LEN || buf[0] != PRV_VERSION || buf[3] != 0 || buf[2] > PRV_ST_FATAL) {
    return 0;
  }
  r->op = buf[1];
  r->status = buf[2];
  r->err = (int32_t)prv_get32(buf + 4);
  r->value = prv_getd(buf + 8);
  return 1;
}

/* Text for a PRV_Reason (never NULL). */
static inline const char *PRV_ReasonText(int reason)
{
  static const char *const text[PRV_R_MAX] = {
      "no error", "wrong request length", "wrong protocol version", "unknown request",
      "non-zero unused field", "value not finite", "value out of range",
      "request out of order (policy)", "clock change without clock control",
      "step not allowed by the configuration",
  };
  return reason >= 0 && reason < PRV_R_MAX ? text[reason] : "unknown reason";
}

/* ---- the engine's side (privsep.c) ---- */

/* What the helper may do, from the configuration; sent once before any network input. */
typedef struct {
  uid_t uid;        /* the helper switches to this user too, keeping only CAP_SYS_TIME */
  gid_t gid;
  unsigned flags;   /* PRV_POL_* */
  double max_step;  /* seconds, with PRV_POL_STEP; (0, PRV_MAX_STEP] */
  int filter;       /* the helper's seccomp mode: SBX_FilterMode (-F) */
} PRV_Policy;

/* The helper program: $TIMED_HELPER if set (tests), else the configure-time path, else
   timed-helper next to our own executable (a build tree).  Returns a static string. */
const char *PRV_HelperPath(void);

/* Fork and exec the helper with one end of a socketpair as its fd PRV_HELPER_FD and send
   it the policy; waits (bounded) for its answer.  *has_cap: 1 when the helper holds
   CAP_SYS_TIME.  Returns 1, or 0 with the reason logged (no helper left running). */
int PRV_Start(const char *path, const PRV_Policy *policy, int *has_cap);

/* 1 between a successful PRV_Start() and PRV_Stop(). */
int PRV_Running(void);

/* Watch the helper's socket in the event loop: if the helper dies, the engine logs it and
   leaves the loop with a failure (see PRV_Failed()). */
void PRV_WatchHelper(void);

/* 1 once the helper died or refused a request: the daemon must exit with an error. */
int PRV_Failed(void);

/* Close the socket (the helper exits on EOF) and reap the helper, bounded. */
void PRV_Stop(void);

/* Requests; each returns 1 on success, 0 when the kernel call failed (logged, rate-limited)
   or the helper is gone (the loop is then stopped, PRV_Failed() is 1). */
int PRV_SetFreq(double ppm);
int PRV_GetFreq(double *ppm);
int PRV_Step(double delta);
int PRV_SetStatus(int leap, double est_error, double max_error);

#endif
