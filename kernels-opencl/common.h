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
