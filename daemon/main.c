/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - timed's start-up and shut-down: options, configuration, then the event loop.
 *
 * Start-up order: configuration (or the built-in default), logging, daemonising, pid file,
 * server sockets and command socket (while still privileged), privilege drop, main loop.
 * All decisions about packets are made by the core (ntp_server.c); this file only wires
 * the pieces together.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
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
#include "sched.h"
#include "sys.h"

#ifndef CONF_PATH
#define CONF_PATH "/etc/timed.conf"
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
  if (r == NSV_REPLY || r == NSV_REPLY_KOD) {
    return len;
  }
  return 0;
}

/* ---- start-up ---- */

static void usage(FILE *f)
{
  fprintf(f,
          "Usage: timed [-f FILE] [-d] [-x] [-n] [-v]\n"
          "  -f FILE  configuration file (default %s; built-in default if it doesn't exist)\n"
          "  -d       stay in the foreground and log to stderr (twice: debug messages)\n"
          "  -x       never touch the system clock: compute and report only\n"
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

int main(int argc, char **argv)
{
  const char *conf_path = CONF_PATH;
  int opt, foreground = 0, no_clock = 0, check_only = 0, explicit_path = 0, used_default;
  uid_t uid = (uid_t)-1;
  gid_t gid = (gid_t)-1;
  int drop = 0, ret;
  static CMD_Context cmd_ctx;

  while ((opt = getopt(argc, argv, "f:dxnvh")) != -1) {
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
  CLK_Initialise(no_clock ? &CLK_NullDriver : &CLK_LinuxDriver);
  if (!no_clock && !CLK_CanControlClock()) {
    LOG_Message(LOG_WARN_LEVEL, "no CAP_SYS_TIME: the clock cannot be adjusted");
  }
  LOG_Message(LOG_INFO_LEVEL, "timed %s starting (config %s, clock control %s)", PACKAGE_VERSION,
              used_default ? "built-in default" : conf_path, CLK_GetDriver()->name);

  if (D.cfg->user[0]) {
    if (geteuid() != 0) {
      LOG_Message(LOG_WARN_LEVEL, "not started as root: ignoring 'user %s'", D.cfg->user);
    } else if (!SYS_LookupUser(D.cfg->user, &uid, &gid)) {
      LOG_Fatal("user '%s' does not exist", D.cfg->user);
    } else {
      drop = uid != 0;
    }
  }

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
  if (drop) {
    SYS_DropRoot(uid, gid);
  }

  ret = SCH_MainLoop();

  if (D.cmdmon_up) {
    CAM_Finalise();
  }
  NCL_Finalise();
  if (NCL_Failed()) {
    ret = 1;
  }
  NIO_CloseServer();
  /* The pid file's directory may no longer be writable after the privilege drop; a stale
     file is recognised as such at the next start. */
  SYS_RemovePidFile(D.cfg->pidfile);
  NSV_Destroy(D.server);
  CLG_Destroy(D.clients);
  ADF_Destroy(D.acl);
  SCH_Finalise();
  LOG_Message(LOG_INFO_LEVEL, "timed exiting");
  LOG_Finalise();
  CNF_Free(D.cfg);
  return ret;
}
