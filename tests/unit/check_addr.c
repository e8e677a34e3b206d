/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_addr.c - unit tests of addr.c (IP address values). */
#include <string.h>

#include "addr.h"
#include "suites.h"

START_TEST(test_parse_format)
{
  IPAddr a;
  char buf[ADDR_STRLEN];

  ck_assert(ADDR_Parse("192.0.2.1", &a));
  ck_assert_int_eq(a.family, ADDR_INET4);
  ck_assert_int_eq(a.addr[0], 192);
  ck_assert_int_eq(a.addr[3], 1);
  ck_assert_int_eq(a.addr[4], 0);
  ck_assert_str_eq(ADDR_Format(&a, buf, sizeof(buf)), "192.0.2.1");
  ck_assert(ADDR_Parse("2001:db8::1", &a));
  ck_assert_int_eq(a.family, ADDR_INET6);
  ck_assert_str_eq(ADDR_Format(&a, buf, sizeof(buf)), "2001:db8::1");
  ck_assert(!ADDR_Parse("192.0.2", &a));
  ck_assert(!ADDR_Parse("192.0.2.256", &a));
  ck_assert(!ADDR_Parse("host.example", &a));
  ck_assert(!ADDR_Parse("", &a));
  ck_assert(!ADDR_Parse(NULL, &a));
  ck_assert(!ADDR_Parse("2001:db8::1/64", &a));
  a.family = ADDR_UNSPEC;
  ck_assert_str_eq(ADDR_Format(&a, buf, sizeof(buf)), "?");
}
END_TEST

START_TEST(test_unmap)
{
  IPAddr a, b;

  ck_assert(ADDR_Parse("::ffff:10.1.2.3", &a));
  ADDR_Unmap(&a);
  ck_assert(ADDR_Parse("10.1.2.3", &b));
  ck_assert(ADDR_Equal(&a, &b));
  ck_assert(ADDR_Parse("::1", &a));
  ADDR_Unmap(&a);
  ck_assert_int_eq(a.family, ADDR_INET6);
}
END_TEST

START_TEST(test_subnet)
{
  IPAddr a, net;

  ck_assert(ADDR_Parse("10.1.2.3", &a));
  ck_assert(ADDR_Parse("10.1.0.0", &net));
  ck_assert(ADDR_InSubnet(&a, &net, 16));
  ck_assert(!ADDR_InSubnet(&a, &net, 24));
  ck_assert(ADDR_InSubnet(&a, &net, 0));
  ck_assert(ADDR_Parse("10.1.2.2", &net));
  ck_assert(ADDR_InSubnet(&a, &net, 31));
  ck_assert(!ADDR_InSubnet(&a, &net, 32));
  ck_assert(ADDR_Parse("2001:db8::", &net));
  ck_assert(!ADDR_InSubnet(&a, &net, 0)); /* families never mix */
  ck_assert(ADDR_Parse("2001:db8::1", &a));
  ck_assert(ADDR_InSubnet(&a, &net, 127));
  ck_assert(!ADDR_InSubnet(&a, &net, 128));
  ck_assert(ADDR_InSubnet(&a, &net, 33));
}
END_TEST

START_TEST(test_mask)
{
  IPAddr a, b;

  ck_assert(ADDR_Parse("10.255.255.255", &a));
  ADDR_MaskPrefix(&a, 9);
  ck_assert(ADDR_Parse("10.128.0.0", &b));
  ck_assert(ADDR_Equal(&a, &b));
  ck_assert(ADDR_Parse("2001:db8:ffff::ffff", &a));
  ADDR_MaskPrefix(&a, 34);
  ck_assert(ADDR_Parse("2001:db8:c000::", &b));
  ck_assert(ADDR_Equal(&a, &b));
  ADDR_MaskPrefix(&a, 0);
  ck_assert(ADDR_Parse("::", &b));
  ck_assert(ADDR_Equal(&a, &b));
}
END_TEST

START_TEST(test_hash)
{
  IPAddr a, b;

  ck_assert(ADDR_Parse("192.0.2.1", &a));
  ck_assert(ADDR_Parse("192.0.2.2", &b));
  ck_assert_uint_eq(ADDR_Hash(&a, 7), ADDR_Hash(&a, 7));
  ck_assert_uint_ne(ADDR_Hash(&a, 7), ADDR_Hash(&b, 7));
  ck_assert_uint_ne(ADDR_Hash(&a, 7), ADDR_Hash(&a, 8));
}
END_TEST

Suite *addr_suite(void)
{
  Suite *s = suite_create("addr");
  TCase *tc = tcase_create("addr");

  tcase_add_test(tc, test_parse_format);
  tcase_add_test(tc, test_unmap);
  tcase_add_test(tc, test_subnet);
  tcase_add_test(tc, test_mask);
  tcase_add_test(tc, test_hash);
  suite_add_tcase(s, tc);
  return s;
}
