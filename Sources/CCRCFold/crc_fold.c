#include "crc_fold.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

int termflash_crc_folding_available(void) {
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}

/// x * x^D: the low half (higher-degree coefficients) by the first constant, the high
/// half by the second; the sum is at most 96 bits wide, so nothing is lost.
__attribute__((target("pclmul,sse4.1")))
static inline __m128i fold(__m128i value, __m128i constant) {
    return _mm_xor_si128(_mm_clmulepi64_si128(value, constant, 0x00),
                         _mm_clmulepi64_si128(value, constant, 0x11));
}

__attribute__((target("pclmul,sse4.1")))
static inline __m128i load(const uint8_t *bytes) {
    return _mm_loadu_si128((const __m128i *)bytes);
}

__attribute__((target("pclmul,sse4.1")))
size_t termflash_crc_fold(const uint8_t *bytes, size_t count, uint32_t register_value,
                          const uint64_t constants[8], uint8_t folded[16]) {
    const __m128i by512 = _mm_set_epi64x((long long)constants[1], (long long)constants[0]);
    const __m128i by384 = _mm_set_epi64x((long long)constants[3], (long long)constants[2]);
    const __m128i by256 = _mm_set_epi64x((long long)constants[5], (long long)constants[4]);
    const __m128i by128 = _mm_set_epi64x((long long)constants[7], (long long)constants[6]);
    size_t done = 0;
    __m128i total;
    if (count >= 64) {
        __m128i lane0 = _mm_xor_si128(load(bytes), _mm_cvtsi32_si128((int)register_value));
        __m128i lane1 = load(bytes + 16);
        __m128i lane2 = load(bytes + 32);
        __m128i lane3 = load(bytes + 48);
        done = 64;
        while (count - done >= 64) {
            lane0 = _mm_xor_si128(fold(lane0, by512), load(bytes + done));
            lane1 = _mm_xor_si128(fold(lane1, by512), load(bytes + done + 16));
            lane2 = _mm_xor_si128(fold(lane2, by512), load(bytes + done + 32));
            lane3 = _mm_xor_si128(fold(lane3, by512), load(bytes + done + 48));
            done += 64;
        }
        total = _mm_xor_si128(_mm_xor_si128(fold(lane0, by384), fold(lane1, by256)),
                              _mm_xor_si128(fold(lane2, by128), lane3));
    } else {
        total = _mm_xor_si128(load(bytes), _mm_cvtsi32_si128((int)register_value));
        done = 16;
    }
    while (count - done >= 16) {
        total = _mm_xor_si128(fold(total, by128), load(bytes + done));
        done += 16;
    }
    _mm_storeu_si128((__m128i *)folded, total);
    return done;
}

#else

int termflash_crc_folding_available(void) { return 0; }

size_t termflash_crc_fold(const uint8_t *bytes, size_t count, uint32_t register_value,
                          const uint64_t constants[8], uint8_t folded[16]) {
    (void)bytes; (void)count; (void)register_value; (void)constants; (void)folded;
    return 0;
}

#endif
