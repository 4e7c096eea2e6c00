/*
 * fer_shims: the C boundary of ferdata.
 *
 * libjpeg and libpng report errors by longjmp, libtiff and libwebp by handlers and status codes. Every
 * setjmp and every call into those libraries lives in one function here; Swift only ever sees a status
 * code and a message copied into its buffer.
 * Buffers returned through `out` are allocated with malloc and released with fer_free.
 */
#ifndef FER_SHIMS_H
#define FER_SHIMS_H

#include <stddef.h>
#include <stdint.h>

enum fer_status {
    FER_OK = 0,
    FER_CORRUPT = 1,      /* the library rejected the data (bad marker, CRC, truncated stream, ...) */
    FER_TOO_LARGE = 2,    /* header dimensions exceed the caller's pixel limit; nothing was decoded */
    FER_UNSUPPORTED = 3,  /* a valid file in a form we do not handle */
    FER_NO_MEMORY = 4,
};

/* A decoded 8-bit image, `channels` interleaved samples per pixel. */
typedef struct {
    uint8_t *pixels;
    uint32_t width;
    uint32_t height;
    uint32_t channels;
} fer_image;

/* Every decoder below writes `channels` 8-bit samples per pixel: 1, grayscale (BT.601 luma of colour
 * sources), or 3, RGB (gray sources repeated). */

/* Decodes a JPEG (CMYK/YCCK converted first).
 * Refuses images whose width*height exceeds max_pixels before decoding any pixel data.
 * A truncated stream ("premature end of JPEG file") is FER_CORRUPT. */
int fer_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                         fer_image *out, char *message, size_t message_capacity);

/* Decodes a PNG of any colour type and bit depth (alpha ignored,
 * 16-bit scaled with rounding). Same limits and error rules as the JPEG decoder. */
int fer_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                        fer_image *out, char *message, size_t message_capacity);

/* Decodes the first page of a TIFF (8 or 16 bit; gray, RGB, palette, ...; uncompressed, LZW, deflate,
 * PackBits, JPEG) to 8-bit grayscale through libtiff's RGBA conversion. libtiff's messages go to a
 * handler of this decode only. Same limits and error rules as the JPEG decoder. */
int fer_tiff_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                         fer_image *out, char *message, size_t message_capacity);

/* Decodes a still WebP (lossy or lossless; alpha ignored) to 8-bit grayscale. Animated files are
 * FER_UNSUPPORTED. Same limits and error rules as the JPEG decoder. */
int fer_webp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                         fer_image *out, char *message, size_t message_capacity);

/* Decodes a BMP (1/4/8-bit palette, 16/24/32-bit, uncompressed or bit fields; bottom-up or top-down)
 * to 8-bit grayscale. RLE-compressed files are FER_UNSUPPORTED. Same limits and error rules. */
int fer_bmp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                        fer_image *out, char *message, size_t message_capacity);

/* Reads only the header: width and height, for either format. Returns FER_UNSUPPORTED for others. */
int fer_image_dimensions(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height);

/* Encodes 8-bit gray (channels 1) or RGB (channels 3) pixels as PNG. compression_level 0-9. */
int fer_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                   int compression_level, uint8_t **out, size_t *out_size,
                   char *message, size_t message_capacity);

/* Encodes 8-bit gray (channels 1) or RGB (channels 3) pixels as a baseline JPEG. quality 1-100. */
int fer_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    int quality, uint8_t **out, size_t *out_size,
                    char *message, size_t message_capacity);

void fer_free(void *pointer);

/* SHA-256, streaming. */
typedef struct {
    uint32_t state[8];
    uint64_t length;
    uint8_t block[64];
    size_t block_used;
} fer_sha256;

void fer_sha256_init(fer_sha256 *context);
void fer_sha256_update(fer_sha256 *context, const void *data, size_t size);
void fer_sha256_final(fer_sha256 *context, uint8_t digest[32]);
/* The x86 SHA extensions are used when the CPU has them; tests turn them off to check the portable path. */
void fer_sha256_allow_acceleration(int allowed);

/* BT.601 luma of 8-bit RGB, as Pillow's convert("L") computes it. */
static inline uint8_t fer_luma(uint8_t r, uint8_t g, uint8_t b) {
    return (uint8_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

/* Stores pixel `index` of an image of `channels` samples per pixel: its luma (1) or its RGB (3). */
static inline void fer_store_pixel(uint8_t *pixels, size_t index, uint32_t channels, uint8_t r, uint8_t g, uint8_t b) {
    if (channels == 1) {
        pixels[index] = fer_luma(r, g, b);
    } else {
        pixels[3 * index] = r;
        pixels[3 * index + 1] = g;
        pixels[3 * index + 2] = b;
    }
}

/* 1 when the CPU runs the AVX2 and FMA instructions the numeric targets are compiled for (always 1
 * off x86-64); ferdata asks before anything else runs. */
int fer_cpu_has_avx2_fma(void);

/* Blocks up to 32 MB come from the heap and freed memory stays there (glibc's mallopt): training
 * allocates and frees the same few-megabyte activations every step, and mapped, unmapped and
 * faulted-in afresh each time they cost the kernel's page zeroing. */
void fer_keep_freed_memory(void);

#endif
