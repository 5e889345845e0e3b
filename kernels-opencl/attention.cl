// Windowed grouped-query attention of a chunk of queries (paper, figure 3). Query t of the chunk
// is at position i = pos + t and sees keys j with max(0, i - window + 1) <= j <= i (window 0 = all):
// j < pos from the rolling cache (slot j mod slots), j >= pos from the chunk's own k/v.
// A batched step runs it once per segment: the segment's tokens start at chunk token tok0, and its
// sequence's cache rows at row base (sequence x slots).
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

// Folds keys [from, to] into this work item's running max m, sum l and output dimension acc
// (online softmax). Every work item of the group calls it with the same range (it has barriers).
inline void attend_keys(local float* ql, local float* scores, global const float* k, global const float* v,
                        global const float* cache_k, global const float* cache_v, int from, int to, int pos,
                        int slots, int kv_dim, int kv_off, int head_dim, float* m, float* l, float* acc) {
    int d = get_local_id(0);
    float scale = 1.0f / sqrt((float) head_dim);
    for (int tile = from; tile <= to; tile += head_dim) {
        int count = min(head_dim, to - tile + 1);
        if (d < count) {
            global const float* kr = kv_row(cache_k, k, tile + d, pos, slots, kv_dim, kv_off);
            float s = 0.0f;
            for (int e = 0; e < head_dim; e++) s = fma(ql[e], kr[e], s);
            scores[d] = s * scale;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        float tile_max = *m;
        for (int u = 0; u < count; u++) tile_max = fmax(tile_max, scores[u]);
        float correction = exp(*m - tile_max);
        *l *= correction;
        *acc *= correction;
        for (int u = 0; u < count; u++) {
            float p = exp(scores[u] - tile_max);
            *l += p;
            *acc = fma(p, kv_row(cache_v, v, tile + u, pos, slots, kv_dim, kv_off)[d], *acc);
        }
        *m = tile_max;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

inline int window_start(int i, int window) {
    return window > 0 ? max(0, i - window + 1) : 0;
}

kernel void attention(global const float* q, global const float* k, global const float* v,
                      global const float* cache_k, global const float* cache_v, global float* out,
                      int heads, int kv_heads, int head_dim, int window, int slots, int pos, int tok0, int base) {
    local float ql[ATT_MAX_HEAD_DIM];
    local float scores[ATT_MAX_HEAD_DIM];
    int h = get_group_id(0);
    int t = get_group_id(1);
    int d = get_local_id(0);
    int i = pos + t;
    int kv_dim = kv_heads * head_dim;
    int kv_off = (h / (heads / kv_heads)) * head_dim;
    k += (long) tok0 * kv_dim;
    v += (long) tok0 * kv_dim;
    cache_k += (long) base * kv_dim;
    cache_v += (long) base * kv_dim;
    t += tok0;
    ql[d] = q[((long) t * heads + h) * head_dim + d];
    barrier(CLK_LOCAL_MEM_FENCE);
    float m = -INFINITY, l = 0.0f, acc = 0.0f;
    attend_keys(ql, scores, k, v, cache_k, cache_v, window_start(i, window), i, pos, slots, kv_dim, kv_off, head_dim, &m, &l, &acc);
    out[((long) t * heads + h) * head_dim + d] = acc / l;
}

// Decode (one query) split over the window ("flash decoding"): a single query has only `heads`
// work-groups of work, too few to fill a GPU at long context, so work-group (h, s) folds the s-th
// span of `span` keys into a partial (m, l, acc[head_dim]) in `parts`; attention_combine merges a
// head's partials. parts holds heads x splits x (head_dim + 2) floats.
kernel void attention_part(global const float* q, global const float* k, global const float* v,
                           global const float* cache_k, global const float* cache_v, global float* parts,
                           int heads, int kv_heads, int head_dim, int window, int slots, int pos, int span, int tok0, int base) {
    local float ql[ATT_MAX_HEAD_DIM];
    local float scores[ATT_MAX_HEAD_DIM];
    int h = get_group_id(0);
    int split = get_group_id(1);
    int d = get_local_id(0);
    int kv_dim = kv_heads * head_dim;
    int kv_off = (h / (heads / kv_heads)) * head_dim;
    k += (long) tok0 * kv_dim;
    v += (long) tok0 * kv_dim;
    cache_k += (long) base * kv_dim;
    cache_v += (long) base * kv_dim;
    ql[d] = q[((long) tok0 * heads + h) * head_dim + d];
    barrier(CLK_LOCAL_MEM_FENCE);
    int from = window_start(pos, window) + split * span;
    float m = -INFINITY, l = 0.0f, acc = 0.0f;
    attend_keys(ql, scores, k, v, cache_k, cache_v, from, min(pos, from + span - 1), pos, slots, kv_dim, kv_off, head_dim, &m, &l, &acc);
    global float* part = parts + ((long) h * get_num_groups(1) + split) * (head_dim + 2);
    part[2 + d] = acc;
    if (d == 0) {
        part[0] = m;
        part[1] = l;
    }
}

kernel void attention_combine(global const float* parts, global float* out, int head_dim, int splits, int tok0) {
    int h = get_group_id(0);
    int d = get_local_id(0);
    global const float* part = parts + (long) h * splits * (head_dim + 2);
    float m = -INFINITY;
    for (int s = 0; s < splits; s++) m = fmax(m, part[s * (head_dim + 2)]);
    float l = 0.0f, acc = 0.0f;
    for (int s = 0; s < splits; s++) {
        global const float* p = part + s * (head_dim + 2);
        if (p[1] == 0.0f) continue; // an empty span (m = -inf)
        float w = exp(p[0] - m);
        l = fma(w, p[1], l);
        acc = fma(w, p[2 + d], acc);
    }
    out[((long) tok0 * get_num_groups(0) + h) * head_dim + d] = acc / l;
}

// Stores a segment's keys and values (chunk tokens tok0 ...) in its sequence's cache slots (from row
// base); only the last `slots` positions of a longer chunk can survive, so earlier ones are skipped
// (no two items write one slot).
kernel void kv_store(global const float* k, global const float* v, global float* cache_k, global float* cache_v,
                     int kv_dim, int slots, int pos, int n, int tok0, int base) {
    int e = get_global_id(0);
    int t = get_global_id(1);
    if (t < n - slots) return;
    long dst = (long) (base + (pos + t) % slots) * kv_dim + e;
    cache_k[dst] = k[(long) (tok0 + t) * kv_dim + e];
    cache_v[dst] = v[(long) (tok0 + t) * kv_dim + e];
}
