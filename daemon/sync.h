/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sync.h - the synchronisation engine [core]: sources, filtering, selection, discipline.
 * No I/O, no clock reads: the caller (the daemon's shell, or the simulator in tests/sim)
 * passes the current time and every received packet, and carries out the actions returned:
 * datagrams to send to sources, and clock changes (frequency, step, leap status).
 *
 * Time bases: `mono` is monotonic time (schedules); `real` is the daemon's cooked real time,
 * i.e. the clock being disciplined.  After the caller applies a frequency change or a step,
 * cooked time follows it; the engine has already shifted its stored samples to match, so
 * it must be told nothing else.
 *
 * Sign conventions: offsets are reference - local (positive: local clock behind);
 * frequencies are of the clock correction (positive: the clock is made to run faster);
 * a step adds `step` seconds to the clock.
 */
#ifndef TIMED_SYNC_H
#define TIMED_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "ntp_server.h"
#include "ntp_source.h"
#include "selection.h"

#define SYN_MAX_SOURCES 64
#define SYN_MAX_TX 64
#define SYN_NAME_LEN 256
/* A replaceable source (pool member) is reported for replacement after this many requests
   in a row went unanswered (chrony replaces a pool source unreachable for ~8 polls). */
#define SYN_REPLACE_POLLS 8

/* leapsecmode (chrony.conf(5)); same order as CNF_LeapMode. */
typedef enum {
  SYN_LEAP_SYSTEM = 0, /* the kernel inserts/deletes the second (set_leap carries it) */
  SYN_LEAP_STEP,       /* the kernel is never told; the engine steps the clock at midnight */
  SYN_LEAP_SLEW,       /* the kernel is never told; the engine slews the second away */
  SYN_LEAP_IGNORE      /* the kernel is never told; the 1 s error is corrected as an
                          ordinary offset afterwards */
} SYN_LeapMode;

typedef struct {
  int minsources;            /* 1 */
  double maxdistance;        /* s, 3 */
  double maxjitter;          /* s, 1 */
  double combinelimit;       /* 3 */
  double reselectdist;       /* s, 1e-4 */
  double makestep_threshold; /* s; a correction above it is stepped ... */
  int makestep_limit;        /* ... within the first `limit` updates (<0: any time); 0: never */
  double maxchange_offset;   /* s; 0 = off.  An offset above it is ignored ... */
  int maxchange_start;       /* ... after this many updates ... */
  int maxchange_ignore;      /* ... at most this many times, then reported as fatal */
  double maxslewrate;        /* ppm, 83333.333 (chrony); the kernel allows 100000 */
  double maxupdateskew;      /* ppm, 1000 */
  double maxdrift;           /* ppm, 500 (Linux kernel limit for the base frequency) */
  double initial_freq;       /* ppm, from the drift file (0 if none) */
  double initial_skew;       /* ppm, from the drift file (default 1e6 = unknown) */
  int local_stratum;         /* 0 = no `local`; else serve at this stratum when unsynchronised */
  int8_t precision;          /* log2 s of the local clock */
  SYN_LeapMode leapsecmode;  /* 0 = system */
} SYN_Config;

typedef struct {
  char name[SYN_NAME_LEN];   /* as configured (host name or address) */
  NSC_Params ntp;
  int prefer, noselect, trust, require;
  int replaceable;           /* pool member: report it (SYN_Actions.replace) when it stays
                                unreachable or a DENY/RSTR KoD stops it */
} SYN_SourceConfig;

typedef struct {
  struct timespec mono;
  struct timespec real;
} SYN_Now;

typedef struct {
  int source_id;
  size_t len;
  uint8_t data[48];
} SYN_Tx;

typedef struct {
  size_t n_tx;
  SYN_Tx tx[SYN_MAX_TX];     /* requests to send now, in order */
  int set_freq;              /* apply freq_ppm (absolute, includes any slewing component) */
  double freq_ppm;
  int step;                  /* add step_offset seconds to the clock now (before set_freq) */
  double step_offset;
  int set_leap;              /* tell the kernel: leap 0..3, est_error, max_error */
  int leap;
  double est_error, max_error;
  int fatal;                 /* maxchange exceeded too often: the daemon should exit */
  int sync_changed;          /* synchronised state flipped (for logging) */
  int leap_done;             /* a leap second was handled now (+1 inserted, -1 deleted), for
                                logging; with leapsecmode step it comes with the step */
  size_t n_replace;          /* replaceable sources that should get a fresh address: the
                                caller re-resolves their name and, when it finds an address
                                not in use (SYN_PickNewAddress), removes the source and adds
                                one for the new address.  A source still unreachable is
                                reported again after SYN_REPLACE_POLLS more requests. */
  int replace[SYN_MAX_SOURCES];
} SYN_Actions;

/* What `timectl tracking` shows. */
typedef struct {
  int synchronised;
  uint32_t ref_id;
  IPAddr ref_addr;
  int stratum;               /* ours */
  int leap;
  struct timespec ref_time;  /* last clock update (cooked real) */
  double system_offset;      /* s, remaining correction still being slewed (positive: clock fast) */
  double last_offset;        /* s, offset at the last update (positive: clock fast, as chronyc) */
  double rms_offset;         /* s */
  double freq_ppm;           /* ppm, positive: the uncorrected clock would run fast (chronyc) */
  double resid_freq_ppm;
  double skew_ppm;
  double root_delay, root_dispersion;
  double update_interval;    /* s */
  int n_updates;
} SYN_Tracking;

/* NTS state of a source, for `timectl authdata` (all zero for a source without NTS). */
typedef struct {
  int enabled;               /* `server ... nts` */
  int ke_state;              /* 0 no NTS-KE yet, 1 in progress, 2 done, 3 failed */
  char last_error[128];      /* why the last NTS-KE or authentication failed ("" if none) */
  uint16_t aead;             /* AEAD algorithm in use (15 = AES-SIV-CMAC-256), 0 if none */
  int n_cookies;             /* cookies in the jar */
  int cookie_len;            /* bytes of the newest cookie */
  uint64_t ke_attempts;      /* NTS-KE sessions started */
  uint64_t ke_failures;      /* ... that failed */
  uint64_t naks;             /* NTS NAKs received */
  uint64_t auth_failures;    /* responses dropped: missing or bad authenticator */
  double last_ke_ago;        /* s since the last successful NTS-KE (-1: never) */
  char ke_server[SYN_NAME_LEN]; /* the NTS-KE server asked */
  uint16_t ke_port;
  uint16_t ntp_port;         /* NTP port the KE server gave (or the default) */
} SYN_NtsReport;

/* What `timectl sources` / `sourcestats` show of one source. */
typedef struct {
  int id;
  char name[SYN_NAME_LEN];
  IPAddr addr;
  uint16_t port;
  SEL_Status status;         /* from the last selection */
  int stratum;
  int poll;
  uint8_t reach;
  double last_rx_ago;        /* s since the last good sample (-1: never) */
  double last_offset;        /* s, the last sample's offset adjusted to the current clock
                                (positive: local clock fast, as chronyc prints it) */
  double last_offset_measured; /* s, as measured (same sign) */
  double last_error;         /* s, the last sample's error bound */
  /* sourcestats */
  int n_samples;             /* NP */
  int n_runs;                /* NR */
  double span;               /* s */
  double freq_ppm;           /* residual frequency, ppm */
  double skew_ppm;
  double offset;             /* s, estimate now (positive: local fast) */
  double std_dev;            /* s */
  NSC_Report ntp;            /* protocol state and counters */
  SYN_NtsReport nts;         /* NTS state (authdata) */
  int prefer, noselect, trust, require;
} SYN_SourceReport;

typedef struct SYN_Engine SYN_Engine;

/* seed: random bits for request timestamps (the engine runs its own PRNG from it). */
SYN_Engine *SYN_Create(const SYN_Config *cfg, uint64_t seed, const SYN_Now *now);
void SYN_Destroy(SYN_Engine *e);

/* Add a source; returns its id (>= 0) or -1 (table full, bad parameters).  Its first
   request is due at now (iburst) or after a short random delay. */
int SYN_AddSource(SYN_Engine *e, const SYN_SourceConfig *sc, const SYN_Now *now);
int SYN_RemoveSource(SYN_Engine *e, int id);

/* The time (mono) of the next thing the engine must do; 0 if nothing is scheduled. */
int SYN_NextWake(const SYN_Engine *e, struct timespec *mono);

/* Do everything due at now (requests, slew progress).  acts is cleared first. */
void SYN_OnTimer(SYN_Engine *e, const SYN_Now *now, SYN_Actions *acts);

/* A datagram from source id, received at cooked real time rx_real. */
void SYN_OnPacket(SYN_Engine *e, int id, const uint8_t *buf, size_t len,
                  const struct timespec *rx_real, const SYN_Now *now, SYN_Actions *acts);

/* Force a step of the current offset at the next update (chronyc makestep). */
void SYN_MakeStep(SYN_Engine *e, const SYN_Now *now, SYN_Actions *acts);

/* What the NTP server should say about our time at real time `now`. */
void SYN_GetRefState(const SYN_Engine *e, const struct timespec *now, NSV_RefState *ref);

void SYN_GetTracking(const SYN_Engine *e, const SYN_Now *now, SYN_Tracking *t);
size_t SYN_SourceCount(const SYN_Engine *e);
/* Report of the index-th source (0-based in table order); 0 past the end. */
int SYN_GetSourceReport(const SYN_Engine *e, size_t index, const SYN_Now *now,
                        SYN_SourceReport *r);
/* Source id by index, for online/offline/burst by the caller. */
NSC_Source *SYN_GetNtpSource(SYN_Engine *e, int id);

/* Pool healing: pick one of addrs[0..n) that no source of the engine uses with this port
   (chosen at random among those, so that several daemons behind one pool spread out).
   Returns 1 with *out set, or 0 when every address is in use. */
int SYN_PickNewAddress(SYN_Engine *e, const IPAddr *addrs, size_t n, uint16_t port,
                       IPAddr *out);

/* 1 when the UTC day containing Unix time t is 30 June or 31 December: the only days at
   whose end a leap second may happen (leap bits announced on other days are ignored). */
int SYN_IsLeapDay(time_t t);

/* Current frequency (ppm) and its skew, for the drift file. */
void SYN_GetFrequency(const SYN_Engine *e, double *freq_ppm, double *skew_ppm);

#endif
