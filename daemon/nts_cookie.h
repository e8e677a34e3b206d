/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nts_cookie.h - AES-SIV-CMAC-256 (AEAD 15), server cookie keys and NTS cookies [core].
 *
 * The AEAD is GnuTLS's GNUTLS_CIPHER_AES_128_SIV (32-byte key, 16-byte tag prepended to
 * the ciphertext; RFC 5297).  No hand-written crypto: this module only arranges bytes
 * around library calls.  No I/O, no clock reads, no randomness of its own: the shell seeds
 * a key store once with random bytes, and nonces come from HMAC(nonce key, counter).
 *
 * Cookie format (RFC 8915 §6, "suggested format"), 100 bytes, the same layout as chronyd:
 *   key id (4) | nonce (16) | SIV tag (16) | AES-SIV(C2S key (32) | S2C key (32))
 * The associated data is the key id, so a cookie cannot be moved to another key.
 */
#ifndef TIMED_NTS_COOKIE_H
#define TIMED_NTS_COOKIE_H

#include <stddef.h>
#include <stdint.h>

/* AEAD_AES_SIV_CMAC_256 (IANA AEAD id 15): key, tag and our nonce sizes. */
#define NCK_AEAD_ID 15
#define NCK_KEY_LEN 32
#define NCK_TAG_LEN 16
#define NCK_NONCE_LEN 16
/* Bytes of one cookie as we make it. */
#define NCK_COOKIE_LEN (4 + NCK_NONCE_LEN + NCK_TAG_LEN + 2 * NCK_KEY_LEN)
/* Server keys kept at once: the current one and the previous ones still accepted. */
#define NCK_MAX_KEYS 3
/* Bytes of the secret a fleet shares (at least this many are read from the file). */
#define NCK_MIN_SECRET_LEN 32

/* ---- AES-SIV-CMAC-256 ---------------------------------------------------------------- */

typedef struct NCK_Siv NCK_Siv;

/* A cipher context with key (32 bytes); NULL if the library refuses (no AES-SIV). */
NCK_Siv *NCK_SivCreate(const uint8_t *key);
/* Change the key without a new context.  0 on success, -1 on error. */
int NCK_SivSetKey(NCK_Siv *siv, const uint8_t *key);
void NCK_SivDestroy(NCK_Siv *siv);

/* Encrypt plen bytes of pt with nonce (nlen >= 1) and one associated data string into out,
   which receives tag (16) + ciphertext (plen) = plen + 16 bytes (cap must allow it).
   Returns plen + 16, or 0 on error.  pt and out must not overlap. */
size_t NCK_SivEncrypt(NCK_Siv *siv, const uint8_t *nonce, size_t nlen, const uint8_t *ad,
                      size_t alen, const uint8_t *pt, size_t plen, uint8_t *out, size_t cap);

/* Decrypt and authenticate clen bytes (tag + ciphertext, clen >= 16) into out (cap >=
   clen - 16).  Returns 1 and sets *plen if authentic, 0 otherwise (out is then zeroed). */
int NCK_SivDecrypt(NCK_Siv *siv, const uint8_t *nonce, size_t nlen, const uint8_t *ad,
                   size_t alen, const uint8_t *ct, size_t clen, uint8_t *out, size_t cap,
                   size_t *plen);

/* ---- Server key store and cookies ---------------------------------------------------- */

typedef struct NCK_Store NCK_Store;

typedef enum {
  NCK_OK = 0,
  NCK_ERR_LENGTH,      /* not NCK_COOKIE_LEN bytes */
  NCK_ERR_KEY_ID,      /* no key with that id (expired, or never ours) */
  NCK_ERR_AUTH,        /* the AEAD refused it: forged or corrupted */
  NCK_ERR_INTERNAL,    /* the library failed (no AES-SIV) */
  NCK_ERR_COUNT
} NCK_Status;

/* Counters for `timectl serverstats`. */
typedef struct {
  uint64_t sealed;         /* cookies made */
  uint64_t opened;         /* cookies accepted */
  uint64_t bad_length;
  uint64_t unknown_key;
  uint64_t bad_auth;
} NCK_Stats;

/* One server key as saved to and loaded from the dump file. */
typedef struct {
  uint32_t id;
  uint8_t key[NCK_KEY_LEN];
} NCK_Key;

/* A store seeded with 32 random bytes from the shell (used only to derive nonces; the
   cookie keys come from NCK_AddKey).  NULL on allocation or library failure. */
NCK_Store *NCK_Create(const uint8_t *seed32);
void NCK_Destroy(NCK_Store *st);

/* Make key the current one (new cookies use it).  The oldest of NCK_MAX_KEYS is forgotten.
   Adding an id that is already held only makes it current.  0 on success, -1 on error. */
int NCK_AddKey(NCK_Store *st, const NCK_Key *key);

/* Keys held, oldest first, current last (for the dump file).  Returns how many (<= cap). */
size_t NCK_GetKeys(const NCK_Store *st, NCK_Key *out, size_t cap);
/* Number of keys held (0: no cookies can be made). */
size_t NCK_KeyCount(const NCK_Store *st);

/* Fleet keys: derive the key of an epoch from a shared secret with HKDF-SHA256 (RFC 5869)
   so that every node holding the secret computes the same key and id for the same epoch
   without copying files.  info = "timed-nts-epoch" | epoch (8 bytes big-endian).  The id has
   its top bit set (random ids from NCK_RandomKey keep it clear) so the two kinds never
   collide.  0 on success, -1 on error (secret shorter than NCK_MIN_SECRET_LEN). */
int NCK_DeriveEpochKey(const uint8_t *secret, size_t slen, uint64_t epoch, NCK_Key *out);

/* A standalone key from 36 random bytes (4 for the id, 32 for the key). */
void NCK_KeyFromRandom(const uint8_t *rnd36, NCK_Key *out);

/* Next unique nonce (16 bytes): HMAC-SHA256(seed, counter), truncated.  Unpredictable, so
   cookies issued together cannot be linked by their nonces (RFC 8915 §10.2). */
void NCK_MakeNonce(NCK_Store *st, uint8_t *out16);

/* Seal a cookie holding the two keys under the current key.  out needs NCK_COOKIE_LEN
   bytes.  Returns NCK_COOKIE_LEN, or 0 if there is no key or the library fails. */
size_t NCK_Seal(NCK_Store *st, const uint8_t *c2s, const uint8_t *s2c, uint8_t *out,
                size_t cap);

/* Open a cookie of len bytes: on NCK_OK the keys are in c2s and s2c (32 bytes each). */
NCK_Status NCK_Open(NCK_Store *st, const uint8_t *cookie, size_t len, uint8_t *c2s,
                    uint8_t *s2c);

const NCK_Stats *NCK_GetStats(const NCK_Store *st);
const char *NCK_StatusName(NCK_Status s);

/* Dump file text: one line "timed-nts-keys 1", then "<id hex8> <key hex64>" per key,
   oldest first.  Returns the length written (< cap, NUL-terminated) or 0 if cap is short. */
size_t NCK_FormatKeys(const NCK_Store *st, char *buf, size_t cap);
/* Parse such text and add its keys in order.  Returns the number of keys added, -1 if the
   text is malformed (the store is then unchanged). */
int NCK_ParseKeys(NCK_Store *st, const char *text, size_t len);

#endif
