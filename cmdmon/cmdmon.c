/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdmon.c - the daemon side of the command socket [shell].
 *
 * One AF_UNIX datagram socket, watched by the event loop.  Each datagram is decoded by
 * cmdmon_wire.c, checked against the command's permission class using the sender's
 * SCM_CREDENTIALS, answered with one sendto() to the sender's own address, and counted.
 * The reports come from the CAM_Ops callbacks; nothing of the core is kept here.
 *
 * Must not: read or write sockets other than with recvmsg/sendto, block (the socket is
 * non-blocking and only read after poll() says so), trust anything in a datagram before
 * it is decoded, follow a symlink when creating the socket, or chmod a path after it was
 * created (the mode comes from the umask at creation).
 */
#ifdef HAVE_CONFIG_H
#include "config.h" /* _GNU_SOURCE (AC_USE_SYSTEM_EXTENSIONS): struct ucred */
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmdmon.h"
#include "log.h"
#include "sched.h"

/* Safety bound on the sources walked for ACTIVITY, whatever total the engine reports. */
#define MAX_ACTIVITY_SOURCES 65536u
/* Datagrams handled per wake-up, so a flood cannot starve the NTP sockets. */
#define MAX_PER_WAKEUP 16
/* File descriptors a sender might push at us with SCM_RIGHTS; we close them at once. */
#define MAX_STRAY_FDS 8

static int sock_fd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
static uid_t ctl_uid = (uid_t)-1;
static const CAM_Ops *cam_ops;
static void *cam_ctx;
static uint64_t n_received, n_dropped, n_rejected, n_denied;

void CAM_GetCounters(uint64_t *received, uint64_t *dropped, uint64_t *rejected,
                     uint64_t *denied)
{
  if (received) {
    *received = n_received;
  }
  if (dropped) {
    *dropped = n_dropped;
  }
  if (rejected) {
    *rejected = n_rejected;
  }
  if (denied) {
    *denied = n_denied;
  }
}

/* ---- socket set-up ---- */

/* Make sure the directory exists, is a real directory (not a symlink), is owned by root,
   owner_uid or ourselves, and is not writable by everyone. */
static int prepare_directory(const char *dir, uid_t owner_uid, gid_t owner_gid)
{
  struct stat st;
  int created = 0, dfd;

  if (lstat(dir, &st) < 0) {
    mode_t old;
    int r;

    if (errno != ENOENT) {
      LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot stat %s: %s", dir, strerror(errno));
      return 0;
    }
    old = umask(0027);
    r = mkdir(dir, 0750);
    umask(old);
    if (r < 0 && errno != EEXIST) {
      LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot create %s: %s", dir, strerror(errno));
      return 0;
    }
    created = r == 0;
  }

  /* O_NOFOLLOW + O_DIRECTORY: the checks below are made on what we opened, not on a
     name that could be swapped for a symlink in between. */
  dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: %s is not a directory we can use: %s", dir,
                errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    return 0;
  }
  if (created && (owner_uid != (uid_t)-1 || owner_gid != (gid_t)-1) &&
      fchown(dfd, owner_uid, owner_gid) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot chown %s: %s", dir, strerror(errno));
    close(dfd);
    return 0;
  }
  if (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode)) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: %s is not a directory", dir);
    close(dfd);
    return 0;
  }
  close(dfd);
  if (st.st_uid != 0 && st.st_uid != geteuid() &&
      (owner_uid == (uid_t)-1 || st.st_uid != owner_uid)) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: %s is owned by uid %u, not by root or the daemon's user",
                dir, (unsigned)st.st_uid);
    return 0;
  }
  if (st.st_mode & S_IWOTH) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: %s is writable by everyone; refusing to put the "
                "command socket there", dir);
    return 0;
  }
  return 1;
}

/* Remove a socket left by an earlier run; anything else at the path is an error. */
static int remove_stale(const char *path)
{
  struct stat st;

  if (lstat(path, &st) < 0) {
    if (errno == ENOENT) {
      return 1;
    }
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot stat %s: %s", path, strerror(errno));
    return 0;
  }
  if (!S_ISSOCK(st.st_mode)) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: %s exists and is not a socket; not removing it", path);
    return 0;
  }
  if (unlink(path) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot remove stale socket %s: %s", path,
                strerror(errno));
    return 0;
  }
  return 1;
}

static void read_requests(int fd, int events, void *arg);

int CAM_Initialise(const char *path, uid_t owner_uid, gid_t owner_gid, uid_t control_uid,
                   const CAM_Ops *ops, void *ctx)
{
  struct sockaddr_un sa;
  char dir[sizeof(sock_path)];
  const char *slash;
  int one = 1, flags, r;
  mode_t old;

  if (sock_fd >= 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: already initialised");
    return 0;
  }
  if (!path || !ops || path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: bad socket path %s (at most %zu characters)",
                path ? path : "(none)", sizeof(sa.sun_path) - 1);
    return 0;
  }

  slash = strrchr(path, '/');
  if (!slash) {
    snprintf(dir, sizeof(dir), ".");
  } else if (slash == path) {
    snprintf(dir, sizeof(dir), "/");
  } else {
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
  }
  if (slash && slash[1] == '\0') {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: socket path %s names a directory", path);
    return 0;
  }
  if (!prepare_directory(dir, owner_uid, owner_gid) || !remove_stale(path)) {
    return 0;
  }

  /* Plain SOCK_DGRAM, flags set afterwards (SIMULATION-RULES 9). */
  sock_fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (sock_fd < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: socket: %s", strerror(errno));
    return 0;
  }
  flags = fcntl(sock_fd, F_GETFL);
  if (flags < 0 || fcntl(sock_fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
      fcntl(sock_fd, F_SETFD, FD_CLOEXEC) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: fcntl: %s", strerror(errno));
    goto fail;
  }

  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
  /* The socket file gets mode 0770 at creation; it is never chmod'ed afterwards, so there
     is no window in which it is more open than that. */
  old = umask(0007);
  r = bind(sock_fd, (struct sockaddr *)&sa, sizeof(sa));
  umask(old);
  if (r < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot bind %s: %s", path, strerror(errno));
    goto fail;
  }
  snprintf(sock_path, sizeof(sock_path), "%s", path);

  if ((owner_uid != (uid_t)-1 || owner_gid != (gid_t)-1) &&
      lchown(path, owner_uid, owner_gid) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot chown %s: %s", path, strerror(errno));
    goto fail;
  }
  /* Datagram sockets have no per-message SO_PEERCRED; with SO_PASSCRED the kernel attaches
     the sender's (unforgeable) credentials to every datagram. */
  if (setsockopt(sock_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: SO_PASSCRED: %s", strerror(errno));
    goto fail;
  }

  cam_ops = ops;
  cam_ctx = ctx;
  ctl_uid = control_uid;
  n_received = n_dropped = n_rejected = n_denied = 0;
  if (!SCH_AddFd(sock_fd, SCH_READ, read_requests, NULL)) {
    LOG_Message(LOG_ERR_LEVEL, "cmdmon: cannot register the socket with the event loop");
    goto fail;
  }
  LOG_Message(LOG_INFO_LEVEL, "cmdmon: listening on %s", path);
  return 1;

fail:
  close(sock_fd);
  sock_fd = -1;
  if (sock_path[0] != '\0') {
    unlink(sock_path);
    sock_path[0] = '\0';
  }
  return 0;
}

void CAM_Finalise(void)
{
  struct stat st;

  if (sock_fd < 0) {
    return;
  }
  SCH_RemoveFd(sock_fd);
  close(sock_fd);
  sock_fd = -1;
  if (sock_path[0] != '\0' && lstat(sock_path, &st) == 0 && S_ISSOCK(st.st_mode)) {
    unlink(sock_path);
  }
  sock_path[0] = '\0';
  cam_ops = NULL;
  cam_ctx = NULL;
}

/* ---- requests ---- */

static int authorised(uint16_t command, int have_creds, uid_t uid)
{
  if (CMW_CommandPermission(command) == CMW_PERM_OPEN) {
    return 1;
  }
  /* Control commands: root or the daemon's control uid, proven by SCM_CREDENTIALS. */
  return have_creds && (uid == 0 || (ctl_uid != (uid_t)-1 && uid == ctl_uid));
}

static void fill_clients(const CMW_Request *req, CMW_ClientsPage *page)
{
  uint32_t i, total = 0, index;

  page->start = req->u.clients.start;
  page->count = 0;
  for (i = 0; i < CMP_CLIENTS_PER_PAGE; i++) {
    if (req->u.clients.start > UINT32_MAX - i) {
      break;
    }
    index = req->u.clients.start + i;
    if (!cam_ops->client(cam_ctx, index, &page->clients[page->count], &total)) {
      break;
    }
    page->count++;
  }
  /* The callback sets *total even when index is past the end. */
  page->total = total;
}

/* The wire's state numbers are SEL_Status values (cmdmon_proto.h). */
_Static_assert(CMP_SRC_ST_NONE == SEL_ST_NONE && CMP_SRC_ST_NOSELECT == SEL_ST_NOSELECT &&
                   CMP_SRC_ST_MISSING == SEL_ST_MISSING && CMP_SRC_ST_UNSYNC == SEL_ST_UNSYNC &&
                   CMP_SRC_ST_DISTANCE == SEL_ST_DISTANCE && CMP_SRC_ST_JITTER == SEL_ST_JITTER &&
                   CMP_SRC_ST_WAITING == SEL_ST_WAITING &&
                   CMP_SRC_ST_FALSETICKER == SEL_ST_FALSETICKER &&
                   CMP_SRC_ST_OUTLIER == SEL_ST_OUTLIER &&
                   CMP_SRC_ST_COMBINED == SEL_ST_COMBINED &&
                   CMP_SRC_ST_SELECTED == SEL_ST_SELECTED && CMP_SRC_ST_COUNT == SEL_ST_COUNT,
               "source state numbers differ from SEL_Status");

static void fill_sources(const CMW_Request *req, CMW_SourcesPage *page)
{
  SYN_SourceReport r;
  uint32_t i, total = 0;

  page->start = req->u.sources.start;
  page->count = 0;
  for (i = 0; i < CMP_SOURCES_PER_PAGE; i++) {
    if (req->u.sources.start > UINT32_MAX - i) {
      break;
    }
    memset(&r, 0, sizeof(r));
    if (!cam_ops->source(cam_ctx, req->u.sources.start + i, &r, &total)) {
      break;
    }
    CMW_SourceFromReport(&r, &page->sources[page->count]);
    page->count++;
  }
  page->total = total;
}

static void fill_activity(CMW_Activity *a)
{
  SYN_SourceReport r;
  CMW_Source s;
  uint32_t i, total = 0;

  memset(a, 0, sizeof(*a));
  for (i = 0; i < MAX_ACTIVITY_SOURCES; i++) {
    memset(&r, 0, sizeof(r));
    if (!cam_ops->source(cam_ctx, i, &r, &total)) {
      break;
    }
    CMW_SourceFromReport(&r, &s);
    CMW_ActivityAdd(a, &s);
  }
}

static void fill_ntpdata(const CMW_Request *req, CMW_Reply *rep)
{
  SYN_SourceReport r;
  uint32_t total = 0;

  memset(&r, 0, sizeof(r));
  rep->u.ntpdata.index = req->u.ntpdata.index;
  rep->u.ntpdata.count = 0;
  if (cam_ops->source(cam_ctx, req->u.ntpdata.index, &r, &total)) {
    CMW_NtpData *d = &rep->u.ntpdata.data;

    CMW_NtpDataFromReport(&r, d);
    if (!cam_ops->local_address ||
        !cam_ops->local_address(cam_ctx, r.id, &d->local, &d->local_port)) {
      memset(&d->local, 0, sizeof(d->local));
      d->local_port = 0;
    }
    rep->u.ntpdata.count = 1;
  }
  rep->u.ntpdata.total = total;
}

static void fill_authdata(const CMW_Request *req, CMW_Reply *rep)
{
  SYN_SourceReport r;
  uint32_t total = 0;

  memset(&r, 0, sizeof(r));
  rep->u.authdata.index = req->u.authdata.index;
  rep->u.authdata.count = 0;
  if (cam_ops->source(cam_ctx, req->u.authdata.index, &r, &total)) {
    CMW_AuthDataFromReport(&r, &rep->u.authdata.data);
    rep->u.authdata.count = 1;
  }
  rep->u.authdata.total = total;
}

/* BURST/ONLINE/OFFLINE/DELETE: naming an address that no source has is an error (chronyc "No
   such source"); naming none and having no sources is not. */
static uint16_t matched_status(const IPAddr *addr, int n, CMW_Reply *rep)
{
  if (n < 0) {
    return CMP_STATUS_FAILED;
  }
  rep->u.matched.matched = (uint32_t)n;
  return n == 0 && addr->family != ADDR_UNSPEC ? CMP_STATUS_NO_SUCH_SOURCE : CMP_STATUS_OK;
}

/* Run a decoded, authorised request.  Returns the status; *run_shutdown is set when the
   daemon must stop once the reply is out. */
static uint16_t execute(const CMW_Request *req, CMW_Reply *rep, int *run_shutdown)
{
  switch (req->command) {
  case CMP_CMD_TRACKING:
    if (!cam_ops->tracking) {
      return CMP_STATUS_UNAVAILABLE;
    }
    cam_ops->tracking(cam_ctx, &rep->u.tracking);
    return CMP_STATUS_OK;
  case CMP_CMD_SERVERSTATS:
  case CMP_CMD_SERVERSTATS2:
    if (cam_ops->serverstats) {
      cam_ops->serverstats(cam_ctx, &rep->u.serverstats);
    }
    rep->u.serverstats.v[CMW_SS_CMD_RECEIVED] = n_received;
    rep->u.serverstats.v[CMW_SS_CMD_DROPPED] = n_dropped;
    rep->u.serverstats.v[CMW_SS_CMD_DENIED] = n_denied;
    rep->u.serverstats.v[CMW_SS_CMD_REJECTED] = n_rejected;
    return CMP_STATUS_OK;
  case CMP_CMD_CLIENTS:
    if (!cam_ops->client) {
      return CMP_STATUS_UNAVAILABLE;
    }
    fill_clients(req, &rep->u.clients);
    return CMP_STATUS_OK;
  case CMP_CMD_ACCHECK:
    if (!cam_ops->accheck) {
      return CMP_STATUS_UNAVAILABLE;
    }
    rep->u.accheck.allowed = cam_ops->accheck(cam_ctx, &req->u.accheck.addr) ? 1 : 0;
    return CMP_STATUS_OK;
  case CMP_CMD_SHUTDOWN:
    if (!cam_ops->shutdown) {
      return CMP_STATUS_UNAVAILABLE;
    }
    *run_shutdown = 1;
    return CMP_STATUS_OK;
  case CMP_CMD_SOURCES:
    if (!cam_ops->source) {
      return CMP_STATUS_UNAVAILABLE;
    }
    fill_sources(req, &rep->u.sources);
    return CMP_STATUS_OK;
  case CMP_CMD_ACTIVITY:
    if (!cam_ops->source) {
      return CMP_STATUS_UNAVAILABLE;
    }
    fill_activity(&rep->u.activity);
    return CMP_STATUS_OK;
  case CMP_CMD_MAKESTEP:
    if (!cam_ops->makestep) {
      return CMP_STATUS_UNAVAILABLE;
    }
    return cam_ops->makestep(cam_ctx) ? CMP_STATUS_OK : CMP_STATUS_FAILED;
  case CMP_CMD_BURST:
    if (!cam_ops->burst) {
      return CMP_STATUS_UNAVAILABLE;
    }
    return matched_status(&req->u.burst.addr,
                          cam_ops->burst(cam_ctx, &req->u.burst.addr, (int)req->u.burst.n_good,
                                         (int)req->u.burst.n_max),
                          rep);
  case CMP_CMD_ONLINE:
  case CMP_CMD_OFFLINE:
    if (!cam_ops->set_online) {
      return CMP_STATUS_UNAVAILABLE;
    }
    return matched_status(&req->u.online.addr,
                          cam_ops->set_online(cam_ctx, &req->u.online.addr,
                                              req->command == CMP_CMD_ONLINE),
                          rep);
  case CMP_CMD_ADD_SOURCE:
    if (!cam_ops->add_source) {
      return CMP_STATUS_UNAVAILABLE;
    }
    switch (cam_ops->add_source(cam_ctx, &req->u.add)) {
    case 1:
      return CMP_STATUS_OK;
    case -1:
      return CMP_STATUS_SOURCE_EXISTS;
    default:
      return CMP_STATUS_FAILED;
    }
  case CMP_CMD_DELETE_SOURCE:
    if (!cam_ops->delete_source) {
      return CMP_STATUS_UNAVAILABLE;
    }
    return matched_status(&req->u.del.addr,
                          cam_ops->delete_source(cam_ctx, &req->u.del.addr, req->u.del.port),
                          rep);
  case CMP_CMD_NTPDATA:
    if (!cam_ops->source) {
      return CMP_STATUS_UNAVAILABLE;
    }
    fill_ntpdata(req, rep);
    return CMP_STATUS_OK;
  case CMP_CMD_AUTHDATA:
    if (!cam_ops->source) {
      return CMP_STATUS_UNAVAILABLE;
    }
    fill_authdata(req, rep);
    return CMP_STATUS_OK;
  case CMP_CMD_RELOAD:
    /* The only thing to reload is the NTS-KE certificates (the decoder refuses others). */
    if (!cam_ops->reload_certs) {
      return CMP_STATUS_UNAVAILABLE;
    }
    switch (cam_ops->reload_certs(cam_ctx)) {
    case 1:
      return CMP_STATUS_OK;
    case 0:
      return CMP_STATUS_FAILED;
    default:
      return CMP_STATUS_UNAVAILABLE;
    }
  default:
    return CMP_STATUS_UNKNOWN_COMMAND;
  }
}

static void send_reply(int fd, const CMW_Reply *rep, const struct sockaddr_un *to,
                       socklen_t to_len)
{
  uint8_t out[CMP_MAX_PACKET];
  CMW_Reply failed;
  size_t len;

  len = CMW_EncodeReply(rep, out, sizeof(out));
  if (len == 0) {
    /* A report with an out-of-range field is our bug; say so rather than stay silent. */
    LOG_RateLimited(LOG_WARN_LEVEL, "cmdmon: cannot encode %s reply",
                    CMW_CommandName(rep->command) ? CMW_CommandName(rep->command) : "?");
    memset(&failed, 0, sizeof(failed));
    failed.command = rep->command;
    failed.sequence = rep->sequence;
    failed.status = CMP_STATUS_FAILED;
    len = CMW_EncodeReply(&failed, out, sizeof(out));
  }
  if (sendto(fd, out, len, MSG_DONTWAIT, (const struct sockaddr *)to, to_len) < 0) {
    LOG_RateLimited(LOG_DEBUG_LEVEL, "cmdmon: cannot send reply: %s", strerror(errno));
  }
}

/* Close file descriptors passed to us and pick the sender's credentials. */
static int scan_control(struct msghdr *msg, uid_t *uid)
{
  struct cmsghdr *cm;
  int have_creds = 0;

  for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET) {
      continue;
    }
    if (cm->cmsg_type == SCM_CREDENTIALS && cm->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred cred;

      memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
      *uid = cred.uid;
      have_creds = 1;
    } else if (cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len > CMSG_LEN(0)) {
      size_t i, n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

      for (i = 0; i < n; i++) {
        int stray;

        memcpy(&stray, CMSG_DATA(cm) + i * sizeof(int), sizeof(stray));
        if (stray >= 0) {
          close(stray);
        }
      }
    }
  }
  return have_creds;
}

static void handle_datagram(int fd, const uint8_t *buf, size_t len, int truncated,
                            int have_creds, uid_t uid, const struct sockaddr_un *from,
                            socklen_t from_len)
{
  CMW_Request req;
  CMW_Reply rep;
  CMW_Result r;
  int status, run_shutdown = 0;

  /* Without a bound sender address there is nowhere to reply to. */
  if (from_len <= (socklen_t)offsetof(struct sockaddr_un, sun_path)) {
    n_dropped++;
    LOG_RateLimited(LOG_DEBUG_LEVEL, "cmdmon: dropped a request from an unbound socket");
    return;
  }
  if (truncated) {
    n_dropped++;
    LOG_RateLimited(LOG_DEBUG_LEVEL, "cmdmon: dropped an oversized request");
    return;
  }

  r = CMW_DecodeRequest(buf, len, &req);
  memset(&rep, 0, sizeof(rep));
  rep.command = req.command;
  rep.sequence = req.sequence;
  if (r != CMW_OK) {
    status = CMW_StatusForResult(r);
    LOG_RateLimited(LOG_DEBUG_LEVEL, "cmdmon: %s request (%s, %zu bytes)",
                    status < 0 ? "dropped" : "rejected", CMW_ResultText(r), len);
    if (status < 0) {
      n_dropped++;
      return; /* malformed header: no reply at all */
    }
    /* Well-formed header: a header-only error reply, never longer than the request. */
    n_rejected++;
    rep.status = (uint16_t)status;
    send_reply(fd, &rep, from, from_len);
    return;
  }

  if (!authorised(req.command, have_creds, uid)) {
    n_denied++;
    if (have_creds) {
      LOG_RateLimited(LOG_INFO_LEVEL, "cmdmon: %s refused for uid %u",
                      CMW_CommandName(req.command), (unsigned)uid);
    } else {
      LOG_RateLimited(LOG_INFO_LEVEL, "cmdmon: %s refused for a sender without credentials",
                      CMW_CommandName(req.command));
    }
    rep.status = CMP_STATUS_NOT_AUTHORISED;
    send_reply(fd, &rep, from, from_len);
    return;
  }

  rep.status = execute(&req, &rep, &run_shutdown);
  send_reply(fd, &rep, from, from_len);
  if (CMW_CommandPermission(req.command) == CMW_PERM_CONTROL && !run_shutdown) {
    /* Control commands change what the daemon does: leave a trace of who asked. */
    LOG_Message(LOG_INFO_LEVEL, "cmdmon: %s by uid %u: %s", CMW_CommandName(req.command),
                (unsigned)uid, CMW_StatusText(rep.status));
  }
  if (run_shutdown) {
    LOG_Message(LOG_INFO_LEVEL, "cmdmon: shutdown requested by uid %u", (unsigned)uid);
    cam_ops->shutdown(cam_ctx);
  }
}

static void read_requests(int fd, int events, void *arg)
{
  int i;

  (void)events;
  (void)arg;
  for (i = 0; i < MAX_PER_WAKEUP && sock_fd >= 0; i++) {
    /* One byte more than the longest packet, so an oversized one is seen even if
       MSG_TRUNC were not reported. */
    uint8_t buf[CMP_MAX_PACKET + 1];
    union {
      struct cmsghdr align;
      char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * MAX_STRAY_FDS)];
    } control;
    struct sockaddr_un from;
    struct iovec iov;
    struct msghdr msg;
    uid_t uid = (uid_t)-1;
    int have_creds;
    ssize_t n;

    memset(&from, 0, sizeof(from));
    memset(&msg, 0, sizeof(msg));
    iov.iov_base = buf;
    iov.iov_len = sizeof(buf);
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    msg.msg_controllen = sizeof(control.bytes);

    n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        LOG_RateLimited(LOG_WARN_LEVEL, "cmdmon: recvmsg: %s", strerror(errno));
      }
      return;
    }
    n_received++;
    have_creds = scan_control(&msg, &uid);
    if (msg.msg_namelen > sizeof(from)) {
      msg.msg_namelen = sizeof(from);
    }
    handle_datagram(fd, buf, (size_t)n,
                    (msg.msg_flags & MSG_TRUNC) || (size_t)n > CMP_MAX_PACKET, have_creds,
                    uid, &from, msg.msg_namelen);
  }
}
