// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; the include path comes from pkg-config `openblas`).
#include <cblas.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

// bf16 matrix products for the encoder's linear layers, on AVX512-BF16 (`vdpbf16ps`).
//
// Debian's OpenBLAS 0.3.21 has no `cblas_sbgemm`, and Swift cannot emit AVX-512 intrinsics, so these
// kernels live here as static inline functions that the Clang inside the Swift compiler builds.
// Weights are packed once, at load time; activations stay fp32 in memory and are rounded to bf16
// per call; products accumulate in fp32. Callers (Swift) check every shape and buffer size first,
// and call the kernels only when `murmur_cpu_has_avx512_bf16()` says the CPU runs them.
//
// Packed weight layout for a `[K, N]` row-major fp32 matrix W: N is split into blocks of 16 columns
// (the last block zero-padded), K into pairs of rows (an odd last row zero-padded), and the block
// `nb` holds, for each pair `kp`, 16 columns × 2 rows interleaved:
//     packed[((nb · kpairs + kp) · 16 + j) · 2 + t] = bf16(W[2·kp + t, 16·nb + j])
// which is exactly the operand `vdpbf16ps` multiplies against a broadcast pair of activations.

/// The number of bf16 pairs (rows of W taken two at a time) in a packed matrix with `k` rows.
static inline size_t murmur_bf16_kpairs(size_t k) { return (k + 1) / 2; }

/// The number of 16-column blocks in a packed matrix with `n` columns.
static inline size_t murmur_bf16_column_blocks(size_t n) { return (n + 15) / 16; }

/// The number of uint16 elements of the packed form of a `[k, n]` matrix.
static inline size_t murmur_bf16_packed_count(size_t k, size_t n) {
    return murmur_bf16_column_blocks(n) * murmur_bf16_kpairs(k) * 32;
}

/// The number of uint16 elements of the scratch buffer `murmur_bf16_linear` needs for `m` rows of `k`.
static inline size_t murmur_bf16_activation_count(size_t m, size_t k) { return m * murmur_bf16_kpairs(k) * 2; }

/// fp32 to bf16, rounding to nearest even (as `vcvtne2ps2bf16` does); NaN stays a quiet NaN.
static inline uint16_t murmur_bf16_from_float(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) { return (uint16_t)((bits >> 16) | 0x0040u); }
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

/// Packs the row-major `[k, n]` fp32 matrix `weights` into `packed`, which holds
/// `murmur_bf16_packed_count(k, n)` elements (see the layout above). Needs no special CPU.
static inline void murmur_bf16_pack(const float *weights, size_t k, size_t n, uint16_t *packed) {
    const size_t kpairs = murmur_bf16_kpairs(k);
    const size_t blocks = murmur_bf16_column_blocks(n);
    for (size_t nb = 0; nb < blocks; nb++) {
        for (size_t kp = 0; kp < kpairs; kp++) {
            uint16_t *out = packed + (nb * kpairs + kp) * 32;
            for (size_t j = 0; j < 16; j++) {
                const size_t column = nb * 16 + j;
                for (size_t t = 0; t < 2; t++) {
                    const size_t row = kp * 2 + t;
                    out[j * 2 + t] = (row < k && column < n) ? murmur_bf16_from_float(weights[row * n + column]) : 0;
                }
            }
        }
    }
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/// True when the CPU has AVX512F, AVX512BW, AVX512VL and AVX512_BF16 and the OS saves the AVX-512
/// register state (XCR0 bits for opmask, ZMM and upper YMM/XMM), so the kernels below may run.
static inline int murmur_cpu_has_avx512_bf16(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) { return 0; }
    if (!(ecx & (1u << 27))) { return 0; }  // OSXSAVE: XGETBV is available.
    unsigned int xcr0Low, xcr0High;
    __asm__ volatile("xgetbv" : "=a"(xcr0Low), "=d"(xcr0High) : "c"(0));
    if ((xcr0Low & 0xe6u) != 0xe6u) { return 0; }
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) { return 0; }
    const unsigned int f = 1u << 16, bw = 1u << 30, vl = 1u << 31;
    if ((ebx & (f | bw | vl)) != (f | bw | vl)) { return 0; }
    if (eax < 1) { return 0; }  // Leaf 7 has no sub-leaf 1.
    if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) { return 0; }
    return (eax & (1u << 5)) != 0;  // AVX512_BF16
}

/// Rounds `m` rows of `k` fp32 activations to bf16, `2 · kpairs(k)` per row (an odd `k` gets a zero pad).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) static inline void murmur_bf16_round_activations(
    const float *x, size_t m, size_t k, uint16_t *out) {
    const size_t stride = murmur_bf16_kpairs(k) * 2;
    for (size_t row = 0; row < m; row++) {
        const float *source = x + row * k;
        uint16_t *target = out + row * stride;
        size_t index = 0;
        for (; index + 32 <= k; index += 32) {
            const __m512 low = _mm512_loadu_ps(source + index);
            const __m512 high = _mm512_loadu_ps(source + index + 16);
            _mm512_storeu_si512((void *)(target + index), (__m512i)_mm512_cvtne2ps_pbh(high, low));
        }
        if (index < stride) {
            const size_t left = k - index;
            const __mmask16 lowMask = (__mmask16)(left >= 16 ? 0xffffu : ((1u << left) - 1));
            const __mmask16 highMask = (__mmask16)(left <= 16 ? 0 : ((1u << (left - 16)) - 1));
            const __m512 low = _mm512_maskz_loadu_ps(lowMask, source + index);
            const __m512 high = _mm512_maskz_loadu_ps(highMask, source + index + 16);
            const size_t pad = stride - index;  // left, or left + 1 for an odd k: the pad is a zero.
            const __mmask32 storeMask = (__mmask32)((1ull << pad) - 1);
            _mm512_mask_storeu_epi16((void *)(target + index), storeMask, (__m512i)_mm512_cvtne2ps_pbh(high, low));
        }
    }
}

/// Loads a column block's bias (zero without one), masked for a block at the right edge.
#define MURMUR_BF16_BIAS(block) \
    (bias ? _mm512_maskz_loadu_ps(mask##block, bias + column + 16 * (block)) : _mm512_setzero_ps())

/// One row's step: its broadcast activation pair times up to three column blocks.
#define MURMUR_BF16_ROW(row)                                                                   \
    do {                                                                                       \
        if (rows > (row)) {                                                                    \
            uint32_t pair;                                                                     \
            memcpy(&pair, (const uint32_t *)(activations + (row) * activationStride) + kp, 4); \
            const __m512bh x = (__m512bh)_mm512_set1_epi32((int)pair);                        \
            acc##row##0 = _mm512_dpbf16_ps(acc##row##0, x, w0);                               \
            if (blocks > 1) { acc##row##1 = _mm512_dpbf16_ps(acc##row##1, x, w1); }            \
            if (blocks > 2) { acc##row##2 = _mm512_dpbf16_ps(acc##row##2, x, w2); }            \
        }                                                                                      \
    } while (0)

/// Stores one row's accumulators, the last block under its edge mask.
#define MURMUR_BF16_STORE(row)                                                                           \
    do {                                                                                                 \
        if (rows > (row)) {                                                                              \
            float *out = y + (row) * n + column;                                                         \
            _mm512_mask_storeu_ps(out, mask0, acc##row##0);                                              \
            if (blocks > 1) { _mm512_mask_storeu_ps(out + 16, mask1, acc##row##1); }                     \
            if (blocks > 2) { _mm512_mask_storeu_ps(out + 32, mask2, acc##row##2); }                     \
        }                                                                                                \
    } while (0)

/// A tile of `rows` (1 to 4) activation rows by `blocks` (1 to 3) 16-column blocks: up to twelve
/// independent fp32 accumulators, enough to keep `vdpbf16ps` busy despite its latency. Always
/// inlined with constant `rows` and `blocks`, so every `if` on them folds away and the accumulators
/// are named registers (an array indexed in a loop ends up in memory).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"), always_inline)) static inline void
murmur_bf16_tile(
    const uint16_t *activations, size_t activationStride, const uint16_t *packed, size_t kpairs, const float *bias,
    size_t column, __mmask16 mask0, __mmask16 mask1, __mmask16 mask2, float *y, size_t n, const int rows,
    const int blocks) {
    const uint16_t *block0 = packed + (column / 16) * kpairs * 32;
    const uint16_t *block1 = block0 + kpairs * 32;
    const uint16_t *block2 = block1 + kpairs * 32;
    __m512 acc00 = MURMUR_BF16_BIAS(0), acc01 = acc00, acc02 = acc00;
    if (blocks > 1) { acc01 = MURMUR_BF16_BIAS(1); }
    if (blocks > 2) { acc02 = MURMUR_BF16_BIAS(2); }
    __m512 acc10 = acc00, acc11 = acc01, acc12 = acc02;
    __m512 acc20 = acc00, acc21 = acc01, acc22 = acc02;
    __m512 acc30 = acc00, acc31 = acc01, acc32 = acc02;
    for (size_t kp = 0; kp < kpairs; kp++) {
        const __m512bh w0 = (__m512bh)_mm512_loadu_si512((const void *)(block0 + kp * 32));
        const __m512bh w1 = blocks > 1 ? (__m512bh)_mm512_loadu_si512((const void *)(block1 + kp * 32)) : w0;
        const __m512bh w2 = blocks > 2 ? (__m512bh)_mm512_loadu_si512((const void *)(block2 + kp * 32)) : w0;
        MURMUR_BF16_ROW(0);
        MURMUR_BF16_ROW(1);
        MURMUR_BF16_ROW(2);
        MURMUR_BF16_ROW(3);
    }
    MURMUR_BF16_STORE(0);
    MURMUR_BF16_STORE(1);
    MURMUR_BF16_STORE(2);
    MURMUR_BF16_STORE(3);
}

#undef MURMUR_BF16_BIAS
#undef MURMUR_BF16_ROW
#undef MURMUR_BF16_STORE

/// The edge mask of the 16-column block starting at `column` of `n`: all ones unless it is cut off.
static inline __mmask16 murmur_bf16_mask(size_t column, size_t n) {
    if (column >= n) { return 0; }
    const size_t width = n - column;
    return (__mmask16)(width >= 16 ? 0xffffu : ((1u << width) - 1));
}

/// A chunk of rows by `blocks` column blocks, dispatched to a tile with constant shape.
#define MURMUR_BF16_TILES(blocks)                                                                                  \
    do {                                                                                                           \
        size_t row = first;                                                                                        \
        for (; row + 4 <= last; row += 4) {                                                                        \
            murmur_bf16_tile(                                                                                      \
                scratch + row * stride, stride, packed, kpairs, bias, column, mask0, mask1, mask2, y + row * n, n, \
                4, blocks);                                                                                        \
        }                                                                                                          \
        const uint16_t *a = scratch + row * stride;                                                                \
        float *out = y + row * n;                                                                                  \
        switch (last - row) {                                                                                      \
        case 3: murmur_bf16_tile(a, stride, packed, kpairs, bias, column, mask0, mask1, mask2, out, n, 3, blocks); break; \
        case 2: murmur_bf16_tile(a, stride, packed, kpairs, bias, column, mask0, mask1, mask2, out, n, 2, blocks); break; \
        case 1: murmur_bf16_tile(a, stride, packed, kpairs, bias, column, mask0, mask1, mask2, out, n, 1, blocks); break; \
        default: break;                                                                                            \
        }                                                                                                          \
    } while (0)

/// `y[m, n] = x[m, k] · W + bias`, row-major and dense: fp32 in and out, bf16 products, fp32 sums.
///
/// `packed` is W packed by `murmur_bf16_pack(…, k, n, …)`; `bias` has `n` floats or is NULL;
/// `scratch` holds `murmur_bf16_activation_count(m, k)` elements. Single-threaded. Rows go in chunks
/// of 128 whose bf16 activations (at most 384 KB for k = 1536) stay in L2 while every group of three
/// column blocks passes over them, so large batches do not stream activations from memory.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) static inline void murmur_bf16_linear(
    const float *x, size_t m, size_t k, const uint16_t *packed, size_t n, const float *bias, uint16_t *scratch,
    float *y) {
    const size_t kpairs = murmur_bf16_kpairs(k);
    const size_t stride = kpairs * 2;
    murmur_bf16_round_activations(x, m, k, scratch);
    const size_t columnBlocks = murmur_bf16_column_blocks(n);
    for (size_t first = 0; first < m; first += 128) {
        const size_t last = m - first > 128 ? first + 128 : m;
        for (size_t block = 0; block < columnBlocks; block += 3) {
            const size_t column = block * 16;
            const __mmask16 mask0 = murmur_bf16_mask(column, n);
            const __mmask16 mask1 = murmur_bf16_mask(column + 16, n);
            const __mmask16 mask2 = murmur_bf16_mask(column + 32, n);
            switch (columnBlocks - block) {
            case 1: MURMUR_BF16_TILES(1); break;
            case 2: MURMUR_BF16_TILES(2); break;
            default: MURMUR_BF16_TILES(3); break;
            }
        }
    }
}

#undef MURMUR_BF16_TILES
#else
/// AVX512-BF16 is an x86-64 extension: other architectures run the encoder in fp32.
static inline int murmur_cpu_has_avx512_bf16(void) { return 0; }
#endif
