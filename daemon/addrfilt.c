/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addrfilt.c - allow/deny access rules with chrony's semantics [core].
 *
 * No I/O, no system calls: memory functions only.
 *
 * Each family has a binary trie with one level per address bit.  A rule for a subnet of
 * prefix length p is stored in the node at depth p on the path of its address bits, so
 * every prefix length 0..32 / 0..128 has an exact node: nothing is rounded to a nibble or
 * byte boundary and nothing is expanded into sibling nodes (chrony's CVE-2015-1821 was a
 * heap overflow in exactly that expansion for prefixes not divisible by 4).
 *
 * Lookup walks the trie along the address bits and remembers the state of the last node
 * that has one, i.e. the most specific rule that contains the address.  The walk stops at
 * the first missing child, so its cost is bounded by the longest configured prefix on that
 * path (typically 8..32 steps), with no allocation and no hashing.
 */
#include "addrfilt.h"

#include <stdlib.h>
#include <string.h>

/* Node state: no rule for this exact subnet, or the rule's verdict. */
#define STATE_NONE (-1)
#define STATE_DENY 0
#define STATE_ALLOW 1

typedef struct Node {
  struct Node *child[2];
  int state;
} Node;

struct ADF_Table {
  Node *root4; /* IPv4 trie, depth 0..32 */
  Node *root6; /* IPv6 trie, depth 0..128 */
  long n_allow;    /* nodes in state allow, kept up to date for ADF_AnyAllowed */
};

/* Bit i (0 = most significant) of an address in network byte order. */
static int get_bit(const uint8_t *addr, int i)
{
  return (addr[i / 8] >> (7 - i % 8)) & 1;
}

static Node *new_node(void)
{
  Node *n = calloc(1, sizeof(*n));

  if (n) {
    n->state = STATE_NONE;
  }
  return n;
}

/* Free a subtree iteratively (depth can reach 128; a loop keeps the stack flat whatever
   the shape).  Returns how many of the freed nodes were in state allow. */
static long free_tree(Node *n)
{
  long allows = 0;

  while (n) {
    if (n->child[0]) {
      /* Rotate the left child up so that every node is visited once. */
      Node *l = n->child[0];
      n->child[0] = l->child[1];
      l->child[1] = n;
      n = l;
    } else {
      Node *r = n->child[1];
      allows += n->state == STATE_ALLOW;
      free(n);
      n = r;
    }
  }
  return allows;
}

ADF_Table *ADF_Create(void)
{
  ADF_Table *t = calloc(1, sizeof(*t));

  if (!t) {
    return NULL;
  }
  t->root4 = new_node();
  t->root6 = new_node();
  if (!t->root4 || !t->root6) {
    ADF_Destroy(t);
    return NULL;
  }
  return t;
}

void ADF_Destroy(ADF_Table *t)
{
  if (!t) {
    return;
  }
  (void)free_tree(t->root4);
  (void)free_tree(t->root6);
  free(t);
}

/* Set the state of the node for addr/prefix_len in the trie at root, creating the path.
   With `all`, the node's subtrees (every more specific subnet) are dropped first.
   *n_allow follows the number of allow nodes.  Returns 1, or 0 if memory ran out (the
   trie is then unchanged apart from stateless nodes, which match nothing). */
static int set_node(Node *root, const uint8_t *addr, int prefix_len, int state, int all,
                    long *n_allow)
{
  Node *n = root;
  int i;

  for (i = 0; i < prefix_len; i++) {
    int b = get_bit(addr, i);
    if (!n->child[b]) {
      n->child[b] = new_node();
      if (!n->child[b]) {
        return 0;
      }
    }
    n = n->child[b];
  }
  if (all) {
    *n_allow -= free_tree(n->child[0]);
    *n_allow -= free_tree(n->child[1]);
    n->child[0] = n->child[1] = NULL;
  }
  *n_allow += (state == STATE_ALLOW) - (n->state == STATE_ALLOW);
  n->state = state;
  return 1;
}

static int lookup(const Node *n, const uint8_t *addr, int bits)
{
  int state = STATE_NONE, i;

  for (i = 0; n; i++) {
    if (n->state != STATE_NONE) {
      state = n->state;
    }
    if (i >= bits) {
      break;
    }
    n = n->child[get_bit(addr, i)];
  }
  return state == STATE_ALLOW;
}

int ADF_AddRule(ADF_Table *t, const IPAddr *net, int prefix_len, int allow, int all)
{
  static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  int state = allow ? STATE_ALLOW : STATE_DENY, ok;

  if (!t || !net) {
    return 0;
  }
  switch (net->family) {
  case ADDR_UNSPEC:
    /* `allow`/`deny` without a subnet: the whole of both families. */
    ok = set_node(t->root4, net->addr, 0, state, all, &t->n_allow) &&
         set_node(t->root6, net->addr, 0, state, all, &t->n_allow);
    break;
  case ADDR_INET4:
    if (prefix_len < 0 || prefix_len > 32) {
      return 0;
    }
    ok = set_node(t->root4, net->addr, prefix_len, state, all, &t->n_allow);
    break;
  case ADDR_INET6:
    if (prefix_len < 0 || prefix_len > 128) {
      return 0;
    }
    if (prefix_len >= 96 && memcmp(net->addr, mapped_prefix, sizeof(mapped_prefix)) == 0) {
      /* A subnet inside ::ffff:0:0/96 names IPv4 addresses, and mapped sources are matched
         as IPv4, so the rule belongs in the IPv4 trie. */
      ok = set_node(t->root4, net->addr + 12, prefix_len - 96, state, all, &t->n_allow);
    } else {
      ok = set_node(t->root6, net->addr, prefix_len, state, all, &t->n_allow);
    }
    break;
  default:
    return 0;
  }
  return ok;
}

int ADF_IsAllowed(const ADF_Table *t, const IPAddr *addr)
{
  IPAddr a;

  if (!t || !addr) {
    return 0;
  }
  switch (addr->family) {
  case ADDR_INET4:
    return lookup(t->root4, addr->addr, 32);
  case ADDR_INET6:
    if (addr->addr[10] == 0xff && addr->addr[11] == 0xff) {
      a = *addr;
      ADDR_Unmap(&a);
      if (a.family == ADDR_INET4) {
        return lookup(t->root4, a.addr, 32);
      }
    }
    return lookup(t->root6, addr->addr, 128);
  default:
    return 0;
  }
}

int ADF_AnyAllowed(const ADF_Table *t)
{
  return t && t->n_allow > 0;
}
