/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sys.c - pid file, daemonising, user lookup, random numbers, configuration file access.
 * (Capabilities, the user switch and seccomp are in sandbox.c.)
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sys.h"

#define MAX_CONF_FILE (4 * 1024 * 1024)

int SYS_WritePidFile(const char *path)
{
  char buf[32];
  int fd, tries, n;

  if (!path || !path[0]) {
    return 1;
  }
  for (tries = 0; tries < 2; tries++) {
    /* O_EXCL|O_NOFOLLOW: never write through a symlink or into a file we didn't create
       (chrony CVE-2020-14367). */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      break;
    }
    if (errno == EEXIST) {
      struct stat st;
      char *text;
      size_t len;
      long pid;

      if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        LOG_Message(LOG_ERR_LEVEL, "pid file %s exists and is not a regular file", path);
        return 0;
      }
      if (SYS_ReadFile(path, 64, &text, &len)) {
        pid = strtol(text, NULL, 10);
        free(text);
        if (pid > 0 && pid != getpid() && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
          LOG_Message(LOG_ERR_LEVEL, "another timed (pid %ld) is running (pid file %s)", pid, path);
          return 0;
        }
      }
      /* A stale file from a process that is gone. */
      if (unlink(path) < 0) {
        LOG_Message(LOG_ERR_LEVEL, "could not remove stale pid file %s: %s", path, strerror(errno));
        return 0;
      }
      continue;
    }
    LOG_Message(LOG_ERR_LEVEL, "could not create pid file %s: %s", path, strerror(errno));
    return 0;
  }
  if (fd < 0) {
    LOG_Message(LOG_ERR_LEVEL, "could not create pid file %s", path);
    return 0;
  }
  n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
  if (write(fd, buf, (size_t)n) != n) {
    LOG_Message(LOG_ERR_LEVEL, "could not write pid file %s: %s", path, strerror(errno));
    close(fd);
    unlink(path);
    return 0;
  }
  close(fd);
  return 1;
}

void SYS_RemovePidFile(const char *path)
{
  if (path && path[0]) {
    unlink(path);
  }
}

void SYS_Daemonise(void)
{
  pid_t pid;
  int fd;

  pid = fork();
  if (pid < 0) {
    LOG_Fatal("fork() failed: %s", strerror(errno));
  } else if (pid > 0) {
    _exit(0);
  }
  setsid();
  /* Fork again so the daemon can never acquire a controlling terminal. */
  pid = fork();
  if (pid < 0) {
    LOG_Fatal("fork() failed: %s", strerror(errno));
  } else if (pid > 0) {
    _exit(0);
  }
  if (chdir("/") < 0) {
    LOG_Message(LOG_WARN_LEVEL, "chdir(/) failed: %s", strerror(errno));
  }
  fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) {
      close(fd);
    }
  }
}

int SYS_LookupUser(const char *name, uid_t *uid, gid_t *gid)
{
  struct passwd *pw = getpwnam(name);

  if (!pw) {
    return 0;
  }
  *uid = pw->pw_uid;
  *gid = pw->pw_gid;
  return 1;
}

static uint32_t rng[4];

void SYS_InitRandom(void)
{
  size_t got = 0;

  while (got < sizeof(rng)) {
    ssize_t r = getrandom((uint8_t *)rng + got, sizeof(rng) - got, 0);
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      LOG_Fatal("getrandom() failed: %s", strerror(errno));
    }
    got += (size_t)r;
  }
  if (!(rng[0] | rng[1] | rng[2] | rng[3])) {
    rng[0] = 1;
  }
}

static uint32_t rotl(uint32_t x, int k)
{
  return (x << k) | (x >> (32 - k));
}

uint32_t SYS_Random32(void)
{
  /* xoshiro128++ (Blackman & Vigna). */
  uint32_t result = rotl(rng[0] + rng[3], 7) + rng[0];
  uint32_t t = rng[1] << 9;

  rng[2] ^= rng[0];
  rng[3] ^= rng[1];
  rng[1] ^= rng[2];
  rng[0] ^= rng[3];
  rng[2] ^= t;
  rng[3] = rotl(rng[3], 11);
  return result;
}

int SYS_ReadFile(const char *path, size_t max, char **text, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t n = 0, cap = 4096;

  if (!f) {
    return 0;
  }
  buf = malloc(cap + 1);
  if (!buf) {
    fclose(f);
    errno = ENOMEM;
    return 0;
  }
  for (;;) {
    size_t r;

    if (n == cap) {
      char *nb;

      if (cap >= max) {
        free(buf);
        fclose(f);
        errno = EFBIG;
        return 0;
      }
      cap *= 2;
      nb = realloc(buf, cap + 1);
      if (!nb) {
        free(buf);
        fclose(f);
        errno = ENOMEM;
        return 0;
      }
      buf = nb;
    }
    r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0) {
      break;
    }
  }
  if (ferror(f)) {
    int e = errno;
    free(buf);
    fclose(f);
    errno = e ? e : EIO;
    return 0;
  }
  fclose(f);
  if (n > max) {
    free(buf);
    errno = EFBIG;
    return 0;
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return 1;
}

static int conf_read_file(void *ctx, const char *path, char **text, size_t *len, const char **err)
{
  (void)ctx;
  if (!SYS_ReadFile(path, MAX_CONF_FILE, text, len)) {
    *err = strerror(errno);
    return 0;
  }
  return 1;
}

static int conf_list_files(void *ctx, const char *pattern_or_dir, int is_dir, char ***paths)
{
  char pattern[4096];
  glob_t g;
  int r, n;
  size_t i;

  (void)ctx;
  if (is_dir) {
    snprintf(pattern, sizeof(pattern), "%s/*.conf", pattern_or_dir);
  } else {
    snprintf(pattern, sizeof(pattern), "%s", pattern_or_dir);
  }
  memset(&g, 0, sizeof(g));
  r = glob(pattern, 0, NULL, &g);
  if (r == GLOB_NOMATCH) {
    *paths = NULL;
    globfree(&g);
    return 0;
  }
  if (r != 0) {
    globfree(&g);
    return -1;
  }
  *paths = calloc(g.gl_pathc ? g.gl_pathc : 1, sizeof(char *));
  if (!*paths) {
    globfree(&g);
    return -1;
  }
  n = 0;
  for (i = 0; i < g.gl_pathc; i++) {
    (*paths)[n] = strdup(g.gl_pathv[i]);
    if ((*paths)[n]) {
      n++;
    }
  }
  globfree(&g);
  return n;
}

const CNF_FileOps SYS_ConfFileOps = {
    .ctx = NULL,
    .read_file = conf_read_file,
    .list_files = conf_list_files,
};

/* Owner for files written while still root (before the privilege drop), so that the
   engine can rewrite them later as its own user. */
static uid_t file_uid = (uid_t)-1;
static gid_t file_gid = (gid_t)-1;

void SYS_SetFileOwner(uid_t uid, gid_t gid)
{
  file_uid = uid;
  file_gid = gid;
}

int SYS_WriteFileAtomic(const char *path, const char *text, size_t len, mode_t mode)
{
  char tmp[4096];
  size_t off = 0;
  int fd;

  if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
    LOG_Message(LOG_ERR_LEVEL, "path too long: %s", path);
    return 0;
  }
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST) {
    /* Left over from a crash of a process with our pid: it is ours to replace. */
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  }
  if (fd < 0) {
    LOG_Message(LOG_ERR_LEVEL, "could not create %s: %s", tmp, strerror(errno));
    return 0;
  }
  while (off < len) {
    ssize_t w = write(fd, text + off, len - off);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      LOG_Message(LOG_ERR_LEVEL, "could not write %s: %s", tmp, strerror(errno));
      close(fd);
      unlink(tmp);
      return 0;
    }
    off += (size_t)w;
  }
  /* Only root may give a file away; afterwards we are that user already. */
  if (file_uid != (uid_t)-1 && geteuid() == 0 && fchown(fd, file_uid, file_gid) < 0) {
    LOG_Message(LOG_WARN_LEVEL, "could not give %s to uid %u: %s", path, (unsigned)file_uid,
                strerror(errno));
  }
  if (fsync(fd) < 0 || close(fd) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "could not write %s: %s", tmp, strerror(errno));
    unlink(tmp);
    return 0;
  }
  if (rename(tmp, path) < 0) {
    LOG_Message(LOG_ERR_LEVEL, "could not rename %s to %s: %s", tmp, path, strerror(errno));
    unlink(tmp);
    return 0;
  }
  return 1;
}
