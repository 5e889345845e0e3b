// Shared by every kernel: weight formats. Weights arrive as raw GGUF bytes (uchar*); every
// format is read in blocks of 32 weights so one matmul template serves them all: the kernels see
// only row_bytes_T(cols), weight_at_T(row, b, i) and part_dot_at_T(row, b, p, x), block b of a row.
// The K-quants' 32-weight blocks are sub-blocks of 256-weight super-blocks.
// F16 goes through vload_half, which OpenCL 1.2 has without cl_khr_fp16.

#define BLOCK 32

#define BLOCK_BYTES_f32  128
#define BLOCK_BYTES_f16  64
#define BLOCK_BYTES_bf16 64
#define BLOCK_BYTES_q8_0 34
#define BLOCK_BYTES_q4_0 18

inline float bf16_to_float(ushort b) { return as_float(((uint) b) << 16); }

// weight_T(blk, i): weight i (0..31) of one block. The GEMM's tile loads use it: one weight per
// work item keeps the loads coalesced and the code the same for every format.
inline float weight_f32(global const uchar* blk, int i) { return ((global const float*) blk)[i]; }
inline float weight_f16(global const uchar* blk, int i) { return vload_half(i, (global const half*) blk); }
inline float weight_bf16(global const uchar* blk, int i) { return bf16_to_float(((global const ushort*) blk)[i]); }
// Q8_0: f16 scale d, 32 x int8 q; w = d * q
inline float weight_q8_0(global const uchar* blk, int i) {
    return vload_half(0, (global const half*) blk) * (float) ((global const char*) (blk + 2))[i];
}
// Q4_0: f16 scale d, 16 bytes; byte i = weight i (low nibble) | weight i+16 (high nibble); w = d * (nibble - 8)
inline float weight_q4_0(global const uchar* blk, int i) {
    uchar q = blk[2 + (i & 15)];
    return vload_half(0, (global const half*) blk) * (float) ((int) (i < 16 ? q & 0x0F : q >> 4) - 8);
}

inline float sum8(float8 v) {
    float4 s = v.lo + v.hi;
    return (s.x + s.y) + (s.z + s.w);
}

// part_dot_T(blk, p, x): the dot product of part p (0..3, eight weights) of one block with the
// block's x[0..32), for the decode matvec. Four work items share a block so that a warp's loads of
// x and of the weights are contiguous (coalesced). Q4_0 part p is bytes 4p..4p+3, i.e. weights
// 4p..4p+3 (low nibbles) and 4p+16..4p+19 (high nibbles); the other formats' part p is weights
// 8p..8p+7.
inline float part_dot_f32(global const uchar* blk, int p, global const float* x) {
    return sum8(vload8(p, (global const float*) blk) * vload8(p, x));
}
inline float part_dot_f16(global const uchar* blk, int p, global const float* x) {
    return sum8(vload_half8(p, (global const half*) blk) * vload8(p, x));
}
inline float part_dot_bf16(global const uchar* blk, int p, global const float* x) {
    return sum8(as_float8(convert_uint8(vload8(p, (global const ushort*) blk)) << 16) * vload8(p, x));
}
inline float part_dot_q8_0(global const uchar* blk, int p, global const float* x) {
    float d = vload_half(0, (global const half*) blk);
    return d * sum8(convert_float8(vload8(p, (global const char*) (blk + 2))) * vload8(p, x));
}
inline float part_dot_q4_0(global const uchar* blk, int p, global const float* x) {
    float d = vload_half(0, (global const half*) blk);
    uchar4 q = vload4(p, blk + 2);
    float4 s = (convert_float4(q & (uchar) 0x0F) - 8.0f) * vload4(p, x)
             + (convert_float4(q >> (uchar) 4) - 8.0f) * vload4(p + 4, x);
    return d * ((s.x + s.y) + (s.z + s.w));
}

#define DEFINE_BLOCK32_ACCESS(T)                                                                  \
inline long row_bytes_##T(int cols) { return (long) (cols / BLOCK) * BLOCK_BYTES_##T; }          \
inline float weight_at_##T(global const uchar* row, int b, int i) {                               \
    return weight_##T(row + (long) b * BLOCK_BYTES_##T, i);                                       \
}                                                                                                 \
inline float part_dot_at_##T(global const uchar* row, int b, int p, global const float* x) {      \
    return part_dot_##T(row + (long) b * BLOCK_BYTES_##T, p, x);                                  \
}

DEFINE_BLOCK32_ACCESS(f32)
DEFINE_BLOCK32_ACCESS(f16)
DEFINE_BLOCK32_ACCESS(bf16)
DEFINE_BLOCK32_ACCESS(q8_0)
DEFINE_BLOCK32_ACCESS(q4_0)

// Q4_K super-block (144 bytes, 256 weights): f16 d, f16 dmin, 12 bytes of 6-bit scales and mins
// of 8 sub-blocks, 128 bytes of nibbles (bytes 32c.. hold sub-block 2c low, 2c+1 high);
// w = d * scale_j * q - dmin * min_j, in ggml's order of operations.
inline long row_bytes_q4_k(int cols) { return (long) (cols / 256) * 144; }

// ggml's get_scale_min_k4: scale (which = 0) or min (1) of sub-block j from the 12 bytes at s
inline int q4_k_scale_min(global const uchar* s, int j, int which) {
    if (j < 4) return s[j + 4 * which] & 63;
    return which == 0 ? (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4) : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
}
// Q4_K's and Q5_K's weight from its sub-block j's q: d * scale_j * q - dmin * min_j
inline float qk_weight(global const uchar* blk, int j, int q) {
    float d = vload_half(0, (global const half*) blk), dmin = vload_half(1, (global const half*) blk);
    return d * q4_k_scale_min(blk + 4, j, 0) * q - dmin * q4_k_scale_min(blk + 4, j, 1);
}
// the dot of eight weights of sub-block j (their q) with xv: d * scale_j * (q . xv) - dmin * min_j * sum(xv)
inline float qk_part_dot(global const uchar* blk, int j, uchar8 q, float8 xv) {
    float d = vload_half(0, (global const half*) blk), dmin = vload_half(1, (global const half*) blk);
    return d * q4_k_scale_min(blk + 4, j, 0) * sum8(convert_float8(q) * xv) - dmin * q4_k_scale_min(blk + 4, j, 1) * sum8(xv);
}

inline float weight_at_q4_k(global const uchar* row, int b, int i) {
    global const uchar* blk = row + (long) (b >> 3) * 144;
    int j = b & 7;
    return qk_weight(blk, j, (blk[16 + 32 * (j >> 1) + i] >> (4 * (j & 1))) & 0x0F);
}
// part p of sub-block j: weights 8p..8p+7, eight consecutive bytes
inline float part_dot_at_q4_k(global const uchar* row, int b, int p, global const float* x) {
    global const uchar* blk = row + (long) (b >> 3) * 144;
    int j = b & 7;
    uchar8 q = (vload8(0, blk + 16 + 32 * (j >> 1) + 8 * p) >> (uchar) (4 * (j & 1))) & (uchar) 0x0F;
    return qk_part_dot(blk, j, q, vload8(p, x));
}

// Q5_K super-block (176 bytes): Q4_K's header, then 32 bytes of fifth bits (bit j of byte i:
// weight i of sub-block j), then the nibbles as in Q4_K.
inline long row_bytes_q5_k(int cols) { return (long) (cols / 256) * 176; }

inline float weight_at_q5_k(global const uchar* row, int b, int i) {
    global const uchar* blk = row + (long) (b >> 3) * 176;
    int j = b & 7;
    return qk_weight(blk, j, ((blk[48 + 32 * (j >> 1) + i] >> (4 * (j & 1))) & 0x0F) | (((blk[16 + i] >> j) & 1) << 4));
}
inline float part_dot_at_q5_k(global const uchar* row, int b, int p, global const float* x) {
    global const uchar* blk = row + (long) (b >> 3) * 176;
    int j = b & 7;
    uchar8 q = (vload8(0, blk + 48 + 32 * (j >> 1) + 8 * p) >> (uchar) (4 * (j & 1))) & (uchar) 0x0F;
    q |= ((vload8(0, blk + 16 + 8 * p) >> (uchar) j) & (uchar) 1) << (uchar) 4;
    return qk_part_dot(blk, j, q, vload8(p, x));
}

// Q6_K super-block (210 bytes): 128 bytes of low 4 bits, 64 of high 2 bits, 16 int8 scales (one
// per 16 weights), f16 d. Sub-block j (weights 32j..) is group j & 3 of 128-weight half h = j >> 2:
// low bits from the low (groups 0, 1) or high (2, 3) nibbles of ql[64 h + 32 (group & 1) ..], high
// bits from bits 2 group of qh[32 h ..]; w = d * scale * (q - 32). ("half" is a type in OpenCL C.)
inline long row_bytes_q6_k(int cols) { return (long) (cols / 256) * 210; }

inline float weight_at_q6_k(global const uchar* row, int b, int i) {
    global const uchar* blk = row + (long) (b >> 3) * 210;
    int h = (b & 7) >> 2, group = b & 3;
    int lo = (blk[64 * h + 32 * (group & 1) + i] >> (4 * (group >> 1))) & 0x0F;
    int hi = (blk[128 + 32 * h + i] >> (2 * group)) & 3;
    float d = vload_half(0, (global const half*) (blk + 208));
    return d * (float) ((global const char*) blk)[192 + 8 * h + 2 * group + i / 16] * (float) ((lo | (hi << 4)) - 32);
}
inline float part_dot_at_q6_k(global const uchar* row, int b, int p, global const float* x) {
    global const uchar* blk = row + (long) (b >> 3) * 210;
    int h = (b & 7) >> 2, group = b & 3;
    uchar8 lo = (vload8(0, blk + 64 * h + 32 * (group & 1) + 8 * p) >> (uchar) (4 * (group >> 1))) & (uchar) 0x0F;
    uchar8 hi = (vload8(0, blk + 128 + 32 * h + 8 * p) >> (uchar) (2 * group)) & (uchar) 3;
    float8 q = convert_float8(convert_int8(lo | (hi << (uchar) 4)) - 32);
    float d = vload_half(0, (global const half*) (blk + 208));
    return d * (float) ((global const char*) blk)[192 + 8 * h + 2 * group + p / 2] * sum8(q * vload8(p, x));
}
