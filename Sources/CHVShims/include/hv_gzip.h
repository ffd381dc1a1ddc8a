#ifndef HV_GZIP_H
#define HV_GZIP_H
/* zlib shim for HVHTTP response compression. */
#include <stddef.h>
#include <stdint.h>

/** Output capacity that always suffices for hv_gzip_compress of `length` input bytes. */
size_t hv_gzip_bound(size_t length);

/**
 * Compresses `source` into a complete gzip member (deflateInit2 with windowBits 15+16, one
 * deflate(Z_FINISH)). Returns the compressed size, or 0 on failure (input over 4 GiB,
 * capacity too small, zlib out of memory). `level` is 1...9 or -1 for zlib's default.
 */
size_t hv_gzip_compress(const uint8_t *source, size_t length,
                        uint8_t *destination, size_t capacity, int level);

#endif
