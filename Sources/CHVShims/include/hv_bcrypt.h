#ifndef HV_BCRYPT_H
#define HV_BCRYPT_H
#include <stddef.h>

/* libcrypt (libxcrypt) shim for HTTP basic auth against bcrypt hashes. */

/** 1 if `hash` is a well-formed bcrypt hash ($2a$/$2b$/$2y$, cost 04..31, 60 chars), else 0. */
int hv_bcrypt_is_valid_hash(const char *hash);

/**
 * 1 if `password` hashes to `hash` (crypt_rn with the hash as setting, then a constant-time
 * compare of the whole output), 0 otherwise, including for a malformed hash.
 */
int hv_bcrypt_verify(const char *password, const char *hash);


/** SHA-256 of `len` bytes at `data` into `out` (32 bytes), with gnutls; 0 on success. Used to
 * key the cache of verified credentials without keeping a password in memory. */
int hv_sha256(const void *data, size_t len, unsigned char *out);

/** Fills `out` with `len` random bytes (gnutls_rnd, nonce level); 0 on success. */
int hv_random(void *out, size_t len);
#endif
