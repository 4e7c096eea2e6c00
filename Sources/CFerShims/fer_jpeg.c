#include "fer_shims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr library;
    jmp_buf jump;
    int truncated;
    char message[JMSG_LENGTH_MAX];
} fer_jpeg_error;

static void fer_jpeg_error_exit(j_common_ptr info) {
    fer_jpeg_error *error = (fer_jpeg_error *)info->err;
    (*info->err->format_message)(info, error->message);
    longjmp(error->jump, 1);
}

/* Warnings are silent, except a premature end of data, which we treat as corruption. */
static void fer_jpeg_emit_message(j_common_ptr info, int level) {
    fer_jpeg_error *error = (fer_jpeg_error *)info->err;
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
        error->truncated = 1;
        (*info->err->format_message)(info, error->message);
    }
}

static void fer_copy_message(char *destination, size_t capacity, const char *source) {
    if (destination == NULL || capacity == 0) return;
    snprintf(destination, capacity, "%s", source);
}

int fer_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                         fer_image *out, char *message, size_t message_capacity) {
    struct jpeg_decompress_struct info;
    fer_jpeg_error error;
    uint8_t *volatile pixels = NULL;
    uint8_t *volatile row = NULL;

    memset(out, 0, sizeof(*out));
    memset(&error, 0, sizeof(error));
    info.err = jpeg_std_error(&error.library);
    error.library.error_exit = fer_jpeg_error_exit;
    error.library.emit_message = fer_jpeg_emit_message;
    if (setjmp(error.jump)) {
        fer_copy_message(message, message_capacity, error.message);
        jpeg_destroy_decompress(&info);
        free(pixels);
        free(row);
        return FER_CORRUPT;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    if ((uint64_t)info.image_width * info.image_height > max_pixels) {
        snprintf(message, message_capacity, "image is %ux%u, over the limit of %llu pixels",
                 info.image_width, info.image_height, (unsigned long long)max_pixels);
        jpeg_destroy_decompress(&info);
        return FER_TOO_LARGE;
    }
    int cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&info);

    uint32_t width = info.output_width, height = info.output_height;
    uint32_t components = (uint32_t)info.output_components;
    pixels = malloc((size_t)width * height * channels);
    if (components != channels) row = malloc((size_t)width * components);
    if (pixels == NULL || (components != channels && row == NULL)) {
        fer_copy_message(message, message_capacity, "out of memory");
        jpeg_destroy_decompress(&info);
        free(pixels);
        free(row);
        return FER_NO_MEMORY;
    }
    while (info.output_scanline < height) {
        uint8_t *target = pixels + (size_t)info.output_scanline * width * channels;
        JSAMPROW rows[1] = { components == channels ? target : row };
        jpeg_read_scanlines(&info, rows, 1);
        if (components == 4) {
            /* Adobe CMYK JPEGs store inverted values: R = C*K/255 on the stored samples. */
            for (uint32_t x = 0; x < width; x++) {
                const uint8_t *p = row + 4 * x;
                uint8_t k = p[3];
                fer_store_pixel(target, x, channels, (uint8_t)(p[0] * k / 255), (uint8_t)(p[1] * k / 255),
                                (uint8_t)(p[2] * k / 255));
            }
        }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(row);
    if (error.truncated) {
        fer_copy_message(message, message_capacity, error.message);
        free(pixels);
        return FER_CORRUPT;
    }
    out->pixels = pixels;
    out->width = width;
    out->height = height;
    out->channels = channels;
    return FER_OK;
}

int fer_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    int quality, uint8_t **out, size_t *out_size,
                    char *message, size_t message_capacity) {
    struct jpeg_compress_struct info;
    fer_jpeg_error error;
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;

    *out = NULL;
    *out_size = 0;
    if (channels != 1 && channels != 3) {
        fer_copy_message(message, message_capacity, "JPEG encoding takes 1 or 3 channels");
        return FER_UNSUPPORTED;
    }
    memset(&error, 0, sizeof(error));
    info.err = jpeg_std_error(&error.library);
    error.library.error_exit = fer_jpeg_error_exit;
    error.library.emit_message = fer_jpeg_emit_message;
    if (setjmp(error.jump)) {
        fer_copy_message(message, message_capacity, error.message);
        jpeg_destroy_compress(&info);
        free(buffer);
        return FER_CORRUPT;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, (unsigned char **)&buffer, &buffer_size);
    info.image_width = width;
    info.image_height = height;
    info.input_components = (int)channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < height) {
        JSAMPROW rows[1] = { (JSAMPROW)(pixels + (size_t)info.next_scanline * width * channels) };
        jpeg_write_scanlines(&info, rows, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    *out = buffer;
    *out_size = buffer_size;
    return FER_OK;
}

void fer_free(void *pointer) { free(pointer); }
