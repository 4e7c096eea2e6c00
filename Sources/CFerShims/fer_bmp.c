#include "fer_shims.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A BMP reader of our own (no library needed): the core (12-byte), info (40) and V2-V5 headers;
 * 1, 4 and 8-bit palettes, 16, 24 and 32-bit pixels, uncompressed or with bit-field masks; bottom-up
 * or top-down rows. RLE-compressed files are refused as unsupported. Every read is bounds-checked. */

static uint32_t fer_le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t fer_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

typedef struct {
    uint32_t mask;
    int shift;
    uint32_t max;
} fer_bmp_channel;

static fer_bmp_channel fer_bmp_mask(uint32_t mask) {
    fer_bmp_channel channel = { mask, 0, 0 };
    if (mask == 0) return channel;
    while (!((mask >> channel.shift) & 1)) channel.shift++;
    channel.max = mask >> channel.shift;
    return channel;
}

static uint8_t fer_bmp_component(uint32_t pixel, fer_bmp_channel channel) {
    if (channel.max == 0) return 0;
    uint32_t value = (pixel & channel.mask) >> channel.shift;
    return (uint8_t)((value * 255u + channel.max / 2) / channel.max);
}

int fer_bmp_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t channels,
                        fer_image *out, char *message, size_t message_capacity) {
    memset(out, 0, sizeof(*out));
    if (size < 26 || data[0] != 'B' || data[1] != 'M') {
        snprintf(message, message_capacity, "not a BMP file header");
        return FER_CORRUPT;
    }
    uint32_t pixel_offset = fer_le32(data + 10);
    uint32_t header_size = fer_le32(data + 14);
    int64_t width, height;
    uint16_t bits;
    uint32_t compression = 0, colors_used = 0;
    size_t palette_entry = 4;
    if (header_size == 12) {
        width = fer_le16(data + 18);
        height = (int16_t)fer_le16(data + 20);
        bits = fer_le16(data + 24);
        palette_entry = 3;
    } else if (header_size >= 40 && header_size <= 124) {
        if (size < 14 + (size_t)header_size) {
            snprintf(message, message_capacity, "truncated BMP header");
            return FER_CORRUPT;
        }
        width = (int32_t)fer_le32(data + 18);
        height = (int32_t)fer_le32(data + 22);
        bits = fer_le16(data + 28);
        compression = fer_le32(data + 30);
        colors_used = fer_le32(data + 46);
    } else {
        snprintf(message, message_capacity, "unknown BMP header size %u", (unsigned)header_size);
        return FER_UNSUPPORTED;
    }
    int top_down = height < 0;
    if (top_down) height = -height;
    if (width <= 0 || height <= 0) {
        snprintf(message, message_capacity, "BMP of %lldx%lld pixels", (long long)width, (long long)height);
        return FER_CORRUPT;
    }
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        snprintf(message, message_capacity, "image is %lldx%lld, over the limit of %llu pixels",
                 (long long)width, (long long)height, (unsigned long long)max_pixels);
        return FER_TOO_LARGE;
    }
    if (compression != 0 && compression != 3) {
        snprintf(message, message_capacity, "BMP compression %u (RLE or embedded JPEG/PNG) is not supported", (unsigned)compression);
        return FER_UNSUPPORTED;
    }
    if (bits != 1 && bits != 4 && bits != 8 && bits != 16 && bits != 24 && bits != 32) {
        snprintf(message, message_capacity, "BMP with %u bits per pixel", (unsigned)bits);
        return FER_UNSUPPORTED;
    }
    /* Bit-field masks: inside a V2+ header, or right after a 40-byte one. */
    fer_bmp_channel red = fer_bmp_mask(0x00FF0000u), green = fer_bmp_mask(0x0000FF00u), blue = fer_bmp_mask(0x000000FFu);
    if (bits == 16) {
        red = fer_bmp_mask(0x7C00u);
        green = fer_bmp_mask(0x03E0u);
        blue = fer_bmp_mask(0x001Fu);
    }
    size_t palette_start = 14 + (size_t)header_size;
    if (compression == 3) {
        if (bits != 16 && bits != 32) {
            snprintf(message, message_capacity, "bit-field masks on a %u-bit BMP", (unsigned)bits);
            return FER_CORRUPT;
        }
        size_t masks = header_size >= 52 ? 14 + 40 : palette_start;
        if (size < masks + 12) {
            snprintf(message, message_capacity, "truncated BMP bit-field masks");
            return FER_CORRUPT;
        }
        red = fer_bmp_mask(fer_le32(data + masks));
        green = fer_bmp_mask(fer_le32(data + masks + 4));
        blue = fer_bmp_mask(fer_le32(data + masks + 8));
        if (header_size == 40) palette_start += 12;
    }
    uint8_t palette[256][3];
    uint32_t palette_size = 0;
    if (bits <= 8) {
        palette_size = colors_used ? colors_used : (1u << bits);
        if (palette_size > (1u << bits)) palette_size = 1u << bits;
        if (palette_start + (size_t)palette_size * palette_entry > size) {
            snprintf(message, message_capacity, "truncated BMP palette");
            return FER_CORRUPT;
        }
        for (uint32_t i = 0; i < palette_size; i++) {
            const uint8_t *entry = data + palette_start + (size_t)i * palette_entry;
            palette[i][0] = entry[2];
            palette[i][1] = entry[1];
            palette[i][2] = entry[0];
        }
    }
    size_t stride = (((size_t)bits * (size_t)width + 31) / 32) * 4;
    if (pixel_offset > size || (size - pixel_offset) / stride < (size_t)height) {
        snprintf(message, message_capacity, "truncated BMP pixel data");
        return FER_CORRUPT;
    }
    uint8_t *gray = malloc((size_t)width * (size_t)height * channels);
    if (gray == NULL) return FER_NO_MEMORY;
    for (int64_t y = 0; y < height; y++) {
        const uint8_t *row = data + pixel_offset + (size_t)(top_down ? y : height - 1 - y) * stride;
        uint8_t *target = gray + (size_t)y * (size_t)width * channels;
        for (int64_t x = 0; x < width; x++) {
            uint8_t r, g, b;
            if (bits <= 8) {
                uint32_t index = bits == 8 ? row[x] : bits == 4 ? (row[x / 2] >> (x % 2 ? 0 : 4)) & 0x0F
                                                                : (row[x / 8] >> (7 - x % 8)) & 0x01;
                if (index >= palette_size) index = 0;
                r = palette[index][0];
                g = palette[index][1];
                b = palette[index][2];
            } else if (bits == 24) {
                b = row[3 * x];
                g = row[3 * x + 1];
                r = row[3 * x + 2];
            } else {
                uint32_t pixel = bits == 16 ? fer_le16(row + 2 * x) : fer_le32(row + 4 * x);
                r = fer_bmp_component(pixel, red);
                g = fer_bmp_component(pixel, green);
                b = fer_bmp_component(pixel, blue);
            }
            fer_store_pixel(target, (size_t)x, channels, r, g, b);
        }
    }
    out->pixels = gray;
    out->width = (uint32_t)width;
    out->height = (uint32_t)height;
    out->channels = channels;
    return FER_OK;
}
