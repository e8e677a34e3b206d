/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * helperprobe.c - test tool: runs timed-helper itself on a socketpair and sends it one
 * crafted request, to show what the helper accepts and what it refuses.
 *
 * Usage: helperprobe HELPER CASE.  Prints one line "status=OK|FAILED|FATAL|EOF detail=...
 * exit=N" (N: the helper's exit status after the exchange) and exits 0 when it could run the
 * case.  It only ever asks the helper to change the clock (case setfreq-eperm) after making
 * sure that CAP_SYS_TIME is not in its own bounding set, so that the helper's call must fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privsep.h"

static int sock = -1;

static void send_raw(const uint8_t *buf, size_t len)
{
  if (send(sock, buf, len, MSG_NOSIGNAL) < 0) {
    printf("send failed: %s\n", strerror(errno));
  }
}

static void send_req(const PRV_Request *r)
{
  uint8_t buf[PRV_REQ_LEN];

  PRV_EncodeRequest(r, buf);
  send_raw(buf, sizeof(buf));
}

/* One response: 0 OK, 1 FAILED, 2 FATAL, -1 EOF or garbage; detail text in out. */
static int get_resp(char *out, size_t cap, double *value)
{
  uint8_t buf[64];
  PRV_Response r;
  ssize_t n = recv(sock, buf, sizeof(buf), 0);

  if (n <= 0 || !PRV_DecodeResponse(buf, (size_t)n, &r)) {
    snprintf(out, cap, "%s", n == 0 ? "closed" : "bad-response");
    return -1;
  }
  if (r.status == PRV_ST_FATAL) {
    snprintf(out, cap, "%s", PRV_ReasonText(r.err));
  } else if (r.status == PRV_ST_FAILED) {
    snprintf(out, cap, "%s", strerror(r.err));
  } else {
    snprintf(out, cap, "value %g", r.value);
  }
  if (value) {
    *value = r.value;
  }
  return r.status;
}

static int no_sys_time_in_bounding_set(void)
{
  char line[256];
  unsigned long long bnd = ~0ULL;
  FILE *f = fopen("/proc/self/status", "r");

  if (!f) {
    return 0;
  }
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, "CapBnd:", 7) == 0) {
      bnd = strtoull(line + 7, NULL, 16);
    }
  }
  fclose(f);
  return !(bnd & (1ULL << 25));
}

int main(int argc, char **argv)
{
  static const char *const names[] = {"OK", "FAILED", "FATAL"};
  const char *c;
  PRV_Request q;
  char detail[128] = "";
  int sv[2], st = -1, wst = 0;
  pid_t pid;
  double v = 0.0;

  if (argc != 3) {
    fprintf(stderr, "usage: helperprobe HELPER CASE\n");
    return 2;
  }
  c = argv[2];
  if ((strcmp(c, "setfreq-eperm") == 0 || strcmp(c, "status-eperm") == 0 ||
       strcmp(c, "step-eperm") == 0) && !no_sys_time_in_bounding_set()) {
    fprintf(stderr, "helperprobe: refusing: CAP_SYS_TIME is in the bounding set (run under "
                    "setpriv --bounding-set=-sys_time)\n");
    return 2;
  }
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
    perror("socketpair");
    return 2;
  }
  pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    char *av[] = {(char *)"timed-helper", (char *)"3", (char *)"1", NULL};

    close(sv[0]);
    if (dup2(sv[1], PRV_HELPER_FD) < 0) {
      _exit(127);
    }
    execv(argv[1], av);
    _exit(127);
  }
  close(sv[1]);
  sock = sv[0];

  memset(&q, 0, sizeof(q));
  if (strcmp(c, "nopolicy") != 0 && strcmp(c, "eof") != 0) {
    /* Clock control on, no steps allowed (no makestep), our own user. */
    q.op = PRV_OP_POLICY;
    q.i1 = (uint32_t)getuid();
    q.i2 = (uint32_t)getgid();
    q.i3 = PRV_POL_CLOCK;
    if (strcmp(c, "step-eperm") == 0) {
      /* As with `makestep 0.1 3` and no maxchange. */
      q.i3 |= PRV_POL_STEP;
      q.a = PRV_MAX_STEP;
    }
    send_req(&q);
    if (get_resp(detail, sizeof(detail), NULL) != PRV_ST_OK) {
      printf("status=POLICY-FAILED detail=%s\n", detail);
      return 1;
    }
  }
  memset(&q, 0, sizeof(q));
  if (strcmp(c, "eof") == 0) {
    st = -2;
  } else if (strcmp(c, "nopolicy") == 0 || strcmp(c, "getfreq") == 0) {
    q.op = PRV_OP_GET_FREQ;
    send_req(&q);
  } else if (strcmp(c, "short") == 0 || strcmp(c, "long") == 0) {
    uint8_t buf[PRV_REQ_LEN + 1];

    q.op = PRV_OP_GET_FREQ;
    PRV_EncodeRequest(&q, buf);
    buf[PRV_REQ_LEN] = 0;
    send_raw(buf, strcmp(c, "short") == 0 ? PRV_REQ_LEN - 1 : PRV_REQ_LEN + 1);
  } else if (strcmp(c, "version") == 0) {
    uint8_t buf[PRV_REQ_LEN];

    q.op = PRV_OP_GET_FREQ;
    PRV_EncodeRequest(&q, buf);
    buf[0] = PRV_VERSION + 1;
    send_raw(buf, sizeof(buf));
  } else if (strcmp(c, "op") == 0) {
    q.op = 99;
    send_req(&q);
  } else if (strcmp(c, "nan") == 0) {
    q.op = PRV_OP_SET_FREQ;
    q.a = NAN;
    send_req(&q);
  } else if (strcmp(c, "inf") == 0) {
    q.op = PRV_OP_STEP;
    q.a = INFINITY;
    send_req(&q);
  } else if (strcmp(c, "range") == 0) {
    q.op = PRV_OP_SET_FREQ;
    q.a = 2.0 * PRV_MAX_FREQ_PPM;
    send_req(&q);
  } else if (strcmp(c, "padding") == 0) {
    q.op = PRV_OP_SET_FREQ;
    q.i2 = 1;
    send_req(&q);
  } else if (strcmp(c, "step") == 0) {
    q.op = PRV_OP_STEP;
    q.a = 0.5;
    send_req(&q);
  } else if (strcmp(c, "leap") == 0) {
    q.op = PRV_OP_SET_STATUS;
    q.i1 = 4;
    send_req(&q);
  } else if (strcmp(c, "policy2") == 0) {
    q.op = PRV_OP_POLICY;
    q.i3 = PRV_POL_ALL;
    q.a = 1000.0;
    send_req(&q);
  } else if (strcmp(c, "status-eperm") == 0) {
    q.op = PRV_OP_SET_STATUS;
    q.i1 = 0;
    q.a = 0.001;
    q.b = 0.5;
    send_req(&q);
  } else if (strcmp(c, "step-eperm") == 0) {
    /* A step the policy allows; zero seconds, so that not even a bounding-set mistake
       could move the clock. */
    q.op = PRV_OP_STEP;
    q.a = 0.0;
    send_req(&q);
  } else if (strcmp(c, "setfreq-eperm") == 0) {
    /* Read the frequency, ask for the same value (no change even if it worked), then
       check that the helper is still serving. */
    q.op = PRV_OP_GET_FREQ;
    send_req(&q);
    if (get_resp(detail, sizeof(detail), &v) != PRV_ST_OK) {
      printf("status=GETFREQ-FAILED detail=%s\n", detail);
      return 1;
    }
    q.op = PRV_OP_SET_FREQ;
    q.a = v;
    send_req(&q);
    st = get_resp(detail, sizeof(detail), NULL);
    q.op = PRV_OP_GET_FREQ;
    q.a = 0.0;
    send_req(&q);
    {
      char after[64];

      if (get_resp(after, sizeof(after), NULL) != PRV_ST_OK) {
        printf("status=NOT-SERVING-AFTER-FAILURE detail=%s\n", after);
        return 1;
      }
    }
  } else {
    fprintf(stderr, "helperprobe: unknown case %s\n", c);
    kill(pid, SIGKILL);
    return 2;
  }
  if (st == -1) {
    st = get_resp(detail, sizeof(detail), NULL);
  }
  close(sock);
  if (waitpid(pid, &wst, 0) < 0) {
    perror("waitpid");
    return 2;
  }
  printf("status=%s detail=%s exit=%d\n", st == -2 ? "EOF" : st >= 0 && st <= 2 ? names[st] : "EOF",
         detail, WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + WTERMSIG(wst));
  return 0;
}
