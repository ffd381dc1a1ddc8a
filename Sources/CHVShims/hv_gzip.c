#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "hv_gzip.h"

size_t hv_gzip_bound(size_t length) {
    /* compressBound covers the 6-byte zlib wrapper; gzip's is 18 bytes. */
    return (size_t)compressBound((uLong)length) + 32;
}

size_t hv_gzip_compress(const uint8_t *source, size_t length,
                        uint8_t *destination, size_t capacity, int level) {
    if (length > UINT_MAX || capacity > UINT_MAX || capacity < hv_gzip_bound(length)) {
        return 0;
    }
    if (level != Z_DEFAULT_COMPRESSION && (level < 1 || level > 9)) {
        level = Z_DEFAULT_COMPRESSION;
    }
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    /* windowBits 15 + 16: gzip header and trailer instead of the zlib wrapper. */
    if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return 0;
    }
    stream.next_in = (Bytef *)source;
    stream.avail_in = (uInt)length;
    stream.next_out = destination;
    stream.avail_out = (uInt)capacity;
    int status = deflate(&stream, Z_FINISH);
    size_t produced = (size_t)stream.total_out;
    deflateEnd(&stream);
    return status == Z_STREAM_END ? produced : 0;
}
