// Windowed grouped-query attention of a chunk of queries (paper, figure 3). Query t of the chunk
// is at position i = pos + t and sees keys j with max(0, i - window + 1) <= j <= i (window 0 = all):
// j < pos from the rolling cache (slot j mod slots), j >= pos from the chunk's own k/v.
// One work-group per (head, token), one work item per head dimension (local size = head_dim).
// Keys go in tiles of head_dim: each item scores one key of the tile, then each item folds the
// tile into its output dimension with a running max and sum (online softmax).

#ifndef ATT_MAX_HEAD_DIM
#define ATT_MAX_HEAD_DIM 256
#endif

inline global const float* kv_row(global const float* cache, global const float* chunk, int j, int pos,
                                   int slots, int kv_dim, int kv_off) {
    return j < pos ? cache + (long) (j % slots) * kv_dim + kv_off
                   : chunk + (long) (j - pos) * kv_dim + kv_off;
}

kernel void attention(global const float* q, global const float* k, global const float* v,
                      global const float* cache_k, global const float* cache_v, global float* out,
                      int heads, int kv_heads, int head_dim, int window, int slots, int pos) {
    local float ql[ATT_MAX_HEAD_DIM];
    local float scores[ATT_MAX_HEAD_DIM];
    int h = get_group_id(0);
    int t = get_group_id(1);
    int d = get_local_id(0);
    int i = pos + t;
    int kv_dim = kv_heads * head_dim;
    int kv_off = (h / (heads / kv_heads)) * head_dim;
    float scale = 1.0f / sqrt((float) head_dim);
    global const float* qt = q + ((long) t * heads + h) * head_dim;
    ql[d] = qt[d];
    barrier(CLK_LOCAL_MEM_FENCE);

    int lo = window > 0 ? max(0, i - window + 1) : 0;
    float m = -INFINITY, l = 0.0f, acc = 0.0f;
    for (int tile = lo; tile <= i; tile += head_dim) {
        int count = min(head_dim, i - tile + 1);
        if (d < count) {
            global const float* kr = kv_row(cache_k, k, tile + d, pos, slots, kv_dim, kv_off);
            float s = 0.0f;
            for (int e = 0; e < head_dim; e++) s = fma(ql[e], kr[e], s);
            scores[d] = s * scale;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        float tile_max = m;
        for (int u = 0; u < count; u++) tile_max = fmax(tile_max, scores[u]);
        float correction = exp(m - tile_max);
        l *= correction;
        acc *= correction;
        for (int u = 0; u < count; u++) {
            float p = exp(scores[u] - tile_max);
            l += p;
            acc = fma(p, kv_row(cache_v, v, tile + u, pos, slots, kv_dim, kv_off)[d], acc);
        }
        m = tile_max;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    out[((long) t * heads + h) * head_dim + d] = acc / l;
}

// Stores the chunk's keys and values in their cache slots; only the last `slots` positions of a
// longer chunk can survive, so earlier ones are skipped (no two items write one slot).
kernel void kv_store(global const float* k, global const float* v, global float* cache_k, global float* cache_v,
                     int kv_dim, int slots, int pos, int n) {
    int e = get_global_id(0);
    int t = get_global_id(1);
    if (t < n - slots) return;
    long dst = (long) ((pos + t) % slots) * kv_dim + e;
    cache_k[dst] = k[(long) t * kv_dim + e];
    cache_v[dst] = v[(long) t * kv_dim + e];
}
