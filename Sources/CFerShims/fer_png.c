#include "fer_shims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
    uint8_t *output;
    size_t output_size;
    size_t output_capacity;
    int out_of_memory;
    char message[256];
} fer_png_stream;

static void fer_png_error(png_structp png, png_const_charp text) {
    fer_png_stream *stream = (fer_png_stream *)png_get_error_ptr(png);
    snprintf(stream->message, sizeof(stream->message), "%s", text);
    png_longjmp(png, 1);
}

static void fer_png_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static void fer_png_read(png_structp png, png_bytep target, png_size_t count) {
    fer_png_stream *stream = (fer_png_stream *)png_get_io_ptr(png);
    if (stream->size - stream->position < count) png_error(png, "truncated PNG data");
    memcpy(target, stream->data + stream->position, count);
    stream->position += count;
}

static void fer_png_write(png_structp png, png_bytep source, png_size_t count) {
    fer_png_stream *stream = (fer_png_stream *)png_get_io_ptr(png);
    if (stream->output_size + count > stream->output_capacity) {
        size_t capacity = stream->output_capacity ? stream->output_capacity * 2 : 4096;
        while (capacity < stream->output_size + count) capacity *= 2;
        uint8_t *grown = realloc(stream->output, capacity);
        if (grown == NULL) {
            stream->out_of_memory = 1;
            png_error(png, "out of memory");
        }
        stream->output = grown;
        stream->output_capacity = capacity;
    }
    memcpy(stream->output + stream->output_size, source, count);
    stream->output_size += count;
}

static void fer_png_flush(png_structp png) { (void)png; }

int fer_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                        fer_image *out, char *message, size_t message_capacity) {
    fer_png_stream stream = { .data = data, .size = size };
    png_structp png = NULL;
    png_infop info = NULL;
    uint8_t *volatile rgb = NULL;
    uint8_t *volatile gray = NULL;
    png_bytep *volatile rows = NULL;

    memset(out, 0, sizeof(*out));
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        snprintf(message, message_capacity, "not a PNG signature");
        return FER_CORRUPT;
    }
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &stream, fer_png_error, fer_png_warning);
    if (png == NULL) return FER_NO_MEMORY;
    info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return FER_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(message, message_capacity, "%s", stream.message);
        png_destroy_read_struct(&png, &info, NULL);
        free(rgb);
        free(gray);
        free(rows);
        return FER_CORRUPT;
    }
    png_set_read_fn(png, &stream, fer_png_read);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    if ((uint64_t)width * height > max_pixels) {
        snprintf(message, message_capacity, "image is %ux%u, over the limit of %llu pixels",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        png_destroy_read_struct(&png, &info, NULL);
        return FER_TOO_LARGE;
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (bit_depth == 16) png_set_scale_16(png);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (channels == 3 && !(color_type & PNG_COLOR_MASK_COLOR)) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t decoded = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (decoded != 1 && decoded != 3) png_error(png, "unexpected channel count after transforms");
    rgb = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (rgb == NULL || rows == NULL) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = rgb + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);

    if (decoded == channels) {
        gray = rgb;
    } else {
        gray = malloc((size_t)width * height);
        if (gray == NULL) {
            free(rgb);
            return FER_NO_MEMORY;
        }
        for (size_t i = 0; i < (size_t)width * height; i++)
            gray[i] = fer_luma(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
        free(rgb);
    }
    out->pixels = gray;
    out->width = width;
    out->height = height;
    out->channels = channels;
    return FER_OK;
}

int fer_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                   int compression_level, uint8_t **out, size_t *out_size,
                   char *message, size_t message_capacity) {
    fer_png_stream stream = { 0 };
    png_structp png = NULL;
    png_infop info = NULL;

    *out = NULL;
    *out_size = 0;
    if (channels != 1 && channels != 3) {
        snprintf(message, message_capacity, "PNG encoding takes 1 or 3 channels");
        return FER_UNSUPPORTED;
    }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &stream, fer_png_error, fer_png_warning);
    if (png == NULL) return FER_NO_MEMORY;
    info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return FER_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(message, message_capacity, "%s", stream.message);
        png_destroy_write_struct(&png, &info);
        free(stream.output);
        return stream.out_of_memory ? FER_NO_MEMORY : FER_CORRUPT;
    }
    png_set_write_fn(png, &stream, fer_png_write, fer_png_flush);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8, channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++)
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * channels));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = stream.output;
    *out_size = stream.output_size;
    return FER_OK;
}

static uint32_t fer_read_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int fer_image_dimensions(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height) {
    if (size >= 24 && png_sig_cmp(data, 0, 8) == 0) {
        *width = fer_read_be32(data + 16);
        *height = fer_read_be32(data + 20);
        return FER_OK;
    }
    if (size >= 4 && data[0] == 0xFF && data[1] == 0xD8) {
        size_t i = 2;
        while (i + 9 < size) {
            if (data[i] != 0xFF) { i++; continue; }
            uint8_t marker = data[i + 1];
            if (marker == 0xFF || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { i++; continue; }
            size_t length = ((size_t)data[i + 2] << 8) | data[i + 3];
            int is_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (is_frame) {
                *height = ((uint32_t)data[i + 5] << 8) | data[i + 6];
                *width = ((uint32_t)data[i + 7] << 8) | data[i + 8];
                return FER_OK;
            }
            i += 2 + length;
        }
        return FER_CORRUPT;
    }
    return FER_UNSUPPORTED;
}
