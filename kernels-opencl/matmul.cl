// out[t][row] = W[row] . x[t] for the chunk's tokens.
// One work-group per (row, tile of MM_TOKENS tokens): each work item dequantizes a strided subset
// of the row's blocks once and uses it for every token of the tile (weights read once per tile),
// then the work-group sums its partial dots in local memory.
// x holds tokens at x + x_offset + t * cols; n_tokens counts the tokens to compute.

#ifndef MM_LWS
#define MM_LWS 64
#endif
#define MM_TOKENS 8

#define DEFINE_MATMUL(T)                                                                          \
kernel void matmul_##T(global const uchar* w, global const float* x, global float* out,          \
                       int rows, int cols, int n_tokens, int x_offset) {                          \
    local float partial[MM_TOKENS][MM_LWS];                                                        \
    int row = get_group_id(0);                                                                    \
    int t0 = get_group_id(1) * MM_TOKENS;                                                         \
    int lid = get_local_id(0);                                                                    \
    int blocks = cols / BLOCK;                                                                    \
    global const uchar* wrow = w + (long) row * blocks * BLOCK_BYTES_##T;                         \
    float acc[MM_TOKENS];                                                                         \
    for (int t = 0; t < MM_TOKENS; t++) acc[t] = 0.0f;                                            \
    float wb[BLOCK];                                                                              \
    for (int b = lid; b < blocks; b += MM_LWS) {                                                  \
        dequant_##T(wrow + (long) b * BLOCK_BYTES_##T, wb);                                       \
        for (int t = 0; t < MM_TOKENS && t0 + t < n_tokens; t++) {                                \
            global const float* xp = x + x_offset + (long) (t0 + t) * cols + b * BLOCK;           \
            float s = 0.0f;                                                                       \
            for (int i = 0; i < BLOCK; i++) s = fma(wb[i], xp[i], s);                             \
            acc[t] += s;                                                                          \
        }                                                                                         \
    }                                                                                             \
    for (int t = 0; t < MM_TOKENS; t++) partial[t][lid] = acc[t];                                 \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                 \
    for (int stride = MM_LWS / 2; stride > 0; stride >>= 1) {                                     \
        if (lid < stride) {                                                                       \
            for (int t = 0; t < MM_TOKENS; t++) partial[t][lid] += partial[t][lid + stride];      \
        }                                                                                         \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
    }                                                                                             \
    if (lid < MM_TOKENS && t0 + lid < n_tokens) out[(long) (t0 + lid) * rows + row] = partial[lid][0]; \
}

DEFINE_MATMUL(f32)
DEFINE_MATMUL(f16)
DEFINE_MATMUL(bf16)
DEFINE_MATMUL(q8_0)
DEFINE_MATMUL(q4_0)

// out[t] = table row tokens[t], one work item per (element, token)
#define DEFINE_EMBED(T)                                                                           \
kernel void embed_##T(global const int* tokens, global const uchar* table, global float* out, int dim) { \
    int blk = get_global_id(0);                                                                   \
    int t = get_global_id(1);                                                                     \
    float wb[BLOCK];                                                                              \
    dequant_##T(table + ((long) tokens[t] * (dim / BLOCK) + blk) * BLOCK_BYTES_##T, wb);          \
    for (int i = 0; i < BLOCK; i++) out[(long) t * dim + blk * BLOCK + i] = wb[i];                \
}

DEFINE_EMBED(f32)
DEFINE_EMBED(f16)
DEFINE_EMBED(bf16)
DEFINE_EMBED(q8_0)
DEFINE_EMBED(q4_0)
