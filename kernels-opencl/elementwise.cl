// gate = silu(gate) * up
kernel void swiglu(global float* gate, global const float* up) {
    long i = get_global_id(0);
    float g = gate[i];
    gate[i] = g / (1.0f + exp(-g)) * up[i];
}

// x += delta (residual connection)
kernel void add(global float* x, global const float* delta) {
    long i = get_global_id(0);
    x[i] += delta[i];
}
