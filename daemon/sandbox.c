/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sandbox.c - capabilities, PR_SET_NO_NEW_PRIVS and the seccomp allow-lists of the engine
 * and the helper.
 *
 * Capabilities are handled with the raw capget/capset calls (linux/capability.h), so
 * neither process needs libcap.  The allow-lists name system calls with libseccomp, which
 * skips names the architecture does not have (e.g. `open` on aarch64).  No logging: errors
 * are returned as static strings (the helper has no log module).  Never used in the
 * single-process simulation configuration (SIMULATION-RULES 5-6: -P 0 -F 0).
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <termios.h>
#include <unistd.h>

#ifdef FEAT_SECCOMP
#include <seccomp.h>
#include <ucontext.h>
#endif

#include "sandbox.h"

#define N_CAPS 64

int SBX_DropBoundingSet(uint64_t keep, const char **err)
{
  int cap;

  for (cap = 0; cap < N_CAPS; cap++) {
    int r;

    if (keep & SBX_CAP_BIT(cap)) {
      continue;
    }
    r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r < 0) {
      break; /* EINVAL: no capability with this number or higher on this kernel */
    }
    if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EPERM) {
        return 1; /* not privileged: nothing we could drop anyway */
      }
      *err = "PR_CAPBSET_DROP failed";
      return 0;
    }
  }
  return 1;
}

int SBX_SwitchUser(uid_t uid, gid_t gid, int keep_caps, const char **err)
{
  uid_t ru, eu, su;
  gid_t rg, eg, sg;

  if (getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0 && ru == uid && eu == uid &&
      su == uid && rg == gid && eg == gid && sg == gid) {
    return 1;
  }
  if (keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
    *err = "PR_SET_KEEPCAPS failed";
    return 0;
  }
  if (setgroups(0, NULL) < 0) {
    *err = "setgroups() failed";
    return 0;
  }
  if (setresgid(gid, gid, gid) < 0) {
    *err = "setresgid() failed";
    return 0;
  }
  if (setresuid(uid, uid, uid) < 0) {
    *err = "setresuid() failed";
    return 0;
  }
  if (uid != 0 && setuid(0) == 0) {
    *err = "could regain root after the user switch";
    return 0;
  }
  if (keep_caps) {
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  }
  return 1;
}

int SBX_KeepCaps(uint64_t keep, uint64_t *have, const char **err)
{
  struct __user_cap_header_struct hdr;
  struct __user_cap_data_struct data[2];
  uint64_t perm, want;

  memset(&hdr, 0, sizeof(hdr));
  memset(data, 0, sizeof(data));
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  if (syscall(SYS_capget, &hdr, data) < 0) {
    *err = "capget() failed";
    return 0;
  }
  perm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
  /* Only what we still have: under a bounding set without CAP_SYS_TIME (the test runner's
     setpriv) the helper ends with nothing, which is reported, not fatal. */
  want = perm & keep;
  memset(data, 0, sizeof(data));
  data[0].permitted = data[0].effective = (uint32_t)want;
  data[1].permitted = data[1].effective = (uint32_t)(want >> 32);
  if (syscall(SYS_capset, &hdr, data) < 0) {
    *err = "capset() failed";
    return 0;
  }
  /* Ambient capabilities would survive an exec; there must be none. */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
    *err = "PR_CAP_AMBIENT_CLEAR_ALL failed";
    return 0;
  }
  if (have) {
    *have = want;
  }
  return 1;
}

int SBX_NoNewPrivs(const char **err)
{
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    *err = "PR_SET_NO_NEW_PRIVS failed";
    return 0;
  }
  return 1;
}

#ifdef FEAT_SECCOMP

/* The engine: the poll() loop, NTP and command sockets, client sockets, timers and clock
   reads, the resolver threads (clone, futex, getaddrinfo's files and DNS and netlink
   sockets), the drift file (openat, write, fsync, rename, unlink), syslog, exit.  No
   process creation beyond threads, no exec, no clock changes, no ptrace, no mount, etc. */
static const char *const engine_calls[] = {
    /* memory */
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
    /* files: configuration includes are read before; drift file, /etc/hosts, resolv.conf,
       NSS, syslog's /etc/localtime */
    "openat", "open", "close", "read", "pread64", "readv", "write", "writev", "lseek",
    "fstat", "newfstatat", "stat", "lstat", "statx", "fsync", "fdatasync", "rename", "renameat",
    "renameat2", "unlink", "unlinkat", "readlink", "readlinkat", "getdents64", "fcntl",
    "access", "faccessat", "faccessat2", "umask",
    /* sockets */
    "socket", "connect", "bind", "listen", "accept", "accept4", "getsockname", "getpeername",
    "setsockopt", "getsockopt", "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg",
    "shutdown",
    /* waiting and time */
    "poll", "ppoll", "select", "pselect6", "clock_gettime", "clock_getres", "gettimeofday",
    "time", "nanosleep", "clock_nanosleep", "restart_syscall",
    /* signals, identity, limits */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "getpid", "gettid",
    "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
    "uname", "sysinfo", "prlimit64", "getrlimit", "sched_getaffinity", "sched_yield",
    "getrandom", "wait4",
    /* threads (resolver) */
    "clone", "clone3", "futex", "set_robust_list", "get_robust_list", "rseq",
    "set_tid_address", "exit", "exit_group", "membarrier",
};

/* Added to the engine's list in the single-process configuration with clock control. */
static const char *const clock_calls[] = {"adjtimex", "clock_adjtime", "clock_settime"};

/* The helper: its socket, the clock, stderr, exit. */
static const char *const helper_calls[] = {
    "read", "recvfrom", "recvmsg", "write", "sendto", "sendmsg", "adjtimex", "clock_adjtime",
    "clock_settime", "clock_gettime", "gettimeofday", "getppid", "getpid", "brk", "mmap",
    "munmap", "rt_sigreturn", "rt_sigprocmask", "exit", "exit_group", "restart_syscall",
    "close", "poll", "ppoll", "fstat", "newfstatat",
};

/* syslog() needs calls (socket, connect) that only the engine's lists allow. */
static int trap_to_syslog;

static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
  char msg[160];
  char *name;
  int n;

  (void)sig;
  /* Diagnosis mode only: resolving the name allocates, which a signal handler should not
     do; the filter mode for production (1) kills instead of getting here. */
  name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, si->si_syscall);
  n = snprintf(msg, sizeof(msg), "seccomp: blocked system call %d (%s) in pid %ld\n",
               si->si_syscall, name ? name : "?", (long)getpid());
  if (n > 0) {
    ssize_t w = write(STDERR_FILENO, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    (void)w;
  }
  if (trap_to_syslog) {
    syslog(LOG_ERR, "%s", msg);
  }
  free(name);
#if defined(__x86_64__)
  ((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
#elif defined(__aarch64__)
  ((ucontext_t *)uctx)->uc_mcontext.regs[0] = (unsigned long long)-ENOSYS;
#else
  (void)uctx;
  _exit(1);
#endif
}

static int add_ioctls(scmp_filter_ctx ctx)
{
  /* stdio's isatty(), FIONREAD; nothing that configures a device. */
  static const unsigned long ok[] = {TCGETS, FIONREAD, FIONBIO};
  size_t i;

  for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                         SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ok[i])) < 0) {
      return 0;
    }
  }
  return 1;
}

int SBX_ApplyFilter(SBX_Profile profile, SBX_FilterMode mode, const char **err)
{
  const char *const *calls = profile == SBX_PROFILE_HELPER ? helper_calls : engine_calls;
  size_t n = profile == SBX_PROFILE_HELPER ? sizeof(helper_calls) / sizeof(helper_calls[0])
                                           : sizeof(engine_calls) / sizeof(engine_calls[0]);
  scmp_filter_ctx ctx;
  size_t i;

  if (mode == SBX_FILTER_OFF) {
    return 1;
  }
  if (mode == SBX_FILTER_TRAP) {
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    trap_to_syslog = profile != SBX_PROFILE_HELPER;
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) < 0) {
      *err = "sigaction(SIGSYS) failed";
      return 0;
    }
  }
  ctx = seccomp_init(mode == SBX_FILTER_TRAP ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
  if (!ctx) {
    *err = "seccomp_init() failed";
    return 0;
  }
  /* All threads, including a resolver thread already running. */
  if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) < 0) {
    *err = "seccomp TSYNC not supported";
    seccomp_release(ctx);
    return 0;
  }
  for (i = 0; i < n; i++) {
    int nr = seccomp_syscall_resolve_name(calls[i]);

    if (nr == __NR_SCMP_ERROR) {
      continue; /* not a system call on this architecture */
    }
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0) {
      *err = "seccomp_rule_add() failed";
      seccomp_release(ctx);
      return 0;
    }
  }
  for (i = 0; i < sizeof(clock_calls) / sizeof(clock_calls[0]); i++) {
    int nr = seccomp_syscall_resolve_name(clock_calls[i]);

    if (profile != SBX_PROFILE_ENGINE_CLOCK) {
      break;
    }

    if (nr != __NR_SCMP_ERROR && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0) {
      *err = "seccomp_rule_add(clock) failed";
      seccomp_release(ctx);
      return 0;
    }
  }
  /* tgkill (abort(), thread signals) only within this process: as the daemon's user it
     could otherwise signal other processes of that user. */
  if (profile != SBX_PROFILE_HELPER &&
      seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid())) < 0) {
    *err = "seccomp_rule_add(tgkill) failed";
    seccomp_release(ctx);
    return 0;
  }
  if (profile != SBX_PROFILE_HELPER && !add_ioctls(ctx)) {
    *err = "seccomp_rule_add(ioctl) failed";
    seccomp_release(ctx);
    return 0;
  }
  if (seccomp_load(ctx) < 0) {
    *err = "seccomp_load() failed";
    seccomp_release(ctx);
    return 0;
  }
  seccomp_release(ctx);
  return 1;
}

int SBX_FilterSupported(void)
{
  return 1;
}

#else

int SBX_ApplyFilter(SBX_Profile profile, SBX_FilterMode mode, const char **err)
{
  (void)profile;
  if (mode == SBX_FILTER_OFF) {
    return 1;
  }
  *err = "built without seccomp (--without-seccomp)";
  return 0;
}

int SBX_FilterSupported(void)
{
  return 0;
}

#endif
