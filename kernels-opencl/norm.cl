// out[t] = x[t] / sqrt(mean(x[t]^2) + eps) * weight; one work-group of NORM_LWS per token.

#ifndef NORM_LWS
#define NORM_LWS 64
#endif

kernel void rmsnorm(global const float* x, global const float* weight, global float* out, int dim, float eps) {
    local float partial[NORM_LWS];
    int t = get_group_id(0);
    int lid = get_local_id(0);
    global const float* xt = x + (long) t * dim;
    float ss = 0.0f;
    for (int i = lid; i < dim; i += NORM_LWS) ss = fma(xt[i], xt[i], ss);
    partial[lid] = ss;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int stride = NORM_LWS / 2; stride > 0; stride >>= 1) {
        if (lid < stride) partial[lid] += partial[lid + stride];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float scale = 1.0f / sqrt(partial[0] / dim + eps);
    for (int i = lid; i < dim; i += NORM_LWS) out[(long) t * dim + i] = xt[i] * scale * weight[i];
}
