/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_files.c - include, confdir and sourcedir of the configuration parser [core].
 *
 * Files are read only through the caller's CNF_FileOps (no I/O here).  The work is bounded:
 * a nesting depth (CNF_MAX_DEPTH), a file count (CNF_MAX_FILES) and a check that no file
 * includes itself; a sourcedir file may hold only server/pool/peer lines.
 */
#include "conf_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DIRS 10 /* directories in one confdir/sourcedir line, as chrony */


static void free_paths(char **paths, int n)
{
  if (!paths) {
    return;
  }
  for (int i = 0; i < n; i++) {
    free(paths[i]);
  }
  free(paths);
}

static int can_include(Parser *p, const char *dir)
{
  if (!p->fops || !p->fops->read_file || !p->fops->list_files) {
    ERR(p, "%s: including files is not possible here", dir);
    return 0;
  }
  if (p->depth >= CNF_MAX_DEPTH) {
    ERR(p, "%s: files nested more than %d levels deep (include loop?)", dir, CNF_MAX_DEPTH);
    return 0;
  }
  return 1;
}

/* Read and parse one file one level deeper; its messages name that file. */
static void include_file(Parser *p, const char *dir, const char *path, int sources_only)
{
  const char *saved_file = p->file, *err = "unknown error";
  int saved_line = p->line, saved_so = p->sources_only;
  char *text = NULL, q[96];
  size_t len = 0;

  for (int d = 0; d <= p->depth; d++) {
    if (p->stack[d] && !strcmp(p->stack[d], path)) {
      ERR(p, "%s: '%s' includes itself", dir, CNF_Quote(path, q, sizeof(q)));
      return;
    }
  }
  if (p->n_files >= CNF_MAX_FILES) {
    ERR(p, "%s: more than %d files included; '%s' skipped", dir, CNF_MAX_FILES,
        CNF_Quote(path, q, sizeof(q)));
    return;
  }
  p->n_files++;
  if (!p->fops->read_file(p->fops->ctx, path, &text, &len, &err) || (!text && len)) {
    ERR(p, "%s: cannot read '%s': %s", dir, CNF_Quote(path, q, sizeof(q)), err ? err : "error");
    free(text);
    return;
  }
  p->depth++;
  p->stack[p->depth] = path;
  p->file = path;
  p->sources_only = sources_only;
  CNF_ParseText(p, text, len);
  p->stack[p->depth] = NULL;
  p->depth--;
  p->file = saved_file;
  p->line = saved_line;
  p->sources_only = saved_so;
  free(text);
}

void CNF_HandleInclude(Parser *p, int argc, char **argv, int arg)
{
  char **paths = NULL, q[96];
  int n;

  if (!CNF_NArgs(p, argc, argv, 1, 1) || !can_include(p, argv[0])) {
    return;
  }
  n = p->fops->list_files(p->fops->ctx, argv[1], 0, &paths);
  if (n < 0 || (n > 0 && !paths)) {
    ERR(p, "%s: cannot expand '%s'", argv[0], CNF_Quote(argv[1], q, sizeof(q)));
  } else if (n == 0) {
    /* chrony.conf(5): at least one file is required to exist. */
    ERR(p, "%s: no file matches '%s'", argv[0], CNF_Quote(argv[1], q, sizeof(q)));
  } else {
    for (int i = 0; i < n; i++) {
      if (paths[i]) {
        include_file(p, argv[0], paths[i], p->sources_only);
      }
    }
  }
  free_paths(paths, n > 0 ? n : 0);
}

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');

  return s ? s + 1 : path;
}

static int has_suffix(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);

  return a > b && !strcmp(s + a - b, suffix);
}

typedef struct {
  const char *path;
  int dir; /* index of the directory in the directive */
} DirEntry;

static int cmp_entry(const void *a, const void *b)
{
  const DirEntry *x = a, *y = b;
  int c = strcmp(base_name(x->path), base_name(y->path));

  return c ? c : (x->dir > y->dir) - (x->dir < y->dir);
}

/* confdir and sourcedir: files with the suffix from up to 10 directories, included in the
   order of their names; a name found in several directories is taken from the first one
   (chrony.conf(5) confdir).  A missing directory is not an error. */
void CNF_HandleDirs(Parser *p, int argc, char **argv, int sources)
{
  const char *suffix = sources ? ".sources" : ".conf";
  char **lists[MAX_DIRS] = {NULL}, q[96];
  int counts[MAX_DIRS] = {0}, d;
  DirEntry *entries;
  size_t total = 0, n_entries = 0;

  if (!CNF_NArgs(p, argc, argv, 1, MAX_DIRS) || !can_include(p, argv[0])) {
    return;
  }
  for (d = 0; d < argc - 1; d++) {
    char pattern[CNF_MAX_LINE * 2 + 16];
    const char *dir = argv[d + 1];
    size_t o = 0;
    int n;

    if (sources) {
      /* Escape glob metacharacters in the directory name, then ask for DIR/ *.sources. */
      for (const char *c = dir; *c && o + 3 < sizeof(pattern); c++) {
        if (strchr("*?[]\\", *c)) {
          pattern[o++] = '\\';
        }
        pattern[o++] = *c;
      }
      snprintf(pattern + o, sizeof(pattern) - o, "/*.sources");
      n = p->fops->list_files(p->fops->ctx, pattern, 0, &lists[d]);
    } else {
      n = p->fops->list_files(p->fops->ctx, dir, 1, &lists[d]);
    }
    if (n < 0 || (n > 0 && !lists[d])) {
      WARN(p, "%s: cannot read directory '%s'", argv[0], CNF_Quote(dir, q, sizeof(q)));
      n = 0;
    }
    counts[d] = n;
  }
  /* Merge: sort all entries by file name, then by directory order, and take the first
     entry of each name. */
  for (d = 0; d < argc - 1; d++) {
    total += (size_t)counts[d];
  }
  entries = total ? calloc(total, sizeof(*entries)) : NULL;
  if (total && !entries) {
    ERR(p, "out of memory");
  } else {
    for (d = 0; d < argc - 1; d++) {
      for (int i = 0; i < counts[d]; i++) {
        const char *f = lists[d][i];
        if (f && has_suffix(base_name(f), suffix)) {
          entries[n_entries].path = f;
          entries[n_entries++].dir = d;
        }
      }
    }
    if (n_entries > 1) {
      qsort(entries, n_entries, sizeof(*entries), cmp_entry);
    }
    for (size_t i = 0; i < n_entries; i++) {
      if (i > 0 && !strcmp(base_name(entries[i].path), base_name(entries[i - 1].path))) {
        continue; /* same name in a later directory */
      }
      include_file(p, argv[0], entries[i].path, sources);
    }
  }
  free(entries);
  for (d = 0; d < argc - 1; d++) {
    free_paths(lists[d], counts[d]);
  }
}
