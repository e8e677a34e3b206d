/* SPDX-License-Identifier: GPL-2.0-or-later */
/* suites.h - one Check suite per core module, all run by check_main.c. */
#ifndef TIMED_TEST_SUITES_H
#define TIMED_TEST_SUITES_H

#include <check.h>

Suite *util_suite(void);
Suite *addr_suite(void);
Suite *wire_suite(void);
Suite *addrfilt_suite(void);
Suite *clientlog_suite(void);
Suite *server_suite(void);
Suite *conf_suite(void);
Suite *cmdwire_suite(void);
Suite *source_suite(void);
Suite *srcstats_suite(void);
Suite *selection_suite(void);
Suite *discipline_suite(void);
Suite *sync_suite(void);
Suite *nts_suite(void);        /* check_nts.c: KE records, cookies, NTS fields */
Suite *nts_server_suite(void); /* check_nts_server.c: NTS on the NTP port (NSV) */
Suite *nts_client_suite(void); /* check_nts_client.c: NTS client (cookie jar, responses) */

#endif
