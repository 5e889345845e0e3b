// out[t][row] = W[row] . x[t]: two kernels per weight format, chosen by the host per run.
//
// matvec_T (one token, decode): MV_LANES work items per row, MV_ROWS rows per work-group. Four
// lanes share a block (part_dot_T), so a row's lanes walk MV_LANES / 4 neighbouring blocks at a
// time and their loads of weights and of x are contiguous; then the row's lanes sum in local
// memory. (One lane per block made each load instruction touch MV_LANES different cache lines of
// x: 25x slower on an H100.) x starts at x + x_offset (the last token of a chunk).
//
// matvec_few_T (2..FEW_TOKENS tokens of different sequences, a batched decode step): matvec_T's
// work-groups with a partial sum per token, each block of weights read once for all the tokens
// (the GEMM's 64-token tiles would waste most of their work on so few). No barrier inside the
// token loop: PoCL ran a version with one per token 5x slower than a matvec per token.
//
// gemm_T (a chunk of tokens, prefill): a work-group computes a GEMM_TILE x GEMM_TILE tile of
// (rows x tokens); per block of 32 columns it stages the tile's weights (dequantized) and x in local
// memory, then each of its (GEMM_TILE/4)^2 work items accumulates 4 rows x 4 tokens. Weights are
// read once per GEMM_TILE tokens instead of once per token.

#ifndef MV_LANES
#define MV_LANES 32
#endif
#ifndef MV_ROWS
#define MV_ROWS 4
#endif
#ifndef FEW_TOKENS
#define FEW_TOKENS 8
#endif
#ifndef GEMM_TILE
#define GEMM_TILE 64
#endif
#define GEMM_SIDE (GEMM_TILE / 4)

#define DEFINE_MATVEC(T)                                                                          \
kernel void matvec_##T(global const uchar* w, global const float* x, global float* out,          \
                       int rows, int cols, int x_offset) {                                        \
    local float partial[MV_ROWS][MV_LANES];                                                       \
    int lane = get_local_id(0), r = get_local_id(1);                                              \
    int row = get_group_id(0) * MV_ROWS + r;                                                      \
    int blocks = cols / BLOCK;                                                                    \
    float s = 0.0f;                                                                               \
    if (row < rows) {                                                                             \
        global const uchar* wrow = w + row * row_bytes_##T(cols);                                 \
        for (int b = lane / 4; b < blocks; b += MV_LANES / 4)                                     \
            s += part_dot_at_##T(wrow, b, lane % 4, x + x_offset + b * BLOCK);                    \
    }                                                                                             \
    partial[r][lane] = s;                                                                         \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                 \
    for (int stride = MV_LANES / 2; stride > 0; stride >>= 1) {                                   \
        if (lane < stride) partial[r][lane] += partial[r][lane + stride];                         \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
    }                                                                                             \
    if (lane == 0 && row < rows) out[row] = partial[r][0];                                        \
}

#define DEFINE_MATVEC_FEW(T)                                                                      \
kernel void matvec_few_##T(global const uchar* w, global const float* x, global float* out,      \
                           int rows, int cols, int n_tokens) {                                    \
    local float partial[FEW_TOKENS][MV_ROWS][MV_LANES];                                           \
    int lane = get_local_id(0), r = get_local_id(1);                                              \
    int row = get_group_id(0) * MV_ROWS + r;                                                      \
    int blocks = cols / BLOCK;                                                                    \
    float s[FEW_TOKENS];                                                                          \
    for (int t = 0; t < FEW_TOKENS; t++) s[t] = 0.0f;                                             \
    if (row < rows) {                                                                             \
        global const uchar* wrow = w + row * row_bytes_##T(cols);                                 \
        for (int b = lane / 4; b < blocks; b += MV_LANES / 4)                                     \
            for (int t = 0; t < n_tokens; t++)                                                    \
                s[t] += part_dot_at_##T(wrow, b, lane % 4, x + (long) t * cols + b * BLOCK);      \
    }                                                                                             \
    for (int t = 0; t < FEW_TOKENS; t++) partial[t][r][lane] = s[t];                              \
    barrier(CLK_LOCAL_MEM_FENCE);                                                                 \
    for (int stride = MV_LANES / 2; stride > 0; stride >>= 1) {                                   \
        if (lane < stride)                                                                        \
            for (int t = 0; t < FEW_TOKENS; t++) partial[t][r][lane] += partial[t][r][lane + stride]; \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
    }                                                                                             \
    if (lane == 0 && row < rows)                                                                  \
        for (int t = 0; t < n_tokens; t++) out[(long) t * rows + row] = partial[t][r][0];         \
}

#define DEFINE_GEMM(T)                                                                            \
kernel void gemm_##T(global const uchar* w, global const float* x, global float* out,            \
                     int rows, int cols, int n_tokens) {                                          \
    local float ws[BLOCK][GEMM_TILE + 1];                                                         \
    local float xs[BLOCK][GEMM_TILE + 1];                                                         \
    int tr = get_local_id(0), tt = get_local_id(1);                                               \
    int tid = tt * GEMM_SIDE + tr;                                                                \
    int row0 = get_group_id(0) * GEMM_TILE, tok0 = get_group_id(1) * GEMM_TILE;                  \
    int blocks = cols / BLOCK;                                                                    \
    float acc[4][4];                                                                              \
    for (int i = 0; i < 4; i++)                                                                   \
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;                                             \
    for (int b = 0; b < blocks; b++) {                                                            \
        for (int e = tid; e < GEMM_TILE * BLOCK; e += GEMM_SIDE * GEMM_SIDE) {                    \
            int r = e / BLOCK, k = e % BLOCK;                                                     \
            int row = row0 + r, t = tok0 + r;                                                     \
            ws[k][r] = row < rows ? weight_at_##T(w + row * row_bytes_##T(cols), b, k) : 0.0f;     \
            xs[k][r] = t < n_tokens ? x[(long) t * cols + b * BLOCK + k] : 0.0f;                  \
        }                                                                                         \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
        for (int k = 0; k < BLOCK; k++) {                                                         \
            float a[4], c[4];                                                                     \
            for (int i = 0; i < 4; i++) a[i] = ws[k][tr + i * GEMM_SIDE];                         \
            for (int j = 0; j < 4; j++) c[j] = xs[k][tt + j * GEMM_SIDE];                         \
            for (int i = 0; i < 4; i++)                                                           \
                for (int j = 0; j < 4; j++) acc[i][j] = fma(a[i], c[j], acc[i][j]);               \
        }                                                                                         \
        barrier(CLK_LOCAL_MEM_FENCE);                                                             \
    }                                                                                             \
    for (int j = 0; j < 4; j++) {                                                                 \
        int t = tok0 + tt + j * GEMM_SIDE;                                                        \
        for (int i = 0; i < 4; i++) {                                                             \
            int row = row0 + tr + i * GEMM_SIDE;                                                  \
            if (t < n_tokens && row < rows) out[(long) t * rows + row] = acc[i][j];               \
        }                                                                                         \
    }                                                                                             \
}

#define DEFINE_MATMUL(T) DEFINE_MATVEC(T) DEFINE_MATVEC_FEW(T) DEFINE_GEMM(T)

// out[t] = table row tokens[t], one work item per (block, token)
#define DEFINE_EMBED(T)                                                                           \
kernel void embed_##T(global const int* tokens, global const uchar* table, global float* out, int dim) { \
    int blk = get_global_id(0);                                                                   \
    int t = get_global_id(1);                                                                     \
    global const uchar* row = table + tokens[t] * row_bytes_##T(dim);                             \
    for (int i = 0; i < BLOCK; i++) out[(long) t * dim + blk * BLOCK + i] = weight_at_##T(row, blk, i); \
}

#define DEFINE_TYPE(T) DEFINE_MATMUL(T) DEFINE_EMBED(T)

DEFINE_TYPE(f32)
DEFINE_TYPE(f16)
DEFINE_TYPE(bf16)
DEFINE_TYPE(q8_0)
DEFINE_TYPE(q4_0)
DEFINE_TYPE(q4_k)
DEFINE_TYPE(q5_k)
DEFINE_TYPE(q6_k)
