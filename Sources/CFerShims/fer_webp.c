#include "fer_shims.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>

static const char *fer_webp_status(VP8StatusCode status) {
    switch (status) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data (truncated)";
    default: return "undecodable";
    }
}

int fer_webp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                         fer_image *out, char *message, size_t message_capacity) {
    memset(out, 0, sizeof(*out));
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) return FER_NO_MEMORY;
    VP8StatusCode status = WebPGetFeatures(data, size, &config.input);
    if (status != VP8_STATUS_OK) {
        snprintf(message, message_capacity, "%s", fer_webp_status(status));
        return FER_CORRUPT;
    }
    uint32_t width = (uint32_t)config.input.width, height = (uint32_t)config.input.height;
    if ((uint64_t)width * height > max_pixels) {
        snprintf(message, message_capacity, "image is %ux%u, over the limit of %llu pixels",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        return FER_TOO_LARGE;
    }
    if (config.input.has_animation) {
        snprintf(message, message_capacity, "animated WebP");
        return FER_UNSUPPORTED;
    }
    config.output.colorspace = MODE_RGB;
    status = WebPDecode(data, size, &config);
    if (status != VP8_STATUS_OK) {
        snprintf(message, message_capacity, "%s", fer_webp_status(status));
        WebPFreeDecBuffer(&config.output);
        return status == VP8_STATUS_OUT_OF_MEMORY ? FER_NO_MEMORY : FER_CORRUPT;
    }
    uint8_t *gray = malloc((size_t)width * height * channels);
    if (gray == NULL) {
        WebPFreeDecBuffer(&config.output);
        return FER_NO_MEMORY;
    }
    const WebPRGBABuffer *rgb = &config.output.u.RGBA;
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *row = rgb->rgba + (size_t)y * (size_t)rgb->stride;
        if (channels == 3) {
            memcpy(gray + (size_t)y * width * 3, row, (size_t)width * 3);
            continue;
        }
        for (uint32_t x = 0; x < width; x++)
            gray[(size_t)y * width + x] = fer_luma(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
    }
    WebPFreeDecBuffer(&config.output);
    out->pixels = gray;
    out->width = width;
    out->height = height;
    out->channels = channels;
    return FER_OK;
}
