/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - timed's start-up and shut-down: options, configuration, then the event loop.
 *
 * Start-up order: configuration (or the built-in default), logging, daemonising, the
 * privileged helper (fork + exec, before any network input; privsep.c), pid file, server
 * sockets and command socket (while still root), then the engine gives up everything: the
 * daemon's user, no capabilities, PR_SET_NO_NEW_PRIVS, the seccomp allow-list (sandbox.c),
 * and only then the main loop.  -P 0 is the single-process configuration (simulation,
 * debugging): no helper, the clock driver runs in this process.  All decisions about
 * packets are made by the core (ntp_server.c); this file only wires the pieces together.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addrfilt.h"
#include "clientlog.h"
#include "clock.h"
#include "cmdmon.h"
#include "cmdops.h"
#include "conf.h"
#include "log.h"
#include "ntp_client.h"
#include "ntp_io.h"
#include "ntp_server.h"
#include "ntp_wire.h"
#include "privsep.h"
#include "nts_ke.h"
#include "sandbox.h"
#include "sched.h"
#include "sys.h"

#ifndef CONF_PATH
#define CONF_PATH "/etc/timed.conf"
#endif
/* The engine's user when the configuration names none (doc/privsep.md). */
#ifndef DEFAULT_USER
#define DEFAULT_USER "_timed"
#endif

static struct {
  CNF_Config *cfg;
  ADF_Table *acl;
  CLG_Table *clients;
  NSV_Server *server;
  int n_server_sockets;
  int cmdmon_up;
} D;

static size_t on_ntp_packet(void *arg, const NIO_Packet *pkt, uint8_t *out, size_t cap)
{
  struct timespec tx, mono;
  NSV_RefState ref;
  NSV_Result r;
  size_t len = 0;

  (void)arg;
  SCH_GetLastEventMono(&mono);
  CLK_ReadRealTime(&tx);
  NCL_GetRefState(&tx, &ref);
  r = NSV_HandleRequest(D.server, &pkt->from, pkt->data, pkt->len, &pkt->rx_ts, &tx, &mono, &ref,
                        SYS_Random32(), out, cap, &len);
  if (r == NSV_REPLY || r == NSV_REPLY_KOD || r == NSV_REPLY_NTS || r == NSV_REPLY_NTS_NAK) {
    return len;
  }
  return 0;
}

/* SIGHUP: a renewed NTS certificate is picked up without a restart (the old one stays if
   the new one is bad). */
static void on_reload(void)
{
  if (NKE_IsRunning()) {
    LOG_Message(LOG_INFO_LEVEL, "SIGHUP: reloading NTS certificates");
    NKE_ReloadCertificates();
  } else {
    LOG_Message(LOG_INFO_LEVEL, "SIGHUP received: nothing to reload");
  }
}

/* ---- start-up ---- */

static void usage(FILE *f)
{
  fprintf(f,
          "Usage: timed [-f FILE] [-d] [-x] [-P 0|1] [-F 0|1|2] [-n] [-v]\n"
          "  -f FILE  configuration file (default %s; built-in default if it doesn't exist)\n"
          "  -d       stay in the foreground and log to stderr (twice: debug messages)\n"
          "  -x       never touch the system clock: compute and report only\n"
          "  -P 0|1   privilege separation: 1 a privileged helper (default), 0 one process\n"
          "  -F 0|1|2 seccomp filter: 0 off, 1 kill on a forbidden call (default), 2 log it\n"
          "  -n       check the configuration and exit (0: fine, 1: errors, listed)\n"
          "  -v       print the version and exit\n",
          CONF_PATH);
}

static void print_version(void)
{
  printf("timed %s (%cNTS %cSECCOMP %cGPSD %cPPS)\n", PACKAGE_VERSION,
#ifdef FEAT_NTS
         '+',
#else
         '-',
#endif
#ifdef FEAT_SECCOMP
         '+',
#else
         '-',
#endif
#ifdef FEAT_GPSD
         '+',
#else
         '-',
#endif
#ifdef FEAT_PPS
         '+'
#else
         '-'
#endif
  );
}

/* Read and parse the configuration; NULL on errors, which are printed to stderr. */
static CNF_Config *load_config(const char *path, int explicit_path, int *used_default)
{
  CNF_Messages msgs;
  CNF_Config *cfg;
  char *text;
  size_t len;

  *used_default = 0;
  if (!SYS_ReadFile(path, 4 * 1024 * 1024, &text, &len)) {
    if (errno == ENOENT && !explicit_path) {
      *used_default = 1;
      return CNF_Default();
    }
    fprintf(stderr, "timed: cannot read %s: %s\n", path, strerror(errno));
    return NULL;
  }
  memset(&msgs, 0, sizeof(msgs));
  cfg = CNF_Parse(text, len, path, &SYS_ConfFileOps, &msgs);
  free(text);
  if (msgs.len > 0) {
    fprintf(stderr, "%.*s", (int)msgs.len, msgs.text);
    if (msgs.text[msgs.len - 1] != '\n') {
      fputc('\n', stderr);
    }
  }
  if (!cfg || msgs.n_errors > 0) {
    CNF_Free(cfg);
    return NULL;
  }
  return cfg;
}

/* The directory of the pid file and command socket, created 0750 when missing (as chronyd
   creates /run/chrony) and given to the daemon's user. */
static void ensure_parent_dir(const char *path, uid_t uid, gid_t gid)
{
  char copy[4096];
  struct stat st;
  char *dir;

  if (!path || !path[0]) {
    return;
  }
  snprintf(copy, sizeof(copy), "%s", path);
  dir = dirname(copy);
  if (lstat(dir, &st) == 0) {
    return;
  }
  if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
    LOG_Message(LOG_WARN_LEVEL, "could not create %s: %s", dir, strerror(errno));
    return;
  }
  if (uid != (uid_t)-1 && chown(dir, uid, gid) < 0) {
    LOG_Message(LOG_WARN_LEVEL, "could not chown %s: %s", dir, strerror(errno));
  }
}

static int build_server(void)
{
  size_t i;

  D.acl = ADF_Create();
  if (!D.acl) {
    return 0;
  }
  for (i = 0; i < D.cfg->n_rules; i++) {
    const CNF_AccessRule *r = &D.cfg->rules[i];
    if (!ADF_AddRule(D.acl, &r->net, r->prefix, r->allow, r->all)) {
      LOG_Message(LOG_ERR_LEVEL, "invalid access rule from line %d", r->line);
      return 0;
    }
  }
  if (!D.cfg->noclientlog) {
    D.clients = CLG_Create(D.cfg->clientloglimit, &D.cfg->ratelimit, SYS_Random32());
    if (!D.clients) {
      return 0;
    }
  } else if (D.cfg->ratelimit.enabled) {
    LOG_Message(LOG_WARN_LEVEL, "ratelimit has no effect with noclientlog");
  }
  D.server = NSV_Create(D.acl, D.clients);
  return D.server != NULL;
}

/* The engine's user: `user` from the configuration (fatal if it does not exist), else
   DEFAULT_USER; when that does not exist either, the engine keeps uid 0 but no capability
   at all (a warning: create the user).  Only when started as root; *drop: a uid change. */
static int resolve_user(uid_t *uid, gid_t *gid, int *drop)
{
  const char *name = D.cfg->user[0] ? D.cfg->user : DEFAULT_USER;

  *drop = 0;
  *uid = geteuid();
  *gid = getegid();
  if (geteuid() != 0) {
    if (D.cfg->user[0]) {
      LOG_Message(LOG_WARN_LEVEL, "not started as root: ignoring 'user %s'", D.cfg->user);
    }
    return 1;
  }
  if (!SYS_LookupUser(name, uid, gid)) {
    if (D.cfg->user[0]) {
      LOG_Message(LOG_FATAL_LEVEL, "user '%s' does not exist", name);
      return 0;
    }
    LOG_Message(LOG_WARN_LEVEL, "user '%s' does not exist: the engine stays uid 0, without any "
                "capability (create the user or set 'user', see doc/privsep.md)", name);
    *uid = 0;
    *gid = 0;
    return 1;
  }
  *drop = *uid != 0;
  return 1;
}

/* Fork the privileged helper; it becomes uid/gid too, keeping only CAP_SYS_TIME. */
static void start_helper(uid_t uid, gid_t gid, int no_clock, int filter)
{
  PRV_Policy pol;
  int has_cap = 0;

  memset(&pol, 0, sizeof(pol));
  pol.uid = uid;
  pol.gid = gid;
  pol.filter = filter;
  if (!no_clock) {
    pol.flags |= PRV_POL_CLOCK;
    /* makestep configured: steps up to maxchange when that is checked from the first
       update, else up to the helper's absolute limit. */
    if (D.cfg->makestep_threshold > 0.0 && D.cfg->makestep_limit != 0) {
      pol.flags |= PRV_POL_STEP;
      pol.max_step = D.cfg->maxchange_offset > 0.0 && D.cfg->maxchange_start <= 0
                         ? D.cfg->maxchange_offset
                         : PRV_MAX_STEP;
      if (pol.max_step > PRV_MAX_STEP) {
        pol.max_step = PRV_MAX_STEP;
      }
    }
    if (D.cfg->leapsecmode == CNF_LEAP_STEP) {
      pol.flags |= PRV_POL_LEAPSTEP;
    }
  }
  if (!PRV_Start(PRV_HelperPath(), &pol, &has_cap)) {
    LOG_Fatal("cannot run without the privileged helper (or use -P 0)");
  }
  CLK_Initialise(no_clock ? &CLK_NullDriver : &CLK_PrivsepDriver);
  if (!no_clock && !has_cap) {
    LOG_Message(LOG_WARN_LEVEL, "no CAP_SYS_TIME: the clock cannot be adjusted");
  }
}

/* Give up everything before the first network input: the user, every capability (but
   CAP_SYS_TIME in the single-process configuration with clock control), and every system
   call outside the allow-list. */
static void confine_engine(uid_t uid, gid_t gid, int drop, int keep_clock, int filter)
{
  uint64_t keep = keep_clock ? SBX_CAP_BIT(CAP_SYS_TIME) : 0;
  const char *err = "";

  /* Not started as root (e.g. under a simulator): there is nothing to give up but further
     privileges, and no capability call is made (SIMULATION-RULES 3: no raw syscall()). */
  if (geteuid() == 0 &&
      (!SBX_DropBoundingSet(keep, &err) || (drop && !SBX_SwitchUser(uid, gid, keep != 0, &err)) ||
       !SBX_KeepCaps(keep, NULL, &err))) {
    LOG_Fatal("dropping privileges failed: %s (%s)", err, strerror(errno));
  }
  if (!SBX_NoNewPrivs(&err)) {
    LOG_Fatal("dropping privileges failed: %s (%s)", err, strerror(errno));
  }
  if (!SBX_ApplyFilter(keep_clock ? SBX_PROFILE_ENGINE_CLOCK : SBX_PROFILE_ENGINE,
                       (SBX_FilterMode)filter, &err)) {
    LOG_Fatal("seccomp filter: %s (%s)", err, strerror(errno));
  }
  LOG_Message(LOG_INFO_LEVEL, "engine running as uid %u gid %u, %s, seccomp filter %s",
              (unsigned)getuid(), (unsigned)getgid(),
              keep ? "capabilities: CAP_SYS_TIME only" : "no capabilities",
              filter == SBX_FILTER_OFF    ? "off"
              : filter == SBX_FILTER_KILL ? "on"
                                          : "on (trap and log)");
}

int main(int argc, char **argv)
{
  const char *conf_path = CONF_PATH;
  int opt, foreground = 0, no_clock = 0, check_only = 0, explicit_path = 0, used_default;
  uid_t uid = (uid_t)-1;
  gid_t gid = (gid_t)-1;
  int drop = 0, ret, privsep = 1, filter = SBX_FILTER_KILL, filter_given = 0;
  static CMD_Context cmd_ctx;

  while ((opt = getopt(argc, argv, "f:dxnvhP:F:")) != -1) {
    switch (opt) {
    case 'f':
      conf_path = optarg;
      explicit_path = 1;
      break;
    case 'd':
      foreground++;
      break;
    case 'x':
      no_clock = 1;
      break;
    case 'n':
      check_only = 1;
      break;
    case 'P':
      if (strcmp(optarg, "0") != 0 && strcmp(optarg, "1") != 0) {
        fprintf(stderr, "timed: -P takes 0 or 1\n");
        return 1;
      }
      privsep = optarg[0] == '1';
      break;
    case 'F':
      if (strcmp(optarg, "0") != 0 && strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0) {
        fprintf(stderr, "timed: -F takes 0, 1 or 2\n");
        return 1;
      }
      filter = optarg[0] - '0';
      filter_given = 1;
      break;
    case 'v':
      print_version();
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 1;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "timed: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 1;
  }

  D.cfg = load_config(conf_path, explicit_path, &used_default);
  if (check_only) {
    if (D.cfg) {
      printf("%s: configuration OK\n", used_default ? "built-in default" : conf_path);
    }
    CNF_Free(D.cfg);
    return D.cfg ? 0 : 1;
  }
  if (!D.cfg) {
    return 1;
  }

  LOG_Initialise(foreground > 0, foreground > 1 ? LOG_DEBUG_LEVEL : LOG_INFO_LEVEL);
  if (!foreground) {
    SYS_Daemonise();
  }
  SYS_InitRandom();
  if (filter != SBX_FILTER_OFF && !SBX_FilterSupported()) {
    if (filter_given) {
      LOG_Fatal("-F %d: this timed was built without seccomp", filter);
    }
    LOG_Message(LOG_WARN_LEVEL, "built without seccomp: no system-call filter");
    filter = SBX_FILTER_OFF;
  }
  if (!resolve_user(&uid, &gid, &drop)) {
    return 1;
  }
  if (drop) {
    SYS_SetFileOwner(uid, gid);
  }
  if (privsep) {
    start_helper(uid, gid, no_clock, filter);
  } else {
    CLK_Initialise(no_clock ? &CLK_NullDriver : &CLK_LinuxDriver);
    if (!no_clock && !CLK_CanControlClock()) {
      LOG_Message(LOG_WARN_LEVEL, "no CAP_SYS_TIME: the clock cannot be adjusted");
    }
  }
  LOG_Message(LOG_INFO_LEVEL, "timed %s starting (config %s, clock control %s, %s)",
              PACKAGE_VERSION, used_default ? "built-in default" : conf_path, CLK_GetDriver()->name,
              privsep ? "privilege separation" : "single process");

  SCH_Initialise();
  ensure_parent_dir(D.cfg->pidfile, drop ? uid : (uid_t)-1, gid);
  if (!SYS_WritePidFile(D.cfg->pidfile)) {
    return 1;
  }
  if (!build_server()) {
    LOG_Fatal("out of memory setting up the server");
  }
  if (D.cfg->port > 0 && ADF_AnyAllowed(D.acl)) {
    D.n_server_sockets = NIO_OpenServer(&D.cfg->bind4, &D.cfg->bind6, D.cfg->port, on_ntp_packet, NULL);
    if (D.n_server_sockets == 0) {
      SYS_RemovePidFile(D.cfg->pidfile);
      LOG_Fatal("could not open any NTP server socket on port %d", D.cfg->port);
    }
  } else {
    LOG_Message(LOG_INFO_LEVEL, "no NTP access allowed: client only, no NTP port open");
  }
  /* Before the privilege drop and seccomp: it reads the certificates, keys and ntsdumpdir
     and binds the NTS-KE port. */
  if (!NKE_Initialise(D.cfg, D.server, D.cfg->port)) {
    SYS_RemovePidFile(D.cfg->pidfile);
    LOG_Fatal("could not start the NTS-KE server");
  }
  SCH_SetReloadHandler(on_reload);
  if (!NCL_Initialise(D.cfg)) {
    SYS_RemovePidFile(D.cfg->pidfile);
    LOG_Fatal("could not start the NTP client");
  }
  cmd_ctx.cfg = D.cfg;
  cmd_ctx.acl = D.acl;
  cmd_ctx.clients = D.clients;
  cmd_ctx.server = D.server;
  if (D.cfg->bindcmdaddress[0]) {
    ensure_parent_dir(D.cfg->bindcmdaddress, drop ? uid : (uid_t)-1, gid);
    D.cmdmon_up = CAM_Initialise(D.cfg->bindcmdaddress, drop ? uid : (uid_t)-1,
                                 drop ? gid : (gid_t)-1, drop ? uid : geteuid(), &CMD_Ops, &cmd_ctx);
    if (!D.cmdmon_up) {
      LOG_Message(LOG_WARN_LEVEL, "command socket %s not available", D.cfg->bindcmdaddress);
    }
  }
  confine_engine(uid, gid, drop, !privsep && !no_clock, filter);
  PRV_WatchHelper();

  ret = SCH_MainLoop();

  if (D.cmdmon_up) {
    CAM_Finalise();
  }
  NCL_Finalise();
  if (NCL_Failed()) {
    ret = 1;
  }
  NIO_CloseServer();
  if (PRV_Failed()) {
    ret = 1;
  }
  PRV_Stop();
  /* The pid file's directory may no longer be writable after the privilege drop; a stale
     file is recognised as such at the next start. */
  SYS_RemovePidFile(D.cfg->pidfile);
  NKE_Finalise();
  NSV_Destroy(D.server);
  CLG_Destroy(D.clients);
  ADF_Destroy(D.acl);
  SCH_Finalise();
  LOG_Message(LOG_INFO_LEVEL, "timed exiting");
  LOG_Finalise();
  CNF_Free(D.cfg);
  return ret;
}
