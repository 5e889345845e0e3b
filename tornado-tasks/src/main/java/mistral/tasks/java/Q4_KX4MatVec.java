package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static mistral.tasks.java.Simd.F;
import static mistral.tasks.kernels.Q4_KX4.GROUP;
import static mistral.tasks.kernels.Q4_KX4.GROUP_BYTES;
import static mistral.tasks.kernels.Q4_KX4.MINS;
import static mistral.tasks.kernels.Q4_KX4.SCALES;

/**
 * Matvec over regrouped Q4_K ({@link mistral.tasks.kernels.Q4_KX4}), shaped like
 * {@link Q4_0X4MatVec}: nibble k of the 32-bit lanes is 16 consecutive weights of one sub-block,
 * so a weight vector is one shift and one table lookup. The table is per sub-block, scale * q -
 * min for q = 0..15 (one FMA to build), so the lookup yields the weights themselves and each one
 * costs a single FMA with x. Four accumulators keep the FMA chains short.
 * Where x outgrows L1 four rows share each x load ({@link #matVecRowQuads}); there the lookup is
 * of q itself (a constant table), scaled per sub-block, and the mins are taken out with the block
 * sums of x: a table built per sub-block and row put that kernel past C2's inlining budget (the
 * table's FMA ran in the Vector API's Java fallback: 2.5x slower).
 */
final class Q4_KX4MatVec {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** q = 0..15 as floats (the first 16 lanes; 256-bit vectors use the mask-and-convert path). */
    private static final FloatVector Q;

    static {
        float[] q = new float[F.length()];
        for (int i = 0; i < q.length; i++) q[i] = i % 16;
        Q = FloatVector.fromArray(F, q, 0);
    }

    private Q4_KX4MatVec() {
    }

    /** Q as the int lanes of a lookup table (both halves of selectFrom's two-vector table). */
    private static final IntVector QTABLE = Q.reinterpretAsInts();

    /** Whether {@link #matVecRowQuads} is the faster kernel (x outgrows L1). */
    static boolean prefersRowQuads(int cols) {
        return Simd.xOutgrowsL1(cols);
    }

    /** out[r] = row r . x for rows [start, end), 512-bit vectors. */
    static void matVec(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        for (int r = start; r < end; r++) out[r] = dot512(w, r * rowBytes, x, xOff, cols);
    }

    /** out[r] = row r . x for rows [start, end), 256-bit vectors: xs and sums from {@link #prepareNarrow}. */
    static void matVecNarrow(MemorySegment w, long rowBytes, int start, int end, float[] xs, float[] sums, int cols, float[] out) {
        for (int r = start; r < end; r++) out[r] = dot256(w, r * rowBytes, xs, sums, cols);
    }

    /**
     * For the 256-bit kernel: sums[b] = the sum of x over sub-block b, and xs = x with sub-block b
     * scaled by 16^-2(b mod 4) (a power of two, so exact). The kernel then takes sub-block b's
     * nibbles with one shift of the quants by 0 or 4 and a mask in place (q x 16^2(b mod 4), exact in
     * a float, below 2^31), and the mins out as min x sum(x).
     */
    static void prepareNarrow(float[] x, int xOff, int cols, float[] xs, float[] sums) {
        for (int b = 0; b < cols / 32; b++) {
            float s = 0, scale = Math.scalb(1f, -8 * (b & 3));
            for (int j = 0; j < 32; j++) {
                float v = x[xOff + 32 * b + j];
                s += v;
                xs[32 * b + j] = v * scale;
            }
            sums[b] = s;
        }
    }

    /**
     * As {@link #matVec}, four rows at a time (512-bit vectors only), the last rows of a range one at
     * a time; sums[b] is the sum of x over sub-block b ({@link Q4_0MatVec#blockSums}).
     */
    static void matVecRowQuads(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, float[] sums, int cols, float[] out) {
        for (int r = start; r < end; ) {
            int n = end - r >= 4 ? 4 : 1; // one call site, so C2 inlines the kernel once
            dot512x4(w, r * rowBytes, n == 4 ? rowBytes : 0, x, xOff, sums, cols, out, r, r + n - 1);
            r += n;
        }
    }

    private static void dot512x4(MemorySegment w, long off, long rowBytes, float[] x, int xOff, float[] sums, int cols, float[] out, int r, int last) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float m0 = 0, m1 = 0, m2 = 0, m3 = 0;
        for (int b = 0; b < cols / 32; b++) {
            long g = off + (long) GROUP_BYTES * (b >> 2);
            int shift = 8 * (b & 3);
            long scale = g + SCALES + 4L * (b & 3);
            int xo = xOff + 32 * b;
            FloatVector lo = FloatVector.fromArray(F, x, xo), hi = FloatVector.fromArray(F, x, xo + 16);
            a0 = block(w, g, scale, shift, lo, hi, a0);
            a1 = block(w, g + rowBytes, scale + rowBytes, shift, lo, hi, a1);
            a2 = block(w, g + 2 * rowBytes, scale + 2 * rowBytes, shift, lo, hi, a2);
            a3 = block(w, g + 3 * rowBytes, scale + 3 * rowBytes, shift, lo, hi, a3);
            float sum = sums[b];
            m0 += w.get(FLOAT, scale + (MINS - SCALES)) * sum;
            m1 += w.get(FLOAT, scale + rowBytes + (MINS - SCALES)) * sum;
            m2 += w.get(FLOAT, scale + 2 * rowBytes + (MINS - SCALES)) * sum;
            m3 += w.get(FLOAT, scale + 3 * rowBytes + (MINS - SCALES)) * sum;
        }
        out[r] = a0.reduceLanes(VectorOperators.ADD) - m0;
        out[Math.min(r + 1, last)] = a1.reduceLanes(VectorOperators.ADD) - m1;
        out[Math.min(r + 2, last)] = a2.reduceLanes(VectorOperators.ADD) - m2;
        out[Math.min(r + 3, last)] = a3.reduceLanes(VectorOperators.ADD) - m3;
    }

    /** acc + scale * (q of the sub-block at g, nibbles shift/4 and shift/4 + 1) . (lo, hi). */
    private static FloatVector block(MemorySegment w, long g, long scale, int shift, FloatVector lo, FloatVector hi, FloatVector acc) {
        IntVector v = IntVector.fromMemorySegment(I, w, g, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift);
        return lookup(v, 4, QTABLE).fma(hi, lookup(v, 0, QTABLE).mul(lo)).fma(FloatVector.broadcast(F, w.get(FLOAT, scale)), acc);
    }

    /** The weights of sub-block b of the group at g for q = 0..15, as the int lanes of a lookup table. */
    private static IntVector table(MemorySegment w, long g, int b) {
        return Q.fma(FloatVector.broadcast(F, w.get(FLOAT, g + SCALES + 4L * b)), FloatVector.broadcast(F, -w.get(FLOAT, g + MINS + 4L * b)))
                .reinterpretAsInts();
    }

    /** Weights of nibble {@code shift / 4} of every lane, looked up in the sub-block's table. */
    private static FloatVector lookup(IntVector quants, int shift, IntVector table) {
        return quants.lanewise(VectorOperators.LSHR, shift).selectFrom(table, table).reinterpretAsFloats();
    }

    /**
     * One group per iteration, its two halves (two sub-blocks each) in an inner loop, so that every
     * offset is affine in the group index and C2 hoists the bounds checks: a loop over half groups
     * indexed by p >> 1 and p & 1 kept a check beside its loads.
     */
    private static float dot512(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g;
            IntVector q = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            for (int h = 0; h < 2; h++) {
                int xo = xOff + GROUP * g + 64 * h;
                IntVector v = q.lanewise(VectorOperators.LSHR, 16 * h);
                IntVector t0 = table(w, go, 2 * h), t1 = table(w, go, 2 * h + 1);
                a0 = lookup(v, 0, t0).fma(FloatVector.fromArray(F, x, xo), a0);
                a1 = lookup(v, 4, t0).fma(FloatVector.fromArray(F, x, xo + 16), a1);
                a2 = lookup(v, 8, t1).fma(FloatVector.fromArray(F, x, xo + 32), a2);
                a3 = lookup(v, 12, t1).fma(FloatVector.fromArray(F, x, xo + 48), a3);
            }
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** scale * q - min of nibble {@code shift / 4}, 8 lanes: mask, convert, one FMA (the prefill's dequantization). */
    private static FloatVector weights256(IntVector quants, int shift, FloatVector scale, FloatVector negMin) {
        return ((FloatVector) quants.lanewise(VectorOperators.LSHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(scale, negMin);
    }

    /** The lanes' nibble at {@code mask} in place, as floats. */
    private static FloatVector masked(IntVector quants, int mask) {
        return (FloatVector) quants.and(mask).convertShape(VectorOperators.I2F, F, 0);
    }

    /**
     * 8 lanes, one sub-block per iteration: the group's first 32 bytes (v0) hold weights 0..7 and
     * 16..23 of each sub-block, the second (v1) 8..15 and 24..31; sub-block b's are nibbles 2b and
     * 2b + 1, the second brought down to the first's place by one shift.
     */
    private static float dot256(MemorySegment w, long off, float[] xs, float[] sums, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        float mins = 0;
        for (int b = 0; b < cols / 32; b++) {
            long go = off + (long) GROUP_BYTES * (b >> 2);
            int mask = 0xF << (8 * (b & 3));
            int xo = 32 * b;
            IntVector v0 = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            IntVector v1 = IntVector.fromMemorySegment(I, w, go + 32, ByteOrder.LITTLE_ENDIAN);
            FloatVector t0 = masked(v0, mask).mul(FloatVector.fromArray(F, xs, xo));
            FloatVector t1 = masked(v0.lanewise(VectorOperators.LSHR, 4), mask).mul(FloatVector.fromArray(F, xs, xo + 16));
            t0 = masked(v1, mask).fma(FloatVector.fromArray(F, xs, xo + 8), t0);
            t1 = masked(v1.lanewise(VectorOperators.LSHR, 4), mask).fma(FloatVector.fromArray(F, xs, xo + 24), t1);
            FloatVector scale = FloatVector.broadcast(F, w.get(FLOAT, go + SCALES + 4L * (b & 3)));
            a0 = t0.fma(scale, a0);
            a1 = t1.fma(scale, a1);
            mins += w.get(FLOAT, go + MINS + 4L * (b & 3)) * sums[b];
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD) - mins;
    }

    /** Dequantizes a row into dst (for the prefill matmul, which reuses it for every token). */
    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int lanes = I.length();
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g;
            for (int half = 0; half < 16 / lanes; half++) {
                IntVector v = IntVector.fromMemorySegment(I, w, go + 4L * lanes * half, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < 8; k++) {
                    FloatVector s = FloatVector.broadcast(F, w.get(FLOAT, go + SCALES + 4L * (k / 2)));
                    FloatVector m = FloatVector.broadcast(F, -w.get(FLOAT, go + MINS + 4L * (k / 2)));
                    weights256(v, 4 * k, s, m).intoArray(dst, dstOff + GROUP * g + 16 * k + lanes * half);
                }
            }
        }
    }
}
