/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privsep.c - the engine's side of privilege separation: starting timed-helper, the
 * request/response exchange, and the "privsep" clock driver.
 *
 * The helper is forked and exec'd before any network input is read, with one end of a
 * SOCK_SEQPACKET socketpair as its fd 3 and no other descriptor.  Requests are synchronous
 * (send, then wait a bounded time for the one response); between requests the socket is in
 * the event loop only to notice the helper's death, which makes the engine leave its loop
 * and exit with an error.  Never used in the single-process configuration (-P 0).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "privsep.h"
#include "sched.h"

#ifndef HELPER_PATH
#define HELPER_PATH "/usr/local/libexec/timed/timed-helper"
#endif

/* A helper that does not answer within this time is considered dead. */
#define RESPONSE_TIMEOUT_MS 5000

static struct {
  int fd;
  pid_t pid;
  int watched;
  int failed;
  PRV_Policy policy;
} P = {.fd = -1, .pid = -1};

const char *PRV_HelperPath(void)
{
  static char path[PATH_MAX];
  char exe[PATH_MAX];
  const char *env = getenv("TIMED_HELPER");
  ssize_t n;

  if (env && env[0]) {
    return env;
  }
  if (access(HELPER_PATH, X_OK) == 0) {
    return HELPER_PATH;
  }
  /* Not installed: a build tree, where timed-helper sits next to timed. */
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) {
    return HELPER_PATH;
  }
  exe[n] = '\0';
  snprintf(path, sizeof(path), "%s/timed-helper", dirname(exe));
  return path;
}

static void helper_lost(const char *why)
{
  if (!P.failed) {
    LOG_Message(LOG_ERR_LEVEL, "privileged helper %s: exiting", why);
  }
  P.failed = 1;
  SCH_QuitLoop();
}

/* One exchange; 1 with *resp filled, 0 when the helper is gone or broke the protocol. */
static int exchange(const PRV_Request *req, PRV_Response *resp)
{
  uint8_t buf[PRV_REQ_LEN], rbuf[64];
  struct pollfd pfd;
  ssize_t n;
  int r;

  if (P.fd < 0 || P.failed) {
    return 0;
  }
  PRV_EncodeRequest(req, buf);
  if (send(P.fd, buf, sizeof(buf), MSG_NOSIGNAL) != (ssize_t)sizeof(buf)) {
    helper_lost("is gone (send failed)");
    return 0;
  }
  pfd.fd = P.fd;
  pfd.events = POLLIN;
  do {
    r = poll(&pfd, 1, RESPONSE_TIMEOUT_MS);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) {
    helper_lost("did not answer");
    return 0;
  }
  do {
    n = recv(P.fd, rbuf, sizeof(rbuf), 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    helper_lost("closed its socket");
    return 0;
  }
  if (!PRV_DecodeResponse(rbuf, (size_t)n, resp) || resp->op != req->op) {
    helper_lost("sent a malformed response");
    return 0;
  }
  if (resp->status == PRV_ST_FATAL) {
    LOG_Message(LOG_ERR_LEVEL, "privileged helper refused request %d: %s", req->op,
                PRV_ReasonText(resp->err));
    helper_lost("refused a request");
    return 0;
  }
  return 1;
}

static const char *op_name(int op)
{
  switch (op) {
  case PRV_OP_SET_FREQ:
    return "setting the frequency";
  case PRV_OP_STEP:
    return "stepping the clock";
  case PRV_OP_SET_STATUS:
    return "setting the leap/status";
  case PRV_OP_GET_FREQ:
    return "reading the frequency";
  default:
    return "the policy";
  }
}

/* A request whose kernel call may fail harmlessly (no CAP_SYS_TIME): reported, not fatal. */
static int request(const PRV_Request *req, double *value)
{
  PRV_Response resp;

  if (!exchange(req, &resp)) {
    return 0;
  }
  if (resp.status == PRV_ST_FAILED) {
    LOG_RateLimited(LOG_ERR_LEVEL, "helper: %s failed: %s", op_name(req->op), strerror(resp.err));
    return 0;
  }
  if (value) {
    *value = resp.value;
  }
  return 1;
}

int PRV_Start(const char *path, const PRV_Policy *policy, int *has_cap)
{
  PRV_Request req = {.op = PRV_OP_POLICY};
  PRV_Response resp;
  int sv[2];
  pid_t pid;

  /* The child cannot tell why an exec failed; say it here. */
  if (access(path, X_OK) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "privileged helper %s: %s", path, strerror(errno));
    return 0;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "socketpair() failed: %s", strerror(errno));
    return 0;
  }
  pid = fork();
  if (pid < 0) {
    LOG_Message(LOG_ERR_LEVEL, "fork() failed: %s", strerror(errno));
    close(sv[0]);
    close(sv[1]);
    return 0;
  }
  if (pid == 0) {
    /* The child: only async-signal-safe calls until exec.  fd 3 = our end, without
       close-on-exec; nothing else is inherited. */
    char *argv[] = {(char *)"timed-helper", (char *)"3", NULL, NULL};
    char filter[2] = {(char)('0' + (policy->filter & 3)), '\0'};

    argv[2] = filter;
    if (sv[1] == PRV_HELPER_FD) {
      fcntl(sv[1], F_SETFD, 0);
    } else if (dup2(sv[1], PRV_HELPER_FD) < 0) {
      _exit(127);
    }
    if (close_range(PRV_HELPER_FD + 1, ~0U, 0) < 0) {
      int fd; /* kernels before 5.9 */

      for (fd = PRV_HELPER_FD + 1; fd < 4096; fd++) {
        close(fd);
      }
    }
    execv(path, argv);
    _exit(127);
  }
  close(sv[1]);
  P.fd = sv[0];
  P.pid = pid;
  P.policy = *policy;
  P.failed = 0;
  req.i1 = (uint32_t)policy->uid;
  req.i2 = (uint32_t)policy->gid;
  req.i3 = policy->flags & PRV_POL_ALL;
  req.a = (policy->flags & PRV_POL_STEP) ? policy->max_step : 0.0;
  if (!exchange(&req, &resp) || resp.status != PRV_ST_OK) {
    LOG_Message(LOG_ERR_LEVEL, "could not start the privileged helper %s", path);
    PRV_Stop();
    return 0;
  }
  *has_cap = resp.value == 1.0;
  LOG_Message(LOG_INFO_LEVEL, "privileged helper %s running as pid %ld%s", path, (long)pid,
              *has_cap ? "" : " (without CAP_SYS_TIME)");
  return 1;
}

int PRV_Running(void)
{
  return P.fd >= 0 && !P.failed;
}

static void on_helper_readable(int fd, int events, void *arg)
{
  uint8_t buf[64];
  ssize_t n;

  (void)events;
  (void)arg;
  /* Nothing is expected between requests: this is EOF (the helper died) or junk. */
  n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  SCH_RemoveFd(fd);
  P.watched = 0;
  helper_lost(n == 0 ? "exited" : "sent an unexpected message");
}

void PRV_WatchHelper(void)
{
  if (P.fd >= 0 && !P.watched && SCH_AddFd(P.fd, SCH_READ, on_helper_readable, NULL)) {
    P.watched = 1;
  }
}

int PRV_Failed(void)
{
  return P.failed;
}

void PRV_Stop(void)
{
  int i;

  if (P.watched) {
    SCH_RemoveFd(P.fd);
    P.watched = 0;
  }
  if (P.fd >= 0) {
    close(P.fd);
    P.fd = -1;
  }
  if (P.pid <= 0) {
    return;
  }
  /* The helper exits on EOF; reap it (bounded: 2 s) so no zombie is left behind. */
  for (i = 0; i < 200; i++) {
    struct timespec ts = {0, 10000000};

    if (waitpid(P.pid, NULL, WNOHANG) != 0) {
      break;
    }
    nanosleep(&ts, NULL);
  }
  P.pid = -1;
}

int PRV_SetFreq(double ppm)
{
  PRV_Request req = {.op = PRV_OP_SET_FREQ, .a = ppm};

  return request(&req, NULL);
}

int PRV_GetFreq(double *ppm)
{
  PRV_Request req = {.op = PRV_OP_GET_FREQ};

  return request(&req, ppm);
}

int PRV_Step(double delta)
{
  PRV_Request req = {.op = PRV_OP_STEP, .a = delta};

  return request(&req, NULL);
}

int PRV_SetStatus(int leap, double est_error, double max_error)
{
  PRV_Request req = {.op = PRV_OP_SET_STATUS, .i1 = (uint32_t)leap};

  /* The helper refuses what is out of range; clamp what the engine may legitimately
     produce (an unknown error is "large"), so only a real bug is fatal. */
  req.a = isfinite(est_error) && est_error >= 0.0 ? fmin(est_error, PRV_MAX_ERROR) : PRV_MAX_ERROR;
  req.b = isfinite(max_error) && max_error >= 0.0 ? fmin(max_error, PRV_MAX_ERROR) : PRV_MAX_ERROR;
  return request(&req, NULL);
}

static int privsep_set_freq(double ppm)
{
  /* The engine's discipline never goes beyond maxslewrate + maxdrift (< 1e5 ppm); clamp
     anyway so that a wild value is not a fatal protocol violation. */
  if (!isfinite(ppm)) {
    return 0;
  }
  return PRV_SetFreq(fmax(-PRV_MAX_FREQ_PPM, fmin(PRV_MAX_FREQ_PPM, ppm)));
}

static int privsep_step(double delta)
{
  unsigned f = P.policy.flags;

  if (!isfinite(delta)) {
    return 0;
  }
  /* The helper treats a disallowed step as an attack (fatal); a step the configuration
     does not allow (e.g. `timectl makestep` without `makestep`) is refused here first. */
  if (!((f & PRV_POL_STEP) && fabs(delta) <= P.policy.max_step) &&
      !((f & PRV_POL_LEAPSTEP) && fabs(fabs(delta) - 1.0) < 1e-3)) {
    LOG_Message(LOG_WARN_LEVEL, "not stepping the clock by %.6f s: the configuration does not "
                "allow it (makestep)", delta);
    return 0;
  }
  return PRV_Step(delta);
}

static double privsep_correction(void)
{
  return 0.0;
}

const CLK_Driver CLK_PrivsepDriver = {
    .name = "kernel (via helper)",
    .controls_kernel = 1,
    .get_freq = PRV_GetFreq,
    .set_freq = privsep_set_freq,
    .step = privsep_step,
    .set_status = PRV_SetStatus,
    .correction = privsep_correction,
};
