/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_conf.c - fuzz entry point of the configuration parser (CNF_Parse).
 *
 * The input bytes are the main configuration file.  include/confdir/sourcedir see a few fixed
 * in-memory files (which include each other), so the nesting, loop and file-count limits are
 * exercised too.  Everything allocated is freed; an inconsistent result aborts, so the fuzzer
 * reports it.  No I/O.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"

static const struct {
  const char *path, *text;
} files[] = {
    {"/etc/timed/a.conf", "server a.example iburst\ninclude /etc/timed/*.conf\n"},
    {"/etc/timed/b.conf", "allow 10/8\nratelimit kod\nfoo\n"},
    {"/etc/timed/conf.d/c.conf", "confdir /etc/timed/conf.d\nlocal stratum 9\n"},
    {"/run/dhcp/eth0.sources", "server 192.0.2.1 iburst\npool p.example\nallow\n"},
    {"/etc/timed/empty.conf", ""},
};

#define N_FILES (sizeof(files) / sizeof(files[0]))

static int fz_read(void *ctx, const char *path, char **text, size_t *len, const char **err)
{
  for (size_t i = 0; i < N_FILES; i++) {
    if (!strcmp(files[i].path, path)) {
      size_t l = strlen(files[i].text);
      *text = malloc(l + 1);
      if (!*text) {
        *err = "out of memory";
        return 0;
      }
      memcpy(*text, files[i].text, l + 1);
      *len = l;
      return 1;
    }
  }
  *err = "No such file or directory";
  return 0;
}

static int fz_list(void *ctx, const char *pattern, int is_dir, char ***paths)
{
  char **out = calloc(N_FILES, sizeof(*out));
  size_t pl = strlen(pattern);
  int n = 0;

  if (!out) {
    return -1;
  }
  for (size_t i = 0; i < N_FILES; i++) {
    const char *f = files[i].path;
    int match;

    if (is_dir) {
      match = !strncmp(f, pattern, pl) && f[pl] == '/' && !strchr(f + pl + 1, '/') &&
              fnmatch("*.conf", f + pl + 1, 0) == 0;
    } else {
      match = fnmatch(pattern, f, FNM_PATHNAME) == 0;
    }
    if (match) {
      out[n] = strdup(f);
      if (out[n]) {
        n++;
      }
    }
  }
  *paths = out;
  return n;
}

int FUZZ_Conf(const uint8_t *data, size_t len)
{
  static CNF_Messages msgs;
  CNF_FileOps ops = {NULL, fz_read, fz_list};
  CNF_Config *c;

  c = CNF_Parse((const char *)data, len, "fuzz.conf", &ops, &msgs);
  if (msgs.len >= sizeof(msgs.text) || strlen(msgs.text) != msgs.len) {
    abort();
  }
  if (c) {
    if (msgs.n_errors != 0 || c->port < 0 || c->port > 65535 ||
        (c->n_rules && !c->rules) || (c->n_sources && !c->sources)) {
      abort();
    }
    for (size_t i = 0; i < c->n_rules; i++) {
      if (c->rules[i].prefix < 0 || c->rules[i].prefix > 128) {
        abort();
      }
    }
    for (size_t i = 0; i < c->n_sources; i++) {
      if (c->sources[i].maxpoll < c->sources[i].minpoll || !c->sources[i].name[0]) {
        abort();
      }
    }
  } else if (msgs.n_errors == 0) {
    abort();
  }
  CNF_Free(c);
  return 0;
}
