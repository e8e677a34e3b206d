/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * helper.c - timed-helper, the privileged half of timed: the only process that keeps
 * CAP_SYS_TIME.  Started by the engine (fork + exec) with a SOCK_SEQPACKET socket as fd 3.
 *
 * It never parses network input, never links GnuTLS or libgps, and serves the closed table
 * of fixed-size requests of privsep.h.  The first message must be the policy (the user to
 * become and which steps the configuration allows); after it the helper runs as that user
 * with only CAP_SYS_TIME, PR_SET_NO_NEW_PRIVS and its own seccomp allow-list.  Any malformed
 * or disallowed request is fatal: the reason goes to stderr and back to the engine, and the
 * helper exits with status 2.  A failing kernel call (e.g. EPERM without CAP_SYS_TIME) is
 * only reported.  The helper exits on EOF (the engine is gone) and on the engine's death
 * (PR_SET_PDEATHSIG).  No other I/O.
 */
#include "config.h"

#include <errno.h>
#include <linux/capability.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "privsep.h"
#include "sandbox.h"

static struct {
  int have_policy;
  unsigned flags;
  double max_step;
  SBX_FilterMode filter;
} H;

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (n > 0) {
    ssize_t w = write(STDERR_FILENO, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    (void)w;
  }
}

static void respond(int fd, uint8_t op, int status, int err, double value)
{
  PRV_Response r = {.op = op, .status = (uint8_t)status, .err = err, .value = value};
  uint8_t buf[PRV_RESP_LEN];

  PRV_EncodeResponse(&r, buf);
  if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) != (ssize_t)sizeof(buf)) {
    _exit(1);
  }
}

static void __attribute__((noreturn)) refuse(int fd, uint8_t op, PRV_Reason reason)
{
  say("timed-helper: fatal: refused request: %s (op %ld); exiting\n", PRV_ReasonText(reason),
      (long)op);
  respond(fd, op, PRV_ST_FATAL, reason, 0.0);
  _exit(2);
}

/* After the policy: become the daemon's user with nothing but CAP_SYS_TIME. */
static double confine(uid_t uid, gid_t gid)
{
  const char *err = "";
  uint64_t have = 0;

  if (!SBX_SwitchUser(uid, gid, 1, &err) || !SBX_KeepCaps(SBX_CAP_BIT(CAP_SYS_TIME), &have, &err)) {
    say("timed-helper: fatal: %s (%ld)\n", err, (long)errno);
    _exit(1);
  }
  /* A change of credentials clears the parent-death signal (credentials(7)): set it again,
     and leave if the engine died in between. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1) {
    _exit(1);
  }
  if (!SBX_NoNewPrivs(&err) || !SBX_ApplyFilter(SBX_PROFILE_HELPER, H.filter, &err)) {
    say("timed-helper: fatal: %s (%ld)\n", err, (long)errno);
    _exit(1);
  }
  return (have & SBX_CAP_BIT(CAP_SYS_TIME)) ? 1.0 : 0.0;
}

static int finite_in(double v, double lo, double hi)
{
  return isfinite(v) && v >= lo && v <= hi;
}

static void serve(int fd, const uint8_t *buf, size_t len)
{
  PRV_Request q;
  PRV_Reason why = PRV_DecodeRequest(buf, len, &q);
  int ok;
  double v = 0.0;

  if (why != PRV_R_NONE) {
    refuse(fd, len >= 2 ? buf[1] : 0, why);
  }
  if (q.op != PRV_OP_POLICY && !H.have_policy) {
    refuse(fd, q.op, PRV_R_STATE);
  }
  switch (q.op) {
  case PRV_OP_POLICY:
    if (H.have_policy) {
      refuse(fd, q.op, PRV_R_STATE);
    }
    if ((q.i3 & ~(uint32_t)PRV_POL_ALL) || q.b != 0.0 || q.i1 == UINT32_MAX || q.i2 == UINT32_MAX) {
      refuse(fd, q.op, PRV_R_PADDING);
    }
    if (!isfinite(q.a)) {
      refuse(fd, q.op, PRV_R_NOT_FINITE);
    }
    if ((q.i3 & PRV_POL_STEP) ? !(q.a > 0.0 && q.a <= PRV_MAX_STEP) : q.a != 0.0) {
      refuse(fd, q.op, PRV_R_RANGE);
    }
    H.have_policy = 1;
    H.flags = q.i3;
    H.max_step = q.a;
    respond(fd, q.op, PRV_ST_OK, 0, confine((uid_t)q.i1, (gid_t)q.i2));
    return;
  case PRV_OP_GET_FREQ:
    if (q.i1 || q.i2 || q.i3 || q.a != 0.0 || q.b != 0.0 || signbit(q.a) || signbit(q.b)) {
      refuse(fd, q.op, PRV_R_PADDING);
    }
    ok = CLK_LinuxDriver.get_freq(&v);
    break;
  case PRV_OP_SET_FREQ:
    if (q.i1 || q.i2 || q.i3 || q.b != 0.0) {
      refuse(fd, q.op, PRV_R_PADDING);
    }
    if (!isfinite(q.a)) {
      refuse(fd, q.op, PRV_R_NOT_FINITE);
    }
    if (!finite_in(q.a, -PRV_MAX_FREQ_PPM, PRV_MAX_FREQ_PPM)) {
      refuse(fd, q.op, PRV_R_RANGE);
    }
    if (!(H.flags & PRV_POL_CLOCK)) {
      refuse(fd, q.op, PRV_R_NO_CLOCK);
    }
    ok = CLK_LinuxDriver.set_freq(q.a);
    break;
  case PRV_OP_STEP:
    if (q.i1 || q.i2 || q.i3 || q.b != 0.0) {
      refuse(fd, q.op, PRV_R_PADDING);
    }
    if (!isfinite(q.a)) {
      refuse(fd, q.op, PRV_R_NOT_FINITE);
    }
    if (!finite_in(fabs(q.a), 0.0, PRV_MAX_STEP)) {
      refuse(fd, q.op, PRV_R_RANGE);
    }
    if (!(H.flags & PRV_POL_CLOCK)) {
      refuse(fd, q.op, PRV_R_NO_CLOCK);
    }
    /* makestep: up to the policy's maximum (maxchange when set); leapsecmode step: the one
       second of a leap, nothing else. */
    if (!((H.flags & PRV_POL_STEP) && fabs(q.a) <= H.max_step) &&
        !((H.flags & PRV_POL_LEAPSTEP) && fabs(fabs(q.a) - 1.0) < 1e-3)) {
      refuse(fd, q.op, PRV_R_STEP_DENIED);
    }
    ok = CLK_LinuxDriver.step(q.a);
    break;
  case PRV_OP_SET_STATUS:
    if (q.i2 || q.i3) {
      refuse(fd, q.op, PRV_R_PADDING);
    }
    if (!isfinite(q.a) || !isfinite(q.b)) {
      refuse(fd, q.op, PRV_R_NOT_FINITE);
    }
    if (q.i1 > 3 || !finite_in(q.a, 0.0, PRV_MAX_ERROR) || !finite_in(q.b, 0.0, PRV_MAX_ERROR)) {
      refuse(fd, q.op, PRV_R_RANGE);
    }
    if (!(H.flags & PRV_POL_CLOCK)) {
      refuse(fd, q.op, PRV_R_NO_CLOCK);
    }
    ok = CLK_LinuxDriver.set_status((int)q.i1, q.a, q.b);
    break;
  default:
    refuse(fd, q.op, PRV_R_OP);
  }
  if (ok) {
    respond(fd, q.op, PRV_ST_OK, 0, v);
  } else {
    respond(fd, q.op, PRV_ST_FAILED, errno ? errno : EIO, 0.0);
  }
}

int main(int argc, char **argv)
{
  const int fd = PRV_HELPER_FD;
  const char *err = "";
  struct stat st;
  struct sigaction sa;

  /* Usage: timed-helper 3 [FILTER]; started by timed only. */
  if (argc < 2 || strcmp(argv[1], "3") != 0 || fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
    say("timed-helper: this is timed's privileged helper; only timed starts it\n");
    return 1;
  }
  H.filter = SBX_FILTER_KILL;
  if (argc > 2) {
    H.filter = argv[2][0] == '0'   ? SBX_FILTER_OFF
               : argv[2][0] == '2' ? SBX_FILTER_TRAP
                                   : SBX_FILTER_KILL;
  }
  /* Die with the engine; if it is already gone, go now. */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() == 1) {
    return 1;
  }
  /* The terminal's signals, and a service manager's SIGTERM to the whole group, are for
     the engine, which then closes our socket: the helper ends on that EOF, so that a stop
     is never mistaken for the helper's death.  SIGKILL still ends it. */
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = SIG_IGN;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGPIPE, &sa, NULL);
  /* Before reading anything: no capability beyond the clock and the user switch, and none
     that a later exec could regain. */
  if (!SBX_DropBoundingSet(SBX_CAP_BIT(CAP_SYS_TIME), &err) ||
      !SBX_KeepCaps(SBX_CAP_BIT(CAP_SYS_TIME) | SBX_CAP_BIT(CAP_SETUID) | SBX_CAP_BIT(CAP_SETGID),
                    NULL, &err)) {
    say("timed-helper: fatal: %s (%ld)\n", err, (long)errno);
    return 1;
  }
  for (;;) {
    uint8_t buf[256];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);

    if (n == 0) {
      return 0; /* the engine closed the socket: normal shutdown */
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return 1;
    }
    serve(fd, buf, (size_t)n);
  }
}
