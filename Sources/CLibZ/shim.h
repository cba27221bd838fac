#include <zlib.h>

/// inflateInit2 is a macro; this wrapper starts a raw-deflate (ZIP member) decompressor.
static inline int termflash_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -15);
}
