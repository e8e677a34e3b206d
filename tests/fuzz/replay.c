/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay.c - runs the fuzz entry points over the seed corpus and over a bounded number of
 * deterministic mutations of every seed, as a `make check` test.  Test code: file I/O and
 * printing are allowed here, never in the entry points themselves.
 *
 *   fuzz_replay CORPUS_DIR [TARGET]   every file in CORPUS_DIR/<target>/, then mutations
 *   fuzz_replay FILE TARGET           one input, to reproduce a crash
 *
 * The mutations come from a fixed-seed xorshift generator, so every run feeds the same
 * inputs and a failure is reproducible.  A crash kills the process (the test fails); the
 * signal handler first saves the input to fuzz-crash-<target>.bin in the current
 * directory and names the seed and mutation.  FUZZ_REPLAY_MUTATIONS overrides the number
 * of mutations per seed (default 10000).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#define DEFAULT_MUTATIONS 10000
#define MAX_MUTATIONS 1000000
/* Seeds larger than this are skipped with a message: the targets are packet and
   config-file parsers, and a bigger seed would only slow the run. */
#define MAX_SEED_LEN (1024 * 1024)
/* Mutations add at most this much to a seed. */
#define MAX_GROWTH 256

typedef int (*fuzz_fn)(const uint8_t *data, size_t len);

static const struct {
  const char *name;
  fuzz_fn fn;
} targets[] = {
    {"wire", FUZZ_Wire},
    {"conf", FUZZ_Conf},
    {"cmdwire", FUZZ_Cmdwire},
    {"nts_rec", FUZZ_NtsRec},
    {"nts_ef", FUZZ_NtsEf},
    {"nts_client", FUZZ_NtsClient},
};

/* What is running now, for the crash handler (only read there). */
static const char *volatile cur_target = "";
static const char *volatile cur_seed = "";
static volatile long cur_mutation = -1;
static const uint8_t *volatile cur_data;
static volatile size_t cur_len;

/* Async-signal-safe output for the crash handler. */
static void
say(const char *s)
{
  ssize_t r = write(STDERR_FILENO, s, strlen(s));

  (void)r;
}

static void
say_num(long n)
{
  char buf[24];
  int i = (int)sizeof(buf) - 1;
  int neg = n < 0;
  unsigned long u = neg ? 0UL - (unsigned long)n : (unsigned long)n;

  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u && i > 1);
  if (neg) {
    buf[--i] = '-';
  }
  say(buf + i);
}

static void
crash_handler(int sig)
{
  char path[128];
  size_t tl = strlen(cur_target);
  int fd;

  say("fuzz replay: CRASH (signal ");
  say_num(sig);
  say(") in target ");
  say(cur_target);
  say(" on seed ");
  say(cur_seed);
  say(cur_mutation < 0 ? " (unmutated)" : " mutation ");
  if (cur_mutation >= 0) {
    say_num(cur_mutation);
  }
  say("\n");

  /* Save the input: "fuzz-crash-" + target + ".bin", built without snprintf. */
  if (tl < sizeof(path) - 20 && cur_data) {
    memcpy(path, "fuzz-crash-", 11);
    memcpy(path + 11, (const char *)cur_target, tl);
    memcpy(path + 11 + tl, ".bin", 5);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ssize_t r = write(fd, (const void *)cur_data, cur_len);

      (void)r;
      close(fd);
      say("fuzz replay: input saved to ");
      say(path);
      say("\n");
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

static void
install_handlers(void)
{
  static const int sigs[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
  struct sigaction sa;
  size_t i;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = crash_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
    sigaction(sigs[i], &sa, NULL);
  }
}

/* xorshift64 (Marsaglia 2003): small, fast, and the same on every platform. */
static uint64_t
rnd(uint64_t *s)
{
  uint64_t x = *s;

  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *s = x;
  return x;
}

static size_t
rnd_below(uint64_t *s, size_t n)
{
  return n ? (size_t)(rnd(s) % n) : 0;
}

/* FNV-1a, to derive a per-seed generator state from the target and file name. */
static uint64_t
hash_str(uint64_t h, const char *s)
{
  while (*s) {
    h ^= (uint8_t)*s++;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Run one input from an exact-size heap copy, so that a sanitizer build sees any read
   past the end. */
static int
run_one(fuzz_fn fn, const uint8_t *data, size_t len)
{
  uint8_t *copy = malloc(len ? len : 1);
  int r;

  if (!copy) {
    fprintf(stderr, "fuzz replay: out of memory\n");
    exit(2);
  }
  if (len) {
    memcpy(copy, data, len);
  }
  cur_data = copy;
  cur_len = len;
  r = fn(copy, len);
  cur_data = NULL;
  free(copy);
  return r;
}

/* Values that sit on the edges of length and type checks. */
static const uint16_t interesting16[] = {0,  1,  2,  3,  4,  8,  12,  15,    16,     17,     20,
                                         24, 28, 32, 44, 48, 68, 72,  0x7f, 0x80,   0xff,   0x100,
                                         0x104, 0x204, 0x404, 0x3ff, 0x400, 0x7fff, 0x8000, 0xfffc,
                                         0xffff};
static const uint8_t interesting8[] = {0, 1, 0x7f, 0x80, 0xff, 0x17, 0x23, 0x1b, 0x0b, '\n',
                                       ' ', '#', '-', '0', '9', '.', ':', '/'};

/* Apply one random edit to buf[0..*len), which has room for cap bytes. */
static void
mutate_once(uint64_t *s, uint8_t *buf, size_t *len, size_t cap)
{
  size_t n = *len, pos, k, i;
  uint16_t v;

  switch (rnd(s) % 8) {
    case 0: /* flip a bit */
      if (n) {
        pos = rnd_below(s, n);
        buf[pos] ^= (uint8_t)(1u << (rnd(s) % 8));
      }
      break;
    case 1: /* set a byte, to an edge value or at random */
      if (n) {
        pos = rnd_below(s, n);
        buf[pos] = rnd(s) % 2 ? interesting8[rnd_below(s, sizeof(interesting8))]
                              : (uint8_t)rnd(s);
      }
      break;
    case 2: /* truncate */
      *len = rnd_below(s, n + 1);
      break;
    case 3: /* extend with random bytes */
      k = 1 + rnd_below(s, 64);
      if (n + k > cap) {
        k = cap - n;
      }
      for (i = 0; i < k; i++) {
        buf[n + i] = (uint8_t)rnd(s);
      }
      *len = n + k;
      break;
    case 4:
    case 5: /* a 16-bit big-endian field at a 4-byte boundary (or its second half) */
      if (n >= 2) {
        pos = 4 * rnd_below(s, (n + 3) / 4) + 2 * (rnd(s) % 2);
        if (pos + 2 > n) {
          pos = n - 2;
        }
        switch (rnd(s) % 4) {
          case 0:
            v = (uint16_t)(n - pos); /* "exactly to the end" */
            break;
          case 1:
            v = (uint16_t)rnd(s);
            break;
          default:
            v = interesting16[rnd_below(s, sizeof(interesting16) / sizeof(interesting16[0]))];
            break;
        }
        buf[pos] = (uint8_t)(v >> 8);
        buf[pos + 1] = (uint8_t)v;
      }
      break;
    case 6: /* duplicate a chunk at the end (repeats fields, lines, records) */
      if (n && n < cap) {
        pos = rnd_below(s, n);
        k = 1 + rnd_below(s, n - pos);
        if (n + k > cap) {
          k = cap - n;
        }
        memmove(buf + n, buf + pos, k);
        *len = n + k;
      }
      break;
    default: /* insert or delete one byte in the middle */
      if (rnd(s) % 2 && n < cap) {
        pos = rnd_below(s, n + 1);
        memmove(buf + pos + 1, buf + pos, n - pos);
        buf[pos] = interesting8[rnd_below(s, sizeof(interesting8))];
        *len = n + 1;
      } else if (n) {
        pos = rnd_below(s, n);
        memmove(buf + pos, buf + pos + 1, n - pos - 1);
        *len = n - 1;
      }
      break;
  }
}

static int
read_file(const char *path, uint8_t **data, size_t *len)
{
  FILE *f = fopen(path, "rb");
  long size;
  size_t got;

  *data = NULL;
  *len = 0;
  if (!f) {
    return 0;
  }
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size > MAX_SEED_LEN ||
      fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return 0;
  }
  *data = malloc((size_t)size + 1);
  if (!*data) {
    fclose(f);
    return 0;
  }
  got = fread(*data, 1, (size_t)size, f);
  fclose(f);
  if (got != (size_t)size) {
    free(*data);
    *data = NULL;
    return 0;
  }
  *len = got;
  return 1;
}

static int
seed_filter(const struct dirent *d)
{
  return d->d_name[0] != '.';
}

static double
elapsed(const struct timespec *t0)
{
  struct timespec t1;

  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Run one target over its corpus directory.  Returns 1 if it ran at least one seed. */
static int
run_target(size_t ti, const char *corpus, long mutations, unsigned long *inputs,
           unsigned long *failed)
{
  const char *name = targets[ti].name;
  char dir[4096], path[8192];
  struct dirent **names = NULL;
  unsigned long t_inputs = 0, t_failed = 0, seeds = 0;
  struct timespec t0;
  int n, i;

  clock_gettime(CLOCK_MONOTONIC, &t0);
  snprintf(dir, sizeof(dir), "%s/%s", corpus, name);
  n = scandir(dir, &names, seed_filter, alphasort);
  if (n < 0) {
    printf("fuzz replay: %s: cannot read %s\n", name, dir);
    return 0;
  }
  cur_target = name;
  for (i = 0; i < n; i++) {
    uint8_t *seed, *buf;
    size_t seed_len, cap, len;
    struct stat st;
    uint64_t state;
    long m;

    snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    if (!read_file(path, &seed, &seed_len)) {
      printf("fuzz replay: %s: cannot read %s (or larger than %d bytes)\n", name, path,
             MAX_SEED_LEN);
      t_failed++;
      continue;
    }
    seeds++;
    cur_seed = names[i]->d_name;
    cur_mutation = -1;
    t_inputs++;
    if (run_one(targets[ti].fn, seed, seed_len) != 0) {
      printf("fuzz replay: %s: %s returned non-zero\n", name, path);
      t_failed++;
    }

    cap = seed_len + MAX_GROWTH;
    buf = malloc(cap);
    if (!buf) {
      fprintf(stderr, "fuzz replay: out of memory\n");
      exit(2);
    }
    state = hash_str(hash_str(0xcbf29ce484222325ULL, name), names[i]->d_name) | 1;
    for (m = 0; m < mutations; m++) {
      int k, edits = 1 + (int)rnd_below(&state, 4);

      memcpy(buf, seed, seed_len);
      len = seed_len;
      for (k = 0; k < edits; k++) {
        mutate_once(&state, buf, &len, cap);
      }
      cur_mutation = m;
      t_inputs++;
      if (run_one(targets[ti].fn, buf, len) != 0) {
        printf("fuzz replay: %s: %s mutation %ld returned non-zero\n", name, path, m);
        t_failed++;
      }
    }
    free(buf);
    free(seed);
  }
  for (i = 0; i < n; i++) {
    free(names[i]);
  }
  free(names);

  printf("fuzz replay: %s: %lu seeds, %lu inputs, %lu failed (%.2f s)\n", name, seeds,
         t_inputs, t_failed, elapsed(&t0));
  *inputs += t_inputs;
  *failed += t_failed;
  return seeds > 0;
}

static int
find_target(const char *name)
{
  size_t i;

  for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
    if (strcmp(targets[i].name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

int
main(int argc, char **argv)
{
  unsigned long inputs = 0, failed = 0;
  long mutations = DEFAULT_MUTATIONS;
  const char *env = getenv("FUZZ_REPLAY_MUTATIONS");
  struct stat st;
  int only = -1, ok = 1;
  size_t i;

  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: fuzz_replay CORPUS_DIR [TARGET]\n"
                    "       fuzz_replay FILE TARGET\n");
    return 2;
  }
  if (env && *env) {
    char *end;

    mutations = strtol(env, &end, 10);
    if (*end || mutations < 0 || mutations > MAX_MUTATIONS) {
      fprintf(stderr, "fuzz replay: FUZZ_REPLAY_MUTATIONS must be 0..%d\n", MAX_MUTATIONS);
      return 2;
    }
  }
  if (argc == 3) {
    only = find_target(argv[2]);
    if (only < 0) {
      fprintf(stderr, "fuzz replay: unknown target %s (wire, conf, cmdwire)\n", argv[2]);
      return 2;
    }
  }
  install_handlers();
  setvbuf(stdout, NULL, _IOLBF, 0);

  if (stat(argv[1], &st) == 0 && S_ISREG(st.st_mode)) {
    uint8_t *data;
    size_t len;
    int r;

    if (only < 0) {
      fprintf(stderr, "fuzz replay: a single file needs a TARGET\n");
      return 2;
    }
    if (!read_file(argv[1], &data, &len)) {
      fprintf(stderr, "fuzz replay: cannot read %s\n", argv[1]);
      return 2;
    }
    cur_target = targets[only].name;
    cur_seed = argv[1];
    r = run_one(targets[only].fn, data, len);
    free(data);
    printf("fuzz replay: 1 inputs, %d failed\n", r != 0);
    return r != 0;
  }

  for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
    if (only >= 0 && (size_t)only != i) {
      continue;
    }
    /* A target without seeds tested nothing: that is a failure, not a pass. */
    if (!run_target(i, argv[1], mutations, &inputs, &failed)) {
      printf("fuzz replay: %s: no seeds\n", targets[i].name);
      ok = 0;
    }
  }
  printf("fuzz replay: %lu inputs, %lu failed\n", inputs, failed);
  return ok && failed == 0 ? 0 : 1;
}
