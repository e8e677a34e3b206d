/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conf_int.h - what conf.c and conf_files.c share [core]: the parser state, messages and
 * argument helpers.  Internal to the configuration parser; nothing else includes it.
 * No I/O.
 */
#ifndef TIMED_CONF_INT_H
#define TIMED_CONF_INT_H

#include "conf.h"

typedef struct {
  CNF_Config *cfg;
  CNF_Messages *msgs;       /* may be NULL: then only counted */
  const CNF_FileOps *fops;
  const char *file;         /* file being parsed (for messages) */
  int line;
  int depth;                /* 0 = main file */
  int n_files;              /* files read through fops so far */
  int sources_only;         /* in a sourcedir file: only server/pool/peer */
  const char *stack[CNF_MAX_DEPTH + 1]; /* paths being parsed, to spot a file including itself */
  size_t n_errors;
  size_t cap_rules, cap_sources;
  int bind4_set, bind6_set, waitunsynced_set;
  size_t n_nts_certs, n_nts_keys;
  unsigned char seen[64];   /* per directive-table index: single-valued directive seen */
} Parser;

/* A directive handler; argv[0] is the directive, arg a constant from the table. */
typedef void (*Handler)(Parser *p, int argc, char **argv, int arg);

/* Append "FILE:LINE: error|warning: ..." to the messages (error 1 counts as an error). */
void CNF_Report(Parser *p, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define ERR(p, ...) CNF_Report((p), 1, __VA_ARGS__)
#define WARN(p, ...) CNF_Report((p), 0, __VA_ARGS__)

/* Copy s into buf (size bytes) for a message: non-printable bytes escaped, long words cut. */
const char *CNF_Quote(const char *s, char *buf, size_t size);

/* Check the number of arguments of a directive (argv[0]); 1 if within [min, max], else an
   error is reported and 0 returned. */
int CNF_NArgs(Parser *p, int argc, char **argv, int min, int max);

/* Parse len bytes of configuration text with p (recursively for included files). */
void CNF_ParseText(Parser *p, const char *text, size_t len);

/* Directive handlers in conf_files.c: `include PATTERN`, and `confdir`/`sourcedir DIR...`
   (sources 1 for sourcedir). */
void CNF_HandleInclude(Parser *p, int argc, char **argv, int arg);
void CNF_HandleDirs(Parser *p, int argc, char **argv, int sources);

#endif
