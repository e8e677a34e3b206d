/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timectl.c - command-line client of timed's command socket.
 *
 * Sends one request per datagram over AF_UNIX (protocol: cmdmon/cmdmon_proto.h) on a
 * socket connected to the daemon's (so only the daemon can answer), waits for the reply
 * with poll(), checks its sequence number, and prints it like chronyc or as one JSON
 * object (--json).
 * It binds its own address so the daemon can answer (SIMULATION-RULES 13) and removes
 * whatever it created before it exits.  It never resolves names (no network traffic).
 *
 * Exit status: 0 success, 1 the daemon could not be reached or refused the command,
 * 2 usage error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "cmdmon_wire.h"
#include "timectl.h"

#ifndef RUNDIR
#define RUNDIR "/run/timed"
#endif

#define DEFAULT_SOCKET RUNDIR "/timed.sock"
#define TRIES 3
#define TRY_TIMEOUT_MS 1000
/* Safety bound on `clients` paging, whatever totals the daemon reports. */
#define MAX_CLIENT_RECORDS 1000000u
/* LOCL, the reference id of the `local` clock: not a synchronised state for waitsync. */
#define REFID_LOCAL 0x7F7F0101u

static const char *daemon_path = DEFAULT_SOCKET;
static int sock_fd = -1;
static char own_path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
static char own_dir[sizeof(own_path)];
int TCL_json;
int TCL_numeric; /* -n: show addresses instead of the configured names */
static uint32_t next_sequence;
static volatile sig_atomic_t got_signal;

static void cleanup(void)
{
  if (sock_fd >= 0) {
    close(sock_fd);
    sock_fd = -1;
  }
  if (own_path[0] != '\0') {
    unlink(own_path);
    own_path[0] = '\0';
  }
  if (own_dir[0] != '\0') {
    rmdir(own_dir);
    own_dir[0] = '\0';
  }
}

static void on_signal(int sig)
{
  got_signal = sig;
}

void TCL_Die(const char *fmt, ...)
{
  va_list ap;

  fputs("timectl: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  cleanup();
  exit(1);
}

static void cannot_talk(const char *why)
{
  TCL_Die("cannot talk to timed at %s: %s", daemon_path, why);
}

static void usage(FILE *f)
{
  fprintf(f,
          "Usage: timectl [-h SOCKET] [-j|--json] [-n] COMMAND [ARGS]\n"
          "  -h SOCKET   command socket of timed (default %s)\n"
          "  -j, --json  print one JSON object instead of text\n"
          "  -n          show source addresses instead of configured names\n"
          "Commands:\n"
          "  tracking             state of the system clock\n"
          "  sources [-v]         the NTP sources and their last samples\n"
          "  sourcestats [-v]     the sources' regression statistics\n"
          "  selectdata [-v]      the sources' state in source selection\n"
          "  activity             how many sources are online, offline, in a burst\n"
          "  waitsync [TRIES [MAX_CORRECTION [MAX_SKEW [INTERVAL]]]]\n"
          "                       wait until the clock is synchronised (0 tries: forever)\n"
          "  serverstats          NTP/NTS server and command socket counters\n"
          "  authdata             authentication (NTS) state of every source\n"
          "  clients              NTP clients seen by the server\n"
          "  accheck ADDR         whether NTP access from ADDR is allowed\n"
          "  ntpdata [ADDR]       NTP details of every source (or those of ADDR)\n"
          "Control commands (root or the daemon's user only):\n"
          "  makestep             step the clock by the current offset now\n"
          "  burst GOOD/MAX [ADDR] send MAX requests quickly to ADDR (default: all)\n"
          "  online [ADDR]        set ADDR (default: all sources) online\n"
          "  offline [ADDR]       set ADDR (default: all sources) offline\n"
          "  add server|pool NAME [OPTIONS]\n"
          "                       add a source (options as the server directive)\n"
          "  delete ADDR [PORT]   remove the sources with address ADDR (and PORT)\n"
          "  reload certs         reload the NTS server certificates (as SIGHUP)\n"
          "  shutdown             stop timed\n"
          "  help                 this text\n",
          DEFAULT_SOCKET);
}

/* ---- socket ---- */

static int bind_path(const char *path)
{
  struct sockaddr_un sa;
  mode_t old;
  int r;

  if (strlen(path) >= sizeof(sa.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
  /* The daemon may run as another user: it needs write permission on our socket to
     reply.  Set at creation through the umask; the socket is connected to the daemon's,
     so nobody else can send to it anyway. */
  old = umask(0111);
  r = bind(sock_fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  if (r == 0) {
    snprintf(own_path, sizeof(own_path), "%s", path);
  }
  return r;
}

/* Bind our own address: a path next to the daemon's socket, else a private directory in
   /tmp, else a kernel-chosen abstract address (Linux autobind). */
static void open_socket(void)
{
  char path[sizeof(own_path)];
  const char *slash = strrchr(daemon_path, '/');
  sa_family_t family = AF_UNIX;
  int n;

  sock_fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (sock_fd < 0) {
    TCL_Die("socket: %s", strerror(errno));
  }

  /* The daemon sends to the path we bind, resolved from ITS working directory, so the
     path must be absolute. */
  if (daemon_path[0] == '/') {
    n = snprintf(path, sizeof(path), "%.*s/timectl.%ld.sock", (int)(slash - daemon_path),
                 daemon_path, (long)getpid());
  } else {
    char cwd[sizeof(path)];

    n = -1;
    if (getcwd(cwd, sizeof(cwd))) {
      n = snprintf(path, sizeof(path), "%s/%.*s%stimectl.%ld.sock", cwd,
                   slash ? (int)(slash - daemon_path) : 0, daemon_path, slash ? "/" : "",
                   (long)getpid());
    }
  }
  if (n > 0 && (size_t)n < sizeof(path)) {
    struct stat st;

    /* A socket left by a dead timectl that had our pid. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
      unlink(path);
    }
    if (bind_path(path) == 0) {
      return;
    }
  }

  snprintf(own_dir, sizeof(own_dir), "/tmp/timectl.XXXXXX");
  if (mkdtemp(own_dir)) {
    /* Searchable (not listable) by the daemon's user, which must reach our socket. */
    if (chmod(own_dir, 0711) == 0) {
      n = snprintf(path, sizeof(path), "%s/sock", own_dir);
      if (n > 0 && (size_t)n < sizeof(path) && bind_path(path) == 0) {
        return;
      }
    }
    rmdir(own_dir);
  }
  own_dir[0] = '\0';

  if (bind(sock_fd, (struct sockaddr *)&family, sizeof(family)) < 0) {
    TCL_Die("cannot bind a client socket: %s", strerror(errno));
  }
}

static uint32_t random_sequence(void)
{
  uint32_t v;

  if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v)) {
    return v;
  }
  return (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL);
}

static long elapsed_ms(const struct timespec *since)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Send req and wait for its reply; exits with a message when the daemon cannot be
   reached.  Returns only replies with our command and sequence. */
int TCL_TransactStatus(CMW_Request *req, CMW_Reply *rep)
{
  uint8_t out[CMP_MAX_PACKET], in[CMP_MAX_PACKET + 1];
  CMW_Result bad = CMW_OK;
  size_t len;
  int try;

  if (sock_fd < 0) {
    struct sockaddr_un to;

    open_socket();
    /* Connected: the kernel then delivers only datagrams sent by the daemon's socket, so
       nobody else can slip us a reply. */
    memset(&to, 0, sizeof(to));
    to.sun_family = AF_UNIX;
    snprintf(to.sun_path, sizeof(to.sun_path), "%s", daemon_path);
    if (connect(sock_fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
      cannot_talk(strerror(errno));
    }
  }
  req->sequence = next_sequence++;
  len = CMW_EncodeRequest(req, out, sizeof(out));
  if (len == 0) {
    TCL_Die("cannot encode the request");
  }
  for (try = 0; try < TRIES; try++) {
    struct timespec start;
    long left;

    if (send(sock_fd, out, len, 0) < 0) {
      if (errno == EINTR && !got_signal) {
        continue;
      }
      cannot_talk(strerror(errno));
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    while ((left = TRY_TIMEOUT_MS - elapsed_ms(&start)) > 0) {
      struct pollfd pfd = {.fd = sock_fd, .events = POLLIN};
      CMW_Result dr;
      ssize_t n;
      int r = poll(&pfd, 1, (int)left);

      if (got_signal) {
        TCL_Die("interrupted");
      }
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r < 0) {
        TCL_Die("poll: %s", strerror(errno));
      }
      if (r == 0) {
        break;
      }
      n = recv(sock_fd, in, sizeof(in), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
          continue;
        }
        /* A refused earlier datagram can surface here (ECONNREFUSED). */
        cannot_talk(strerror(errno));
      }
      dr = CMW_DecodeReply(in, (size_t)n, rep);
      if (dr != CMW_OK) {
        bad = dr; /* keep waiting: a good reply may still come */
        continue;
      }
      if (rep->sequence != req->sequence ||
          (rep->command != req->command && rep->status == CMP_STATUS_OK)) {
        continue; /* a late reply to an earlier try or request */
      }
      return rep->status;
    }
  }
  if (bad != CMW_OK) {
    TCL_Die("invalid reply from timed at %s (%s)", daemon_path, CMW_ResultText(bad));
  }
  cannot_talk("no reply");
  return CMP_STATUS_FAILED; /* not reached */
}

void TCL_Transact(CMW_Request *req, CMW_Reply *rep)
{
  int status = TCL_TransactStatus(req, rep);

  if (status != CMP_STATUS_OK) {
    TCL_Die("%s", CMW_StatusText((uint16_t)status));
  }
}


/* ---- output helpers ---- */

void TCL_JsonString(const char *s)
{
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;

    if (c == '"' || c == '\\') {
      printf("\\%c", c);
    } else if (c < 0x20 || c >= 0x7f) {
      printf("\\u%04x", c);
    } else {
      putchar(c);
    }
  }
  putchar('"');
}


/* Seconds.nanoseconds of a timespec, exact (a double would lose the nanoseconds). */
static void format_ts(const struct timespec *ts, char *buf, size_t len)
{
  long long sec = (long long)ts->tv_sec;
  long nsec = ts->tv_nsec;

  if (sec < 0 && nsec > 0) {
    snprintf(buf, len, "-%lld.%09ld", -(sec + 1), 1000000000L - nsec);
  } else {
    snprintf(buf, len, "%lld.%09ld", sec, nsec);
  }
}

/* The reference name: the address when there is one, else the id as text when it is
   printable ASCII (refclocks, LOCL), else nothing. */
static void ref_name(const CMW_Tracking *t, char *buf, size_t len)
{
  char text[5];
  int i, n = 0;

  if (t->ref_addr.family != ADDR_UNSPEC) {
    ADDR_Format(&t->ref_addr, buf, len);
    return;
  }
  for (i = 0; i < 4; i++) {
    unsigned char c = (unsigned char)(t->ref_id >> (24 - 8 * i));

    if (c == 0) {
      break;
    }
    if (c < 0x20 || c >= 0x7f) {
      n = 0;
      break;
    }
    text[n++] = (char)c;
  }
  text[n] = '\0';
  snprintf(buf, len, "%s", text);
}

static const char *leap_text(const CMW_Tracking *t, int for_json)
{
  if (!t->synchronised || t->leap == 3) {
    return for_json ? "unsynchronised" : "Not synchronised";
  }
  switch (t->leap) {
  case 1:
    return for_json ? "insert" : "Insert second";
  case 2:
    return for_json ? "delete" : "Delete second";
  default:
    return for_json ? "normal" : "Normal";
  }
}

/* ---- commands ---- */

static int cmd_tracking(void)
{
  CMW_Request req;
  CMW_Reply rep;
  const CMW_Tracking *t = &rep.u.tracking;
  char name[ADDR_STRLEN], when[64], ts[48];
  struct tm tm;
  time_t sec;
  int have_tm;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_TRACKING;
  TCL_Transact(&req, &rep);

  ref_name(t, name, sizeof(name));
  sec = t->ref_time.tv_sec;
  have_tm = gmtime_r(&sec, &tm) != NULL;
  if (!have_tm || strftime(when, sizeof(when), "%a %b %d %H:%M:%S %Y", &tm) == 0) {
    snprintf(when, sizeof(when), "-");
  }
  if (TCL_json) {
    format_ts(&t->ref_time, ts, sizeof(ts));
    printf("{\"reference_id\":\"%08" PRIX32 "\",\"reference_name\":", t->ref_id);
    TCL_JsonString(name);
    printf(",\"reference_address\":");
    if (t->ref_addr.family != ADDR_UNSPEC) {
      TCL_JsonString(name);
    } else {
      printf("null");
    }
    printf(",\"stratum\":%u,\"ref_time\":%s,\"ref_time_utc\":", t->stratum, ts);
    if (!have_tm || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
      when[0] = '\0';
    }
    TCL_JsonString(when);
    printf(",\"system_time_offset\":%.9f,\"last_offset\":%.9f,\"rms_offset\":%.9f,"
           "\"frequency_ppm\":%.6f,\"residual_frequency_ppm\":%.6f,\"skew_ppm\":%.6f,"
           "\"root_delay\":%.9f,\"root_dispersion\":%.9f,\"update_interval\":%.3f,"
           "\"leap_status\":\"%s\",\"synchronised\":%s,\"clock_control\":\"%s\","
           "\"local_active\":%s}\n",
           t->system_offset, t->last_offset, t->rms_offset, t->freq_ppm, t->resid_freq_ppm,
           t->skew_ppm, t->root_delay, t->root_dispersion, t->update_interval,
           leap_text(t, 1), t->synchronised ? "true" : "false",
           t->clock_control ? "kernel" : "none", t->local_active ? "true" : "false");
    return 0;
  }
  printf("Reference ID    : %08" PRIX32 " (%s)\n", t->ref_id, name);
  printf("Stratum         : %u\n", t->stratum);
  printf("Ref time (UTC)  : %s\n", when);
  printf("System time     : %.9f seconds %s of NTP time\n", fabs(t->system_offset),
         t->system_offset >= 0.0 ? "fast" : "slow");
  printf("Last offset     : %+.9f seconds\n", t->last_offset);
  printf("RMS offset      : %.9f seconds\n", t->rms_offset);
  printf("Frequency       : %.3f ppm %s\n", fabs(t->freq_ppm), t->freq_ppm < 0.0 ? "slow" : "fast");
  printf("Residual freq   : %+.3f ppm\n", t->resid_freq_ppm);
  printf("Skew            : %.3f ppm\n", t->skew_ppm);
  printf("Root delay      : %.9f seconds\n", t->root_delay);
  printf("Root dispersion : %.9f seconds\n", t->root_dispersion);
  printf("Update interval : %.1f seconds\n", t->update_interval);
  printf("Leap status     : %s\n", leap_text(t, 0));
  printf("Clock control   : %s\n", t->clock_control ? "kernel" : "none (-x)");
  return 0;
}

/* "Last" column: seconds, then minutes, hours, days, years, in at most 4 characters. */
void TCL_FormatAgo(double s, char *buf, size_t len)
{
  if (!(s >= 0.0) || s > 1e12) {
    snprintf(buf, len, "-");
  } else if (s < 1200.0) {
    snprintf(buf, len, "%.0f", floor(s));
  } else if (s < 36000.0) {
    snprintf(buf, len, "%.0fm", floor(s / 60.0));
  } else if (s < 345600.0) {
    snprintf(buf, len, "%.0fh", floor(s / 3600.0));
  } else if (s < 999.0 * 86400.0) {
    snprintf(buf, len, "%.0fd", floor(s / 86400.0));
  } else {
    snprintf(buf, len, "%.0fy", floor(s / (365.0 * 86400.0)));
  }
}

static int cmd_clients(void)
{
  CMW_Request req;
  CMW_Reply rep;
  uint32_t start = 0, shown = 0, total = 0, i;

  if (TCL_json) {
    printf("{\"clients\":[");
  } else {
    printf("%-25s %9s %6s %6s %4s %6s\n", "Hostname", "NTP", "Drop", "KoD", "Int", "Last");
    printf("=============================================================\n");
  }
  for (;;) {
    const CMW_ClientsPage *p = &rep.u.clients;

    memset(&req, 0, sizeof(req));
    req.command = CMP_CMD_CLIENTS;
    req.u.clients.start = start;
    TCL_Transact(&req, &rep);
    total = p->total;
    if (p->start != start) {
      TCL_Die("unexpected clients page (asked for %" PRIu32 ", got %" PRIu32 ")", start, p->start);
    }
    for (i = 0; i < p->count; i++) {
      const CMW_Client *c = &p->clients[i];
      char addr[ADDR_STRLEN], ago[16], ival[16];

      ADDR_Format(&c->addr, addr, sizeof(addr));
      if (TCL_json) {
        printf("%s{\"address\":", shown ? "," : "");
        TCL_JsonString(addr);
        printf(",\"ntp_hits\":%" PRIu64 ",\"ntp_drops\":%" PRIu64 ",\"ntp_kods\":%" PRIu64
               ",\"last_ago\":%.6f,\"interval\":%.6f}",
               c->hits, c->drops, c->kods, c->last_ago, c->interval);
      } else {
        /* Int: log2 of the average interval, as chronyc shows it. */
        if (c->interval > 0.0) {
          snprintf(ival, sizeof(ival), "%ld", lround(log2(c->interval)));
        } else {
          snprintf(ival, sizeof(ival), "-");
        }
        TCL_FormatAgo(c->last_ago, ago, sizeof(ago));
        printf("%-25s %9" PRIu64 " %6" PRIu64 " %6" PRIu64 " %4s %6s\n", addr, c->hits,
               c->drops, c->kods, ival, ago);
      }
      shown++;
    }
    if (p->count == 0 || p->count > UINT32_MAX - start || start + p->count >= total ||
        shown >= MAX_CLIENT_RECORDS) {
      break;
    }
    start += p->count;
  }
  if (TCL_json) {
    printf("],\"total\":%" PRIu32 "}\n", total);
  }
  return 0;
}

static int cmd_accheck(const char *text)
{
  CMW_Request req;
  CMW_Reply rep;
  char addr[ADDR_STRLEN];

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_ACCHECK;
  if (!ADDR_Parse(text, &req.u.accheck.addr)) {
    fprintf(stderr, "timectl: invalid address %s (a numeric IPv4 or IPv6 address)\n", text);
    return 2;
  }
  TCL_Transact(&req, &rep);
  ADDR_Format(&req.u.accheck.addr, addr, sizeof(addr));
  if (TCL_json) {
    printf("{\"address\":");
    TCL_JsonString(addr);
    printf(",\"allowed\":%s}\n", rep.u.accheck.allowed ? "true" : "false");
  } else {
    printf("%s: access %s\n", addr, rep.u.accheck.allowed ? "allowed" : "denied");
  }
  return 0;
}

static int cmd_shutdown(void)
{
  CMW_Request req;
  CMW_Reply rep;

  memset(&req, 0, sizeof(req));
  req.command = CMP_CMD_SHUTDOWN;
  TCL_Transact(&req, &rep);
  if (TCL_json) {
    printf("{\"status\":\"ok\"}\n");
  } else {
    printf("OK\n");
  }
  return 0;
}

/* A whole decimal number in [min, max]; 0 when the text is anything else. */
static int parse_uint(const char *text, unsigned long min, unsigned long max,
                      unsigned long *out)
{
  char *end;

  if (text[0] < '0' || text[0] > '9') {
    return 0;
  }
  errno = 0;
  *out = strtoul(text, &end, 10);
  return errno == 0 && *end == '\0' && *out >= min && *out <= max;
}

/* makestep, burst GOOD/MAX [ADDR], online [ADDR], offline [ADDR]. */
static int cmd_control(uint16_t command, const char *counts, const char *addr_text)
{
  CMW_Request req;
  CMW_Reply rep;
  IPAddr *addr = NULL;

  memset(&req, 0, sizeof(req));
  req.command = command;
  if (command == CMP_CMD_BURST) {
    unsigned long good, max;
    const char *slash = strchr(counts, '/');
    char first[16];

    if (!slash || (size_t)(slash - counts) >= sizeof(first)) {
      fprintf(stderr, "timectl: burst wants GOOD/MAX, e.g. burst 4/8\n");
      return 2;
    }
    snprintf(first, sizeof(first), "%.*s", (int)(slash - counts), counts);
    if (!parse_uint(slash + 1, 1, CMP_BURST_MAX, &max) || !parse_uint(first, 0, max, &good)) {
      fprintf(stderr, "timectl: invalid burst %s (GOOD <= MAX, 1 <= MAX <= %d)\n", counts,
              CMP_BURST_MAX);
      return 2;
    }
    req.u.burst.n_good = (uint32_t)good;
    req.u.burst.n_max = (uint32_t)max;
    addr = &req.u.burst.addr;
  } else if (command == CMP_CMD_ONLINE || command == CMP_CMD_OFFLINE) {
    addr = &req.u.online.addr;
  }
  if (addr_text && (!addr || !ADDR_Parse(addr_text, addr))) {
    fprintf(stderr, "timectl: invalid address %s (a numeric IPv4 or IPv6 address)\n",
            addr_text);
    return 2;
  }
  TCL_Transact(&req, &rep);
  if (TCL_json) {
    printf("{\"status\":\"ok\"");
    if (addr) {
      printf(",\"matched\":%" PRIu32, rep.u.matched.matched);
    }
    printf("}\n");
  } else {
    printf("200 OK\n");
  }
  return 0;
}

/* A non-negative decimal number (waitsync limits); 0 when the text is anything else. */
static int parse_nonneg(const char *text, double max, double *out)
{
  char *end;

  errno = 0;
  *out = strtod(text, &end);
  return errno == 0 && end != text && *end == '\0' && isfinite(*out) && *out >= 0.0 &&
         *out <= max;
}

/* Sleep through poll() (no sleep(): SIGINT must end the wait at once). */
static void wait_ms(long ms)
{
  struct timespec start;
  long left;

  clock_gettime(CLOCK_MONOTONIC, &start);
  while ((left = ms - elapsed_ms(&start)) > 0) {
    if (poll(NULL, 0, (int)(left > 1000000 ? 1000000 : left)) < 0 && errno != EINTR) {
      TCL_Die("poll: %s", strerror(errno));
    }
    if (got_signal) {
      TCL_Die("interrupted");
    }
  }
}

/* waitsync [MAX_TRIES [MAX_CORRECTION [MAX_SKEW [INTERVAL]]]] as chronyc: ask for tracking
   every INTERVAL s (default 10) until the daemon is synchronised to a real source (not the
   local clock) with |system time offset| <= MAX_CORRECTION s and skew <= MAX_SKEW ppm (0:
   no limit); exit 0 then, or 1 after MAX_TRIES tries (0: no limit). */
static int cmd_waitsync(int nargs, char **args)
{
  unsigned long tries = 0, try;
  double max_corr = 0.0, max_skew = 0.0, interval = 10.0;

  if ((nargs > 0 && !parse_uint(args[0], 0, 1000000000ul, &tries)) ||
      (nargs > 1 && !parse_nonneg(args[1], 1e9, &max_corr)) ||
      (nargs > 2 && !parse_nonneg(args[2], 1e9, &max_skew)) ||
      (nargs > 3 && (!parse_nonneg(args[3], 86400.0, &interval) || interval < 0.1))) {
    fprintf(stderr, "timectl: waitsync [MAX_TRIES [MAX_CORRECTION [MAX_SKEW [INTERVAL]]]]: "
                    "non-negative numbers, INTERVAL 0.1..86400 s\n");
    return 2;
  }
  for (try = 1;; try++) {
    CMW_Request req;
    CMW_Reply rep;
    const CMW_Tracking *t = &rep.u.tracking;
    double corr;
    int ok;

    memset(&req, 0, sizeof(req));
    req.command = CMP_CMD_TRACKING;
    TCL_Transact(&req, &rep);
    corr = fabs(t->system_offset);
    ok = t->synchronised && t->leap != 3 && t->ref_id != 0 && t->ref_id != REFID_LOCAL &&
         (max_corr == 0.0 || corr <= max_corr) && (max_skew == 0.0 || t->skew_ppm <= max_skew);
    if (!TCL_json) {
      char name[ADDR_STRLEN];

      ref_name(t, name, sizeof(name));
      printf("try: %lu, refid: %08" PRIX32 " (%s), correction: %.9f, skew: %.3f\n", try,
             t->ref_id, name, corr, t->skew_ppm);
      fflush(stdout);
    }
    if (ok || (tries != 0 && try >= tries)) {
      if (TCL_json) {
        printf("{\"synchronised\":%s,\"tries\":%lu,\"reference_id\":\"%08" PRIX32 "\","
               "\"correction\":%.9f,\"skew_ppm\":%.6f}\n",
               ok ? "true" : "false", try, t->ref_id, corr, t->skew_ppm);
      }
      return ok ? 0 : 1;
    }
    wait_ms(lround(interval * 1000.0));
  }
}

int main(int argc, char **argv)
{
  static const struct option longopts[] = {
      {"json", no_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'H'},
      {NULL, 0, NULL, 0},
  };
  struct sigaction sa;
  const char *cmd;
  int opt, nargs, ret;

  /* '+': stop at the command, so its arguments are never taken as options. */
  while ((opt = getopt_long(argc, argv, "+h:jn", longopts, NULL)) != -1) {
    switch (opt) {
    case 'h':
      daemon_path = optarg;
      break;
    case 'j':
      TCL_json = 1;
      break;
    case 'n':
      TCL_numeric = 1; /* names are never resolved either way */
      break;
    case 'H':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  cmd = argv[optind];
  nargs = argc - optind - 1;
  if (strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (daemon_path[0] == '\0' ||
      strlen(daemon_path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
    fprintf(stderr, "timectl: socket path too long or empty: %s\n", daemon_path);
    return 2;
  }

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR and we clean up */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  next_sequence = random_sequence();

  if (strcmp(cmd, "tracking") == 0 && nargs == 0) {
    ret = cmd_tracking();
  } else if (strcmp(cmd, "serverstats") == 0 && nargs == 0) {
    ret = TCL_CmdServerStats();
  } else if (strcmp(cmd, "clients") == 0 && nargs == 0) {
    ret = cmd_clients();
  } else if (strcmp(cmd, "accheck") == 0 && nargs == 1) {
    ret = cmd_accheck(argv[optind + 1]);
  } else if (strcmp(cmd, "shutdown") == 0 && nargs == 0) {
    ret = cmd_shutdown();
  } else if ((strcmp(cmd, "sources") == 0 || strcmp(cmd, "sourcestats") == 0 ||
              strcmp(cmd, "selectdata") == 0) &&
             (nargs == 0 || (nargs == 1 && strcmp(argv[optind + 1], "-v") == 0))) {
    ret = TCL_CmdSources(cmd, nargs == 1);
  } else if (strcmp(cmd, "activity") == 0 && nargs == 0) {
    ret = TCL_CmdActivity();
  } else if (strcmp(cmd, "makestep") == 0 && nargs == 0) {
    ret = cmd_control(CMP_CMD_MAKESTEP, NULL, NULL);
  } else if (strcmp(cmd, "burst") == 0 && (nargs == 1 || nargs == 2)) {
    ret = cmd_control(CMP_CMD_BURST, argv[optind + 1], nargs == 2 ? argv[optind + 2] : NULL);
  } else if ((strcmp(cmd, "online") == 0 || strcmp(cmd, "offline") == 0) && nargs <= 1) {
    ret = cmd_control(strcmp(cmd, "online") == 0 ? CMP_CMD_ONLINE : CMP_CMD_OFFLINE, NULL,
                      nargs == 1 ? argv[optind + 1] : NULL);
  } else if (strcmp(cmd, "add") == 0 && nargs >= 2) {
    ret = TCL_CmdAdd(nargs, argv + optind + 1);
  } else if (strcmp(cmd, "delete") == 0 && (nargs == 1 || nargs == 2)) {
    ret = TCL_CmdDelete(nargs, argv + optind + 1);
  } else if (strcmp(cmd, "ntpdata") == 0 && nargs <= 1) {
    ret = TCL_CmdNtpData(nargs, argv + optind + 1);
  } else if (strcmp(cmd, "authdata") == 0 && nargs == 0) {
    ret = TCL_CmdAuthData();
  } else if (strcmp(cmd, "reload") == 0 && nargs == 1) {
    ret = TCL_CmdReload(argv[optind + 1]);
  } else if (strcmp(cmd, "waitsync") == 0 && nargs <= 4) {
    ret = cmd_waitsync(nargs, argv + optind + 1);
  } else {
    fprintf(stderr, "timectl: unknown command or wrong arguments: %s\n", cmd);
    usage(stderr);
    ret = 2;
  }
  cleanup();
  if (fflush(stdout) != 0 && ret == 0) {
    fprintf(stderr, "timectl: cannot write the output: %s\n", strerror(errno));
    ret = 1;
  }
  return ret;
}
