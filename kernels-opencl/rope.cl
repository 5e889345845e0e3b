// Rotates adjacent pairs (x[2i], x[2i+1]) of every head of token tok0 + t by angle (pos + t) * freqs[i]
// (one segment of a step: its tokens start at chunk token tok0 and position pos).
// freqs come from the host so that every backend uses the same float32 frequencies.
kernel void rope(global float* x, global const float* freqs, int heads, int head_dim, int pos, int tok0) {
    int pair = get_global_id(0);          // over heads * head_dim / 2
    int t = get_global_id(1);
    int i = pair % (head_dim / 2);
    float angle = (float) (pos + t) * freqs[i];
    float c = cos(angle), s = sin(angle);
    global float* p = x + (long) (tok0 + t) * heads * head_dim + 2 * pair;
    float a = p[0], b = p[1];
    p[0] = a * c - b * s;
    p[1] = a * s + b * c;
}
