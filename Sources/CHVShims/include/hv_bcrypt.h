#ifndef HV_BCRYPT_H
#define HV_BCRYPT_H
/* libcrypt (libxcrypt) shim for HTTP basic auth against bcrypt hashes. */

/** 1 if `hash` is a well-formed bcrypt hash ($2a$/$2b$/$2y$, cost 04..31, 60 chars), else 0. */
int hv_bcrypt_is_valid_hash(const char *hash);

/**
 * 1 if `password` hashes to `hash` (crypt_rn with the hash as setting, then a constant-time
 * compare of the whole output), 0 otherwise, including for a malformed hash.
 */
int hv_bcrypt_verify(const char *password, const char *hash);

#endif
