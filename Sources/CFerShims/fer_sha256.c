#include "fer_shims.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define FER_HAVE_SHA_NI_PATH 1
#endif

/* SHA-256 as specified in FIPS 180-4. */

static const uint32_t fer_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void fer_sha256_block(uint32_t state[8], const uint8_t *block) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = ((uint32_t)block[4 * i] << 24) | ((uint32_t)block[4 * i + 1] << 16) |
               ((uint32_t)block[4 * i + 2] << 8) | block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + fer_sha256_k[i] + w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
}

#ifdef FER_HAVE_SHA_NI_PATH
/* The same compression function with the x86 SHA extensions: four rounds per pair of
 * sha256rnds2, the message schedule with sha256msg1/msg2. State is kept as ABEF / CDGH. */
__attribute__((target("sha,sse4.1")))
static void fer_sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t blocks) {
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    while (blocks--) {
        __m128i saved_abef = abef, saved_cdgh = cdgh;
        __m128i w[4];
        for (int g = 0; g < 16; g++) {
            if (g < 4) {
                w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * g)), byte_swap);
            } else {
                __m128i partial = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                partial = _mm_add_epi32(partial, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(partial, w[(g + 3) & 3]);
            }
            __m128i message = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&fer_sha256_k[4 * g]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(message, 0x0E));
        }
        abef = _mm_add_epi32(abef, saved_abef);
        cdgh = _mm_add_epi32(cdgh, saved_cdgh);
        data += 64;
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

static int fer_sha_ni_allowed = 1;

void fer_sha256_allow_acceleration(int allowed) { fer_sha_ni_allowed = allowed; }

static int fer_cpu_has_sha(void) {
    static int cached = -1;
    if (!fer_sha_ni_allowed) return 0;
    if (cached < 0) {
        unsigned a, b, c, d;
        cached = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29)) &&
                 __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19));
    }
    return cached;
}
#else
void fer_sha256_allow_acceleration(int allowed) { (void)allowed; }
#endif

static void fer_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks) {
#ifdef FER_HAVE_SHA_NI_PATH
    if (fer_cpu_has_sha()) {
        fer_sha256_blocks_ni(state, data, blocks);
        return;
    }
#endif
    for (size_t i = 0; i < blocks; i++) fer_sha256_block(state, data + 64 * i);
}

void fer_sha256_init(fer_sha256 *context) {
    static const uint32_t initial[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(context->state, initial, sizeof(initial));
    context->length = 0;
    context->block_used = 0;
}

void fer_sha256_update(fer_sha256 *context, const void *data, size_t size) {
    const uint8_t *bytes = data;
    context->length += size;
    if (context->block_used > 0) {
        size_t take = 64 - context->block_used;
        if (take > size) take = size;
        memcpy(context->block + context->block_used, bytes, take);
        context->block_used += take;
        bytes += take;
        size -= take;
        if (context->block_used < 64) return;
        fer_sha256_blocks(context->state, context->block, 1);
        context->block_used = 0;
    }
    size_t blocks = size / 64;
    fer_sha256_blocks(context->state, bytes, blocks);
    bytes += 64 * blocks;
    size -= 64 * blocks;
    memcpy(context->block, bytes, size);
    context->block_used = size;
}

void fer_sha256_final(fer_sha256 *context, uint8_t digest[32]) {
    uint64_t bits = context->length * 8;
    uint8_t pad = 0x80;
    fer_sha256_update(context, &pad, 1);
    uint8_t zero = 0;
    while (context->block_used != 56) fer_sha256_update(context, &zero, 1);
    uint8_t length[8];
    for (int i = 0; i < 8; i++) length[i] = (uint8_t)(bits >> (56 - 8 * i));
    fer_sha256_update(context, length, 8);
    for (int i = 0; i < 8; i++) {
        digest[4 * i] = (uint8_t)(context->state[i] >> 24);
        digest[4 * i + 1] = (uint8_t)(context->state[i] >> 16);
        digest[4 * i + 2] = (uint8_t)(context->state[i] >> 8);
        digest[4 * i + 3] = (uint8_t)context->state[i];
    }
}
