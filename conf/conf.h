/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf.h - configuration parser [core]: chrony.conf-style text in, an immutable config out.
 *
 * No I/O: the text is passed in, and the files named by include/confdir/sourcedir are read
 * through a CNF_FileOps supplied by the caller (the shell), so the parser runs unchanged in
 * unit tests, the fuzzer and the daemon.  Every problem becomes a message
 * "FILE:LINE: error: ..." or "FILE:LINE: warning: ..." in CNF_Messages; nothing is printed.
 *
 * Syntax as chrony.conf(5): one directive per line, words separated by white space, a line
 * whose first non-blank character is one of ! ; # % is a comment.  Directive and option
 * names are matched without regard to case, as chronyd does.  chrony directives that timed
 * does not implement yet are accepted with one warning each, so a chrony configuration
 * mostly just works; a word that is no chrony directive at all is an error.
 */
#ifndef TIMED_CONF_H
#define TIMED_CONF_H

#include <stddef.h>

#include "addr.h"
#include "clientlog.h"

#ifndef RUNDIR
#define RUNDIR "/run/timed"
#endif

/* Longest accepted line, without the newline (as chronyd's 2048-byte line buffer). */
#define CNF_MAX_LINE 2047
/* Nesting limit of include/confdir/sourcedir (the main file is depth 0). */
#define CNF_MAX_DEPTH 8
/* Limit on the number of files read through include/confdir/sourcedir in one parse, so a
   pattern matching many files that include each other cannot take exponential time. */
#define CNF_MAX_FILES 256

/* Most ntsservercert/ntsserverkey pairs (one per name served, chosen by SNI). */
#define CNF_MAX_NTS_PAIRS 8
/* Most ntstrustedcerts directives. */
#define CNF_MAX_NTS_TRUSTED 8

/* One allow/deny line.  net.family ADDR_UNSPEC = all addresses of both families (prefix 0);
   otherwise net has every bit after `prefix` cleared. */
typedef struct {
  IPAddr net;
  int prefix; /* 0..32 or 0..128 */
  int allow;  /* 1 allow, 0 deny */
  int all;    /* the `allow all` / `deny all` form */
  int line;   /* line number in the file that contained it */
} CNF_AccessRule;

/* One server / pool / peer line. */
typedef struct {
  char name[256];          /* host name or address, as written */
  int pool;                /* `pool` directive */
  int peer;                /* written as `peer` (timed treats it as a server) */
  int iburst, burst, prefer, noselect, trust, require, nts;
  int minpoll, maxpoll;    /* log2 s, -7..24; defaults 6 and 10; maxpoll >= minpoll */
  int port;                /* 1..65535, default 123 */
  int nts_port;            /* `ntsport`: NTS-KE port of an NTS source, 1..65535, default 4460 */
  int maxsources;          /* pool only: 1..16, default 4 */
  double maxdelay;         /* seconds, (0, 1000], default 3 */
  int polltarget;          /* 6..60; without the option the global `polltarget` (8) */
  int minsamples;          /* 0..64; without the option the global `minsamples` (6) */
  int maxsamples;          /* 0..64, 0 = no limit; without the option the global
                              `maxsamples` (0) */
  int line;
} CNF_Source;

/* leapsecmode (chrony.conf(5)): how the clock is corrected for a leap second. */
typedef enum {
  CNF_LEAP_SYSTEM = 0, /* the kernel inserts/deletes it (default) */
  CNF_LEAP_STEP,       /* timed steps the clock itself */
  CNF_LEAP_SLEW,       /* slewed, starting at the leap second */
  CNF_LEAP_IGNORE      /* not corrected for; the offset is corrected as any other */
} CNF_LeapMode;

typedef struct {
  int port;                 /* NTP server port, default 123; 0 = never open one */
  IPAddr bind4, bind6;      /* bindaddress, family ADDR_UNSPEC when unset */
  CNF_AccessRule *rules;    /* allow/deny in file order (include order for included files) */
  size_t n_rules;
  CLG_RateParams ratelimit; /* enabled=0 unless `ratelimit` given; interval 3 burst 8 leak 2 */
  size_t clientloglimit;    /* bytes, default 524288, at most 2147483648 */
  int noclientlog;
  int local;                /* `local` given */
  int local_stratum;        /* 1..15, default 10 */
  int local_orphan;
  double local_distance;    /* default 1.0 s */
  double local_activate;    /* default 0 (none) */
  double local_waitsynced;  /* default 0 s */
  double local_waitunsynced; /* default 300 s with orphan, else 0 */
  char user[64];            /* "" = stay the user we started as */
  char bindcmdaddress[108]; /* command socket path, default RUNDIR "/timed.sock"; "" = no
                               socket (`bindcmdaddress /`, as chrony) */
  char pidfile[256];        /* default RUNDIR "/timed.pid"; "" = none (`pidfile /`, as chrony) */
  char driftfile[256];      /* "" = none */
  int driftfile_interval;   /* seconds between writes, default 3600 */
  double makestep_threshold; /* seconds; default 0 with limit 0: never step */
  int makestep_limit;       /* number of first updates that may step; negative = always */
  double maxchange_offset;  /* seconds; 0 = check off (default) */
  int maxchange_start, maxchange_ignore; /* ignore < 0: ignore every large offset */
  CNF_Source *sources;      /* server / pool / peer lines in order */
  size_t n_sources;
  /* Source selection (chrony.conf(5) "Source selection"; defaults as chrony). */
  int minsources;           /* 1..64, default 1 */
  double maxdistance;       /* seconds, [0, 1e6], default 3 */
  double maxjitter;         /* seconds, [0, 1e6], default 1 */
  double combinelimit;      /* [0, 1e6], default 3 */
  double reselectdist;      /* seconds, [0, 1e6], default 1e-4 */
  double stratumweight;     /* seconds per stratum, [0, 1e6], default 1e-3 */
  /* Clock discipline. */
  double maxslewrate;       /* ppm, (0, 100000], default 83333.333 */
  double maxupdateskew;     /* ppm, (0, 1e6], default 1000 */
  double maxdrift;          /* ppm, (0, 500000], default 500 (chrony: 500000; see
                               doc/timed.conf.md) */
  double corrtimeratio;     /* (0, 1e6], default 3 */
  CNF_LeapMode leapsecmode; /* default CNF_LEAP_SYSTEM */
  /* Defaults of the per-source options of the same names; each CNF_Source already has
     its effective value, these are kept for sources added later. */
  int polltarget;           /* 6..60, default 8 */
  int minsamples;           /* 0..64, default 6 */
  int maxsamples;           /* 0..64, default 0 = no limit */
  /* NTS server (RFC 8915; chrony.conf(5) names and defaults).  The NTS-KE server runs
     when at least one certificate/key pair is given. */
  char nts_cert[CNF_MAX_NTS_PAIRS][256]; /* ntsservercert FILE, in order */
  char nts_key[CNF_MAX_NTS_PAIRS][256];  /* ntsserverkey FILE, paired with the cert of the
                                            same index (a count mismatch is an error) */
  size_t n_nts_pairs;
  int nts_port;             /* ntsport: NTS-KE TCP port, default 4460; 0 = no KE server */
  char nts_dumpdir[256];    /* ntsdumpdir: where server keys are saved; "" = not saved */
  int nts_rotate;           /* ntsrotate: seconds between server key rotations, default
                               604800 (1 week); 0 = never */
  char nts_ntpserver[256];  /* ntsntpserver: NTP server named in KE responses; "" = us */
  int nts_ntpserver_port;   /* its port (timed's optional second argument); 0 = our `port` */
  int max_nts_connections;  /* maxntsconnections: concurrent KE connections, default 100 */
  int nts_processes;        /* ntsprocesses: accepted; 0 = KE in the main loop (timed
                               always runs it there for now), default 1 as chrony */
  char nts_fleet_secret[256]; /* ntsfleetsecret FILE (timed only): derive each rotation
                                 epoch's key from this shared secret (HKDF) so that every
                                 server holding it accepts the others' cookies; "" = random
                                 keys */
  /* NTS client (chrony.conf(5) names and defaults). */
  char nts_trusted[CNF_MAX_NTS_TRUSTED][256]; /* ntstrustedcerts FILE|DIR, in order */
  size_t n_nts_trusted;
  int no_system_cert;       /* nosystemcert: do not trust the system's CA store */
  int no_cert_time_check;   /* nocerttimecheck N: the first N NTS-KE sessions skip the
                               certificate time check (a clock that is still wrong at boot) */
  int nts_refresh;          /* ntsrefresh: seconds between NTS-KE sessions of a source,
                               default 1209600 (2 weeks); 0 = never */
} CNF_Config;

/* Messages of one parse.  Each message is one line "FILE:LINE: error: ..." or
   "FILE:LINE: warning: ..." appended to text (always NUL-terminated, len bytes without the
   NUL).  When text is full, later messages are still counted but their text is dropped and
   a final "...: further messages suppressed" line says so. */
typedef struct {
  size_t n_errors, n_warnings;
  char text[16384];
  size_t len;
  int truncated; /* 1 once a message did not fit */
} CNF_Messages;

/* File access for include/confdir/sourcedir, supplied by the shell (the core stays I/O-free). */
typedef struct {
  void *ctx;
  /* Read a whole file: return 1 with a malloc'ed buffer in *text and its size in *len (the
     caller frees it; it need not be NUL-terminated), or 0 with *err set to a static string. */
  int (*read_file)(void *ctx, const char *path, char **text, size_t *len, const char **err);
  /* is_dir 0: expand the glob pattern (as glob(3), no match = 0 files).  is_dir 1: list the
     `*.conf` files of the directory (a missing directory = 0 files).  Return the number of
     paths, sorted, in *paths (a malloc'ed array of malloc'ed strings, the caller frees
     them), or -1 on an error.  For `sourcedir DIR` the parser asks with is_dir 0 for the
     glob pattern DIR followed by "/" and "*.sources", with glob metacharacters in DIR
     escaped by a backslash. */
  int (*list_files)(void *ctx, const char *pattern_or_dir, int is_dir, char ***paths);
} CNF_FileOps;

/* The built-in default (no sources, no allow: a pure client).  NULL on allocation failure.
   Free with CNF_Free. */
CNF_Config *CNF_Default(void);

/* Parse len bytes of text (any bytes: NULs, long lines and invalid UTF-8 are reported, never
   crash).  filename is used in messages (NULL: "<config>").  fops may be NULL (then
   include/confdir/sourcedir are errors).  msgs may be NULL; otherwise it is cleared first and
   receives every error and warning.  Returns NULL if there was any error, else a config to
   free with CNF_Free. */
CNF_Config *CNF_Parse(const char *text, size_t len, const char *filename, const CNF_FileOps *fops,
                      CNF_Messages *msgs);

/* Free a config from CNF_Default or CNF_Parse (NULL is fine). */
void CNF_Free(CNF_Config *c);

#endif
