#include <lzma.h>

/* liblzma's filter ids are macros with casts, which Swift does not import. */
static const lzma_vli termflash_lzma_filter_lzma2 = LZMA_FILTER_LZMA2;
static const lzma_vli termflash_lzma_vli_unknown = LZMA_VLI_UNKNOWN;
