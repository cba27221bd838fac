#ifndef TERMFLASH_CRC_FOLDING_H
#define TERMFLASH_CRC_FOLDING_H

#include <stddef.h>
#include <stdint.h>

/// Nonzero when this CPU has carry-less multiplication (x86-64 PCLMULQDQ), so
/// termflash_crc_fold can run; zero elsewhere (callers then use their tables).
int termflash_crc_folding_available(void);

/// Folds `count` bytes (count >= 16) of a reflected CRC (width up to 32 bits) into one
/// 16-byte block with the same remainder: `register_value` is XORed into the first bytes,
/// then every further 16-byte block is folded in with carry-less multiplication.
/// `constants` holds, for fold distances 512, 384, 256 and 128 bits, the pair
/// (x^(D+63) mod P, x^(D-1) mod P), each bit-reflected into 64 bits.
/// Writes the folded block to `folded` and returns how many bytes it consumed
/// (a multiple of 16, at most `count`); the caller runs its table over `folded`
/// (register 0) and then over the bytes left.
size_t termflash_crc_fold(const uint8_t *bytes, size_t count, uint32_t register_value,
                          const uint64_t constants[8], uint8_t folded[16]);

#endif
