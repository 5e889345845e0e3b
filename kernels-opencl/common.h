// Shared by every kernel: weight formats. Weights arrive as raw GGUF bytes (uchar*); every
// format is read in blocks of 32 weights so one matmul template serves them all.
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

// dequantize one block of 32 weights into w[0..32)
inline void dequant_f32(global const uchar* blk, float* w) {
    global const float* p = (global const float*) blk;
    for (int i = 0; i < BLOCK; i++) w[i] = p[i];
}
inline void dequant_f16(global const uchar* blk, float* w) {
    global const half* p = (global const half*) blk;
    for (int i = 0; i < BLOCK; i++) w[i] = vload_half(i, p);
}
inline void dequant_bf16(global const uchar* blk, float* w) {
    global const ushort* p = (global const ushort*) blk;
    for (int i = 0; i < BLOCK; i++) w[i] = bf16_to_float(p[i]);
}
// Q8_0: f16 scale d, 32 x int8 q; w = d * q
inline void dequant_q8_0(global const uchar* blk, float* w) {
    float d = vload_half(0, (global const half*) blk);
    global const char* q = (global const char*) (blk + 2);
    for (int i = 0; i < BLOCK; i++) w[i] = d * (float) q[i];
}
// Q4_0: f16 scale d, 16 bytes; byte i = weight i (low nibble) | weight i+16 (high nibble); w = d * (nibble - 8)
inline void dequant_q4_0(global const uchar* blk, float* w) {
    float d = vload_half(0, (global const half*) blk);
    global const uchar* q = blk + 2;
    for (int i = 0; i < 16; i++) {
        w[i] = d * (float) ((int) (q[i] & 0x0F) - 8);
        w[i + 16] = d * (float) ((int) (q[i] >> 4) - 8);
    }
}
