#include "fer_shims.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

/* libtiff reports errors through handlers, not longjmp: each decode opens its TIFF with its own
 * handler (TIFFOpenOptions), which copies the first message into the stream, so that concurrent
 * decodes on several threads never share state and nothing is printed. */

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
    char message[256];
} fer_tiff_stream;

static int fer_tiff_error(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff;
    fer_tiff_stream *stream = (fer_tiff_stream *)user;
    if (stream->message[0] == 0) {
        int used = snprintf(stream->message, sizeof(stream->message), "%s: ", module ? module : "libtiff");
        if (used < 0 || (size_t)used >= sizeof(stream->message)) used = 0;
        vsnprintf(stream->message + used, sizeof(stream->message) - (size_t)used, format, arguments);
    }
    return 1;
}

static int fer_tiff_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list arguments) {
    (void)tiff;
    (void)user;
    (void)module;
    (void)format;
    (void)arguments;
    return 1;
}

static tmsize_t fer_tiff_read(thandle_t handle, void *target, tmsize_t count) {
    fer_tiff_stream *stream = (fer_tiff_stream *)handle;
    if (count <= 0 || stream->position >= stream->size) return 0;
    size_t available = stream->size - stream->position;
    size_t wanted = (size_t)count < available ? (size_t)count : available;
    memcpy(target, stream->data + stream->position, wanted);
    stream->position += wanted;
    return (tmsize_t)wanted;
}

static tmsize_t fer_tiff_write(thandle_t handle, void *source, tmsize_t count) {
    (void)handle;
    (void)source;
    (void)count;
    return 0;
}

static toff_t fer_tiff_seek(thandle_t handle, toff_t offset, int whence) {
    fer_tiff_stream *stream = (fer_tiff_stream *)handle;
    uint64_t base = whence == SEEK_CUR ? stream->position : whence == SEEK_END ? stream->size : 0;
    uint64_t target = base + offset;
    if (target > stream->size) target = stream->size;
    stream->position = (size_t)target;
    return (toff_t)target;
}

static int fer_tiff_close(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t fer_tiff_size(thandle_t handle) { return (toff_t)((fer_tiff_stream *)handle)->size; }

static int fer_tiff_map(thandle_t handle, void **base, toff_t *size) {
    fer_tiff_stream *stream = (fer_tiff_stream *)handle;
    *base = (void *)stream->data;
    *size = (toff_t)stream->size;
    return 1;
}

static void fer_tiff_unmap(thandle_t handle, void *base, toff_t size) {
    (void)handle;
    (void)base;
    (void)size;
}

int fer_tiff_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                         fer_image *out, char *message, size_t message_capacity) {
    fer_tiff_stream stream = { .data = data, .size = size };
    memset(out, 0, sizeof(*out));
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return FER_NO_MEMORY;
    TIFFOpenOptionsSetErrorHandlerExtR(options, fer_tiff_error, &stream);
    TIFFOpenOptionsSetWarningHandlerExtR(options, fer_tiff_warning, &stream);
    /* No single allocation of libtiff's own beyond 256 MB: a header claiming more is refused. */
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)256 << 20);
    TIFF *tiff = TIFFClientOpenExt("image.tiff", "r", (thandle_t)&stream, fer_tiff_read, fer_tiff_write, fer_tiff_seek,
                                   fer_tiff_close, fer_tiff_size, fer_tiff_map, fer_tiff_unmap, options);
    TIFFOpenOptionsFree(options);
    if (tiff == NULL) {
        snprintf(message, message_capacity, "%s", stream.message[0] ? stream.message : "not a readable TIFF");
        return FER_CORRUPT;
    }
    uint32_t width = 0, height = 0;
    if (!TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width) || !TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height)
        || width == 0 || height == 0) {
        snprintf(message, message_capacity, "TIFF without image dimensions");
        TIFFClose(tiff);
        return FER_CORRUPT;
    }
    if ((uint64_t)width * height > max_pixels) {
        snprintf(message, message_capacity, "image is %ux%u, over the limit of %llu pixels",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        TIFFClose(tiff);
        return FER_TOO_LARGE;
    }
    char reason[1024] = { 0 };
    if (!TIFFRGBAImageOK(tiff, reason)) {
        snprintf(message, message_capacity, "%s", reason[0] ? reason : "a TIFF form libtiff cannot convert");
        TIFFClose(tiff);
        return FER_UNSUPPORTED;
    }
    uint32_t *raster = malloc((size_t)width * height * sizeof(uint32_t));
    uint8_t *gray = malloc((size_t)width * height * channels);
    if (raster == NULL || gray == NULL) {
        free(raster);
        free(gray);
        TIFFClose(tiff);
        return FER_NO_MEMORY;
    }
    int read = TIFFReadRGBAImageOriented(tiff, width, height, raster, ORIENTATION_TOPLEFT, 1);
    TIFFClose(tiff);
    if (!read) {
        snprintf(message, message_capacity, "%s", stream.message[0] ? stream.message : "undecodable TIFF data");
        free(raster);
        free(gray);
        return FER_CORRUPT;
    }
    for (size_t i = 0; i < (size_t)width * height; i++) {
        uint32_t pixel = raster[i];
        fer_store_pixel(gray, i, channels, (uint8_t)TIFFGetR(pixel), (uint8_t)TIFFGetG(pixel), (uint8_t)TIFFGetB(pixel));
    }
    free(raster);
    out->pixels = gray;
    out->width = width;
    out->height = height;
    out->channels = channels;
    return FER_OK;
}
