#include <crypt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

#include "hv_bcrypt.h"

static int hv_is_bcrypt_base64(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '/';
}

int hv_bcrypt_is_valid_hash(const char *hash) {
    if (hash == NULL || strlen(hash) != 60) {
        return 0;
    }
    if (hash[0] != '$' || hash[1] != '2' ||
        (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$') {
        return 0;
    }
    if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9' || hash[6] != '$') {
        return 0;
    }
    int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
    if (cost < 4 || cost > 31) {
        return 0;
    }
    for (int i = 7; i < 60; i++) {
        if (!hv_is_bcrypt_base64(hash[i])) {
            return 0;
        }
    }
    return 1;
}

int hv_bcrypt_verify(const char *password, const char *hash) {
    if (password == NULL || !hv_bcrypt_is_valid_hash(hash)) {
        return 0;
    }
    /* struct crypt_data is ~32 KiB: keep it off the connection thread's stack. */
    struct crypt_data *data = calloc(1, sizeof *data);
    if (data == NULL) {
        return 0;
    }
    const char *computed = crypt_rn(password, hash, data, (int)sizeof *data);
    int match = 0;
    if (computed != NULL && strlen(computed) == 60) {
        unsigned char difference = 0;
        for (size_t i = 0; i < 60; i++) {
            difference |= (unsigned char)(computed[i] ^ hash[i]);
        }
        match = difference == 0;
    }
    explicit_bzero(data, sizeof *data);
    free(data);
    return match;
}

int hv_sha256(const void *data, size_t len, unsigned char *out) {
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) == 0 ? 0 : -1;
}

int hv_random(void *out, size_t len) {
    return gnutls_rnd(GNUTLS_RND_NONCE, out, len) == 0 ? 0 : -1;
}
