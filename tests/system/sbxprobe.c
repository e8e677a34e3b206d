/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxprobe.c - test tool: loads one of timed's seccomp allow-lists (daemon/sandbox.c) in a
 * child process and makes one call that is not on it, to show what -F 1 and -F 2 do.
 *
 * Usage: sbxprobe engine|helper 1|2.  Prints "killed-by-SIGSYS", or "enosys" when the call
 * failed with ENOSYS and the process went on (trap mode), or "allowed" when the call was
 * not blocked.  The forbidden call is harmless: mkdirat() of a path in a directory that
 * does not exist, which would fail with ENOENT if it were allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

int main(int argc, char **argv)
{
  int st = 0, pfd[2];
  pid_t pid;
  char result[32] = "";

  if (argc != 3 || (strcmp(argv[1], "engine") != 0 && strcmp(argv[1], "helper") != 0) ||
      (strcmp(argv[2], "1") != 0 && strcmp(argv[2], "2") != 0)) {
    fprintf(stderr, "usage: sbxprobe engine|helper 1|2\n");
    return 2;
  }
  if (pipe(pfd) < 0) {
    perror("pipe");
    return 2;
  }
  pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    const char *err = "";
    SBX_Profile prof = argv[1][0] == 'e' ? SBX_PROFILE_ENGINE : SBX_PROFILE_HELPER;
    const char *res;
    int r;

    close(pfd[0]);
    if (!SBX_NoNewPrivs(&err) || !SBX_ApplyFilter(prof, argv[2][0] == '1' ? SBX_FILTER_KILL
                                                                         : SBX_FILTER_TRAP, &err)) {
      fprintf(stderr, "sbxprobe: %s\n", err);
      _exit(3);
    }
    r = mkdirat(AT_FDCWD, "/nonexistent-sbxprobe/x", 0700);
    res = r < 0 && errno == ENOSYS ? "enosys" : "allowed";
    if (write(pfd[1], res, strlen(res)) < 0) {
      _exit(4);
    }
    _exit(0);
  }
  close(pfd[1]);
  if (read(pfd[0], result, sizeof(result) - 1) < 0) {
    result[0] = '\0';
  }
  waitpid(pid, &st, 0);
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
    printf("killed-by-SIGSYS\n");
  } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
    printf("%s\n", result);
  } else {
    printf("error (status %d)\n", st);
    return 1;
  }
  return 0;
}
