/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * selection.h - choosing which sources to follow [core].  A pure function of the sources'
 * current estimates: no I/O, no state between calls except what the caller passes back.
 *
 * Each candidate stands for an interval [offset - distance, offset + distance] that should
 * contain the true time.  Sources whose intervals do not share a point with the majority are
 * falsetickers (RFC 5905 §11.2.1, Marzullo's algorithm as chrony applies it); the survivors
 * (the truechimers) are not clustered further (as chrony: sources with too much jitter are
 * already excluded by maxjitter); one is selected as the system peer (the best, with
 * hysteresis towards the current one and `prefer`), and the truechimers close enough to it
 * (combinelimit) are combined with it, weighted by 1/distance (RFC 5905 §11.2.3).  A source
 * that disagrees with the majority is never followed.
 *
 * Sign convention (as ntp_source.h): offset = reference time - local time.
 */
#ifndef TIMED_SELECTION_H
#define TIMED_SELECTION_H

#include <stddef.h>

/* Per-source state codes, the letters chronyc selectdata shows. */
typedef enum {
  SEL_ST_NONE = 0,     /* not examined */
  SEL_ST_NOSELECT,     /* 'N' noselect option */
  SEL_ST_MISSING,      /* 'M' no usable estimate yet (too few samples, unreachable) */
  SEL_ST_UNSYNC,       /* 's' the source is not synchronised (leap 3 / stratum 16) */
  SEL_ST_DISTANCE,     /* 'd' root distance above maxdistance */
  SEL_ST_JITTER,       /* '~' jitter above maxjitter */
  SEL_ST_WAITING,      /* 'W' not enough sources agree yet (minsources) */
  SEL_ST_FALSETICKER,  /* 'x' outside the majority's intersection */
  SEL_ST_OUTLIER,      /* '-' a truechimer dropped by clustering/combining limits */
  SEL_ST_COMBINED,     /* '+' combined with the selected source */
  SEL_ST_SELECTED,     /* '*' the system peer */
  SEL_ST_COUNT
} SEL_Status;

typedef struct {
  int id;                /* caller's id, copied to the result */
  int usable;            /* 0: no estimate yet -> SEL_ST_MISSING */
  double offset;         /* s, estimate at the time of selection */
  double root_distance;  /* s, half-width of the correctness interval: root delay/2 +
                            root dispersion + own dispersion + jitter terms */
  double std_dev;        /* s, jitter of the source's samples */
  double freq;           /* ppm, frequency of the local clock relative to the source
                            (positive: local clock fast), from the source's regression */
  double skew;           /* ppm, error bound of freq */
  double root_delay, root_dispersion; /* s, to be combined into ours */
  int stratum;           /* the source's stratum (ours would be +1) */
  int leap;              /* 0..2, or 3 = unsynchronised */
  int prefer, noselect, trust, require;
} SEL_Candidate;

typedef struct {
  int minsources;        /* default 1 */
  double maxdistance;    /* s, default 3 */
  double maxjitter;      /* s, default 1 */
  double combinelimit;   /* sources with distance > combinelimit * selected's are not combined; default 3 */
  double reselectdist;   /* s, hysteresis: a new peer must be better by this; default 1e-4 */
  int current_id;        /* id of the current system peer, -1 if none */
  double stratumweight;  /* s per stratum added to the distance when choosing the peer;
                            default 1e-3 (chrony) */
} SEL_Params;

typedef struct {
  int selected;          /* index into the candidates of the system peer, -1 if none */
  int selected_id;       /* its id, -1 if none */
  int n_truechimers;     /* candidates inside the majority interval */
  double offset;         /* s, combined */
  double offset_sd;      /* s, error estimate of the combined offset */
  double freq, skew;     /* ppm, combined */
  double root_delay;     /* s, of the selected source, as RFC 5905 §11.2.3 uses */
  double root_dispersion;/* s, combined system root dispersion (without our own terms) */
  int stratum;           /* selected source's stratum */
  int leap;              /* majority vote of the truechimers' leap bits (0..2) */
  double interval_lo, interval_hi; /* the majority intersection, s */
} SEL_Result;

/* Default parameters. */
void SEL_DefaultParams(SEL_Params *p);

/* Run selection over n candidates; status[i] receives each candidate's state (array of n).
   Returns 1 when a system peer was selected (out filled), 0 when none could be (out then
   has selected = selected_id = -1 and n_truechimers set, the rest zero).  p NULL means the
   defaults; status and out may be NULL.  Candidates with a NaN, infinite or negative
   offset/distance/jitter, a negative skew or a leap/stratum out of range are SEL_ST_MISSING.
   Parameters that are NaN or out of range are replaced by their defaults. */
int SEL_Select(const SEL_Candidate *c, size_t n, const SEL_Params *p, SEL_Status *status,
               SEL_Result *out);

/* The chronyc letter of a status ('*', '+', '-', 'x', '~', 'd', 's', 'M', 'N', 'W', '?'). */
char SEL_StatusChar(SEL_Status s);

#endif
