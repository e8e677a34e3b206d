/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ntp_io.c - UDP sockets of the NTP server, kernel receive timestamps, replies.
 *
 * After each poll() wake-up one recvmmsg() takes up to BATCH datagrams (as chronyd does;
 * recvmsg() where recvmmsg is missing), so a busy server makes one receive call per batch
 * and one sendmsg() per reply.  Receive timestamps: SO_TIMESTAMPING software RX, else
 * SO_TIMESTAMPNS, else the clock read right after the wait (SIMULATION-RULES 11).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "ntp_io.h"
#include "ntp_wire.h"
#include "sched.h"

#define BATCH 16
/* Big enough to see that a datagram is longer than any NTP packet we accept. */
#define RX_BUF_LEN 2048
/* PKTINFO plus three timespecs (SIMULATION-RULES 11), with room to spare. */
#define CMSG_BUF_LEN 256

typedef struct {
  int fd;
  int family;
  int wildcard; /* bound to the any address: reply from the request's destination */
} ServerSocket;

static ServerSocket socks[2];
static int n_socks;
static NIO_Handler rx_handler;
static void *rx_arg;
static NIO_Stats stats;

static uint8_t rx_bufs[BATCH][RX_BUF_LEN];
static uint8_t cmsg_bufs[BATCH][CMSG_BUF_LEN];
static struct sockaddr_storage rx_addrs[BATCH];
static struct iovec rx_iovs[BATCH];
static struct mmsghdr rx_msgs[BATCH];
static int have_recvmmsg = 1;

static void set_nonblock_cloexec(int fd)
{
  int fl = fcntl(fd, F_GETFL);

  if (fl >= 0) {
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  }
  fl = fcntl(fd, F_GETFD);
  if (fl >= 0) {
    fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
  }
}

static void enable_timestamps(int fd)
{
  int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
  int one = 1;

  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0) {
    return;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0) {
    LOG_Message(LOG_WARN_LEVEL, "no kernel receive timestamps: %s", strerror(errno));
  }
}

static int open_socket(int family, const IPAddr *bind_addr, int port)
{
  struct sockaddr_storage ss;
  socklen_t sl;
  int fd, one = 1, wildcard = bind_addr->family == ADDR_UNSPEC;
  char text[ADDR_STRLEN];

  memset(&ss, 0, sizeof(ss));
  if (family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    if (!wildcard) {
      memcpy(&sin->sin_addr, bind_addr->addr, 4);
    }
    sl = sizeof(*sin);
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    if (!wildcard) {
      memcpy(&sin6->sin6_addr, bind_addr->addr, 16);
    }
    sl = sizeof(*sin6);
  }

  fd = socket(family, SOCK_DGRAM, 0);
  if (fd < 0) {
    LOG_Message(LOG_WARN_LEVEL, "could not open %s NTP socket: %s",
                family == AF_INET ? "IPv4" : "IPv6", strerror(errno));
    return 0;
  }
  set_nonblock_cloexec(fd);
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (wildcard) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
    }
  } else if (wildcard) {
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
  }
  enable_timestamps(fd);
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
    LOG_Message(LOG_WARN_LEVEL, "could not bind NTP socket to %s port %d: %s",
                wildcard ? (family == AF_INET ? "0.0.0.0" : "::")
                         : ADDR_Format(bind_addr, text, sizeof(text)),
                port, strerror(errno));
    close(fd);
    return 0;
  }
  socks[n_socks].fd = fd;
  socks[n_socks].family = family;
  socks[n_socks].wildcard = wildcard;
  n_socks++;
  LOG_Message(LOG_INFO_LEVEL, "NTP server listening on %s port %d",
              wildcard ? (family == AF_INET ? "0.0.0.0" : "::")
                       : ADDR_Format(bind_addr, text, sizeof(text)),
              port);
  return 1;
}

/* Pull the receive timestamp and the destination address out of the control data. */
static void read_cmsgs(struct msghdr *msg, NIO_Packet *pkt, struct in_pktinfo *pi4,
                       struct in6_pktinfo *pi6, int *have_pi)
{
  struct cmsghdr *c;

  *have_pi = 0;
  for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING &&
        c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      if (ts.tv_sec || ts.tv_nsec) {
        CLK_CookTime(&ts, &pkt->rx_ts);
        pkt->kernel_ts = 1;
      }
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS &&
               c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      CLK_CookTime(&ts, &pkt->rx_ts);
      pkt->kernel_ts = 1;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(*pi4))) {
      memcpy(pi4, CMSG_DATA(c), sizeof(*pi4));
      *have_pi = 1;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(*pi6))) {
      memcpy(pi6, CMSG_DATA(c), sizeof(*pi6));
      *have_pi = 1;
    }
  }
}

static void send_reply(const ServerSocket *s, struct sockaddr_storage *to, socklen_t to_len,
                       const uint8_t *data, size_t len, int have_pi,
                       const struct in_pktinfo *pi4, const struct in6_pktinfo *pi6)
{
  union {
    struct cmsghdr align;
    uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
  } cbuf;
  struct msghdr msg;
  struct iovec iov;

  memset(&msg, 0, sizeof(msg));
  iov.iov_base = (void *)data;
  iov.iov_len = len;
  msg.msg_name = to;
  msg.msg_namelen = to_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (s->wildcard && have_pi) {
    struct cmsghdr *c;

    memset(&cbuf, 0, sizeof(cbuf));
    msg.msg_control = cbuf.buf;
    if (s->family == AF_INET) {
      struct in_pktinfo out;

      memset(&out, 0, sizeof(out));
      out.ipi_spec_dst = pi4->ipi_addr;
      msg.msg_controllen = CMSG_SPACE(sizeof(out));
      c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(out));
      memcpy(CMSG_DATA(c), &out, sizeof(out));
    } else {
      struct in6_pktinfo out;

      memset(&out, 0, sizeof(out));
      out.ipi6_addr = pi6->ipi6_addr;
      out.ipi6_ifindex = pi6->ipi6_ifindex;
      msg.msg_controllen = CMSG_SPACE(sizeof(out));
      c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(out));
      memcpy(CMSG_DATA(c), &out, sizeof(out));
    }
  }
  if (sendmsg(s->fd, &msg, 0) < 0) {
    stats.send_errors++;
    LOG_RateLimited(LOG_DEBUG_LEVEL, "could not send NTP reply: %s", strerror(errno));
  }
}

static void handle_one(const ServerSocket *s, struct msghdr *msg, size_t len)
{
  uint8_t out[NWR_MAX_PACKET];
  struct in_pktinfo pi4;
  struct in6_pktinfo pi6;
  NIO_Packet pkt;
  size_t out_len;
  int have_pi;

  memset(&pkt, 0, sizeof(pkt));
  if (msg->msg_namelen >= sizeof(struct sockaddr_in) &&
      ((struct sockaddr *)msg->msg_name)->sa_family == AF_INET) {
    const struct sockaddr_in *sin = msg->msg_name;
    pkt.from.family = ADDR_INET4;
    memcpy(pkt.from.addr, &sin->sin_addr, 4);
    pkt.from_port = ntohs(sin->sin_port);
  } else if (msg->msg_namelen >= sizeof(struct sockaddr_in6) &&
             ((struct sockaddr *)msg->msg_name)->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = msg->msg_name;
    pkt.from.family = ADDR_INET6;
    memcpy(pkt.from.addr, &sin6->sin6_addr, 16);
    pkt.from_port = ntohs(sin6->sin6_port);
    ADDR_Unmap(&pkt.from);
  } else {
    return;
  }
  /* With MSG_TRUNC the kernel reports the real length; never let it pass the buffer. */
  pkt.data = msg->msg_iov[0].iov_base;
  pkt.len = len < RX_BUF_LEN ? len : RX_BUF_LEN;
  read_cmsgs(msg, &pkt, &pi4, &pi6, &have_pi);
  if (pkt.kernel_ts) {
    stats.rx_kernel_ts++;
  } else {
    CLK_ReadRealTime(&pkt.rx_ts);
    stats.rx_daemon_ts++;
  }
  out_len = rx_handler(rx_arg, &pkt, out, sizeof(out));
  if (out_len > 0) {
    send_reply(s, msg->msg_name, msg->msg_namelen, out, out_len, have_pi, &pi4, &pi6);
  }
}

static void prepare(int i)
{
  memset(&rx_msgs[i], 0, sizeof(rx_msgs[i]));
  rx_iovs[i].iov_base = rx_bufs[i];
  rx_iovs[i].iov_len = RX_BUF_LEN;
  rx_msgs[i].msg_hdr.msg_name = &rx_addrs[i];
  rx_msgs[i].msg_hdr.msg_namelen = sizeof(rx_addrs[i]);
  rx_msgs[i].msg_hdr.msg_iov = &rx_iovs[i];
  rx_msgs[i].msg_hdr.msg_iovlen = 1;
  rx_msgs[i].msg_hdr.msg_control = cmsg_bufs[i];
  rx_msgs[i].msg_hdr.msg_controllen = CMSG_BUF_LEN;
}

static void on_readable(int fd, int events, void *arg)
{
  const ServerSocket *s = arg;
  int i, n;

  (void)fd;
  (void)events;
  if (have_recvmmsg) {
    for (i = 0; i < BATCH; i++) {
      prepare(i);
    }
    n = recvmmsg(s->fd, rx_msgs, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
    if (n < 0 && (errno == ENOSYS || errno == EINVAL)) {
      have_recvmmsg = 0;
    }
    for (i = 0; i < n; i++) {
      handle_one(s, &rx_msgs[i].msg_hdr, rx_msgs[i].msg_len);
    }
    if (have_recvmmsg) {
      return;
    }
  }
  prepare(0);
  n = (int)recvmsg(s->fd, &rx_msgs[0].msg_hdr, MSG_DONTWAIT | MSG_TRUNC);
  if (n >= 0) {
    handle_one(s, &rx_msgs[0].msg_hdr, (size_t)n);
  }
}

int NIO_OpenServer(const IPAddr *bind4, const IPAddr *bind6, int port, NIO_Handler handler,
                   void *arg)
{
  int i;

  rx_handler = handler;
  rx_arg = arg;
  n_socks = 0;
  open_socket(AF_INET, bind4, port);
  open_socket(AF_INET6, bind6, port);
  for (i = 0; i < n_socks; i++) {
    SCH_AddFd(socks[i].fd, SCH_READ, on_readable, &socks[i]);
  }
  return n_socks;
}

void NIO_CloseServer(void)
{
  int i;

  for (i = 0; i < n_socks; i++) {
    SCH_RemoveFd(socks[i].fd);
    close(socks[i].fd);
  }
  n_socks = 0;
}

void NIO_GetStats(NIO_Stats *out)
{
  *out = stats;
}

/* ---- client side ---- */

typedef struct {
  int fd;
  NIO_ClientHandler handler;
  void *arg;
} ClientSocket;

/* At most one socket per source; SIMULATION-RULES 10 allows 20 sockets in all there. */
#define MAX_CLIENTS 64
static ClientSocket clients[MAX_CLIENTS];

static void on_client_readable(int fd, int events, void *arg)
{
  ClientSocket *c = arg;
  struct in_pktinfo pi4;
  struct in6_pktinfo pi6;
  NIO_Packet pkt;
  ssize_t n;
  int have_pi;

  (void)fd;
  (void)events;
  prepare(0);
  n = recvmsg(c->fd, &rx_msgs[0].msg_hdr, MSG_DONTWAIT | MSG_TRUNC);
  if (n < 0) {
    /* ICMP port unreachable and the like: the source just gets no sample. */
    return;
  }
  memset(&pkt, 0, sizeof(pkt));
  pkt.data = rx_bufs[0];
  pkt.len = (size_t)n < RX_BUF_LEN ? (size_t)n : RX_BUF_LEN;
  read_cmsgs(&rx_msgs[0].msg_hdr, &pkt, &pi4, &pi6, &have_pi);
  if (pkt.kernel_ts) {
    stats.rx_kernel_ts++;
  } else {
    CLK_ReadRealTime(&pkt.rx_ts);
    stats.rx_daemon_ts++;
  }
  c->handler(c->arg, &pkt);
}

int NIO_OpenClient(const IPAddr *addr, uint16_t port, NIO_ClientHandler handler, void *arg)
{
  struct sockaddr_storage ss;
  socklen_t sl;
  char text[ADDR_STRLEN];
  int fd, i;

  for (i = 0; i < MAX_CLIENTS && clients[i].handler; i++) {
  }
  if (i == MAX_CLIENTS) {
    LOG_Message(LOG_ERR_LEVEL, "too many NTP client sockets");
    return -1;
  }
  memset(&ss, 0, sizeof(ss));
  if (addr->family == ADDR_INET4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    memcpy(&sin->sin_addr, addr->addr, 4);
    sl = sizeof(*sin);
  } else if (addr->family == ADDR_INET6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    memcpy(&sin6->sin6_addr, addr->addr, 16);
    sl = sizeof(*sin6);
  } else {
    return -1;
  }
  fd = socket(ss.ss_family, SOCK_DGRAM, 0);
  if (fd < 0) {
    LOG_Message(LOG_ERR_LEVEL, "could not open NTP client socket: %s", strerror(errno));
    return -1;
  }
  set_nonblock_cloexec(fd);
  enable_timestamps(fd);
  if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "could not connect NTP client socket to %s port %u: %s",
                ADDR_Format(addr, text, sizeof(text)), (unsigned)port, strerror(errno));
    close(fd);
    return -1;
  }
  clients[i].fd = fd;
  clients[i].handler = handler;
  clients[i].arg = arg;
  if (!SCH_AddFd(fd, SCH_READ, on_client_readable, &clients[i])) {
    LOG_Message(LOG_ERR_LEVEL, "too many file descriptors");
    close(fd);
    memset(&clients[i], 0, sizeof(clients[i]));
    return -1;
  }
  return fd;
}

int NIO_SendClient(int fd, const uint8_t *data, size_t len)
{
  if (send(fd, data, len, 0) < 0) {
    stats.send_errors++;
    LOG_RateLimited(LOG_DEBUG_LEVEL, "could not send NTP request: %s", strerror(errno));
    return 0;
  }
  return 1;
}

void NIO_CloseClient(int fd)
{
  int i;

  for (i = 0; i < MAX_CLIENTS; i++) {
    if (clients[i].handler && clients[i].fd == fd) {
      SCH_RemoveFd(fd);
      close(fd);
      memset(&clients[i], 0, sizeof(clients[i]));
      return;
    }
  }
}
