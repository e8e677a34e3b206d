/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * check_main.c - runs every core unit suite in one Check runner, so one summary line
 * ("100%: Checks: N, Failures: 0, Errors: 0") closes the output.  An optional argument
 * runs only the suite of that name (e.g. `check_core wire`), for work on one module.
 */
#include <stdlib.h>
#include <string.h>

#include "suites.h"

static const struct {
  const char *name;
  Suite *(*make)(void);
} suites[] = {
    {"util", util_suite},         {"addr", addr_suite},           {"wire", wire_suite},
    {"addrfilt", addrfilt_suite}, {"clientlog", clientlog_suite}, {"server", server_suite},
    {"conf", conf_suite},         {"cmdwire", cmdwire_suite},     {"source", source_suite},
    {"srcstats", srcstats_suite}, {"selection", selection_suite}, {"discipline", discipline_suite},
    {"sync", sync_suite},
    {"nts", nts_suite},           {"nts_server", nts_server_suite},
    {"nts_client", nts_client_suite},
};

int main(int argc, char **argv)
{
  SRunner *sr = NULL;
  size_t i;
  int failed;

  for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
    if (argc > 1 && strcmp(argv[1], suites[i].name) != 0) {
      continue;
    }
    if (!sr) {
      sr = srunner_create(suites[i].make());
    } else {
      srunner_add_suite(sr, suites[i].make());
    }
  }
  if (!sr) {
    return EXIT_FAILURE;
  }
  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
