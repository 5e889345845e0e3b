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

    /**
     * out[r] = row r . x for rows [start, end), 512-bit vectors, two rows per loop ({@link RowPairs}).
     */
    static void matVec(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        int half = RowPairs.half(start, end);
        for (int a = start; a < start + half; a++) {
            int b = RowPairs.partner(a, half, end);
            dot512Rows2(w, a * rowBytes, b * rowBytes, x, xOff, cols, out, a, b);
        }
    }

    /**
     * Rows a and b (at offA and offB) against x, 512-bit vectors, each x load shared. One group per
     * iteration, its two halves (two sub-blocks each) in an inner loop, so that every offset is
     * affine in the group index and C2 hoists the bounds checks (a loop over half groups indexed by
     * p >> 1 and p & 1 kept a check beside its loads). Each sub-block's table is scale * q - min
     * for q = 0..15, so a lookup yields the weights and each costs one FMA with x. b == a stores
     * once. Every Vector API call is written out: calls to this class's helpers fail C2's parse-time
     * inlining cutoff in a loop this size, and the loop then runs the Java fallback.
     */
    private static void dot512Rows2(MemorySegment w, long offA, long offB, float[] x, int xOff, int cols, float[] out, int a, int b) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int g = 0; g < cols / GROUP; g++) {
            long ga = offA + (long) GROUP_BYTES * g, gb = offB + (long) GROUP_BYTES * g;
            IntVector qa = IntVector.fromMemorySegment(I, w, ga, ByteOrder.LITTLE_ENDIAN);
            IntVector qb = IntVector.fromMemorySegment(I, w, gb, ByteOrder.LITTLE_ENDIAN);
            for (int h = 0; h < 2; h++) {
                int xo = xOff + GROUP * g + 64 * h;
                IntVector va = qa.lanewise(VectorOperators.LSHR, 16 * h), vb = qb.lanewise(VectorOperators.LSHR, 16 * h);
                IntVector ta0 = Q.fma(FloatVector.broadcast(F, w.get(FLOAT, ga + SCALES + 8L * h)), FloatVector.broadcast(F, -w.get(FLOAT, ga + MINS + 8L * h))).reinterpretAsInts();
                IntVector ta1 = Q.fma(FloatVector.broadcast(F, w.get(FLOAT, ga + SCALES + 8L * h + 4)), FloatVector.broadcast(F, -w.get(FLOAT, ga + MINS + 8L * h + 4))).reinterpretAsInts();
                IntVector tb0 = Q.fma(FloatVector.broadcast(F, w.get(FLOAT, gb + SCALES + 8L * h)), FloatVector.broadcast(F, -w.get(FLOAT, gb + MINS + 8L * h))).reinterpretAsInts();
                IntVector tb1 = Q.fma(FloatVector.broadcast(F, w.get(FLOAT, gb + SCALES + 8L * h + 4)), FloatVector.broadcast(F, -w.get(FLOAT, gb + MINS + 8L * h + 4))).reinterpretAsInts();
                FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 16);
                FloatVector x2 = FloatVector.fromArray(F, x, xo + 32), x3 = FloatVector.fromArray(F, x, xo + 48);
                a0 = va.selectFrom(ta0, ta0).reinterpretAsFloats().fma(x0, a0);
                b0 = vb.selectFrom(tb0, tb0).reinterpretAsFloats().fma(x0, b0);
                a1 = va.lanewise(VectorOperators.LSHR, 4).selectFrom(ta0, ta0).reinterpretAsFloats().fma(x1, a1);
                b1 = vb.lanewise(VectorOperators.LSHR, 4).selectFrom(tb0, tb0).reinterpretAsFloats().fma(x1, b1);
                a2 = va.lanewise(VectorOperators.LSHR, 8).selectFrom(ta1, ta1).reinterpretAsFloats().fma(x2, a2);
                b2 = vb.lanewise(VectorOperators.LSHR, 8).selectFrom(tb1, tb1).reinterpretAsFloats().fma(x2, b2);
                a3 = va.lanewise(VectorOperators.LSHR, 12).selectFrom(ta1, ta1).reinterpretAsFloats().fma(x3, a3);
                b3 = vb.lanewise(VectorOperators.LSHR, 12).selectFrom(tb1, tb1).reinterpretAsFloats().fma(x3, b3);
            }
        }
        out[a] = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        if (b != a) out[b] = b0.add(b1).add(b2.add(b3)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * out[r] = row r . x for rows [start, end), 256-bit vectors: xs and sums from
     * {@link #prepareNarrow}; two rows per loop as {@link #matVec}.
     */
    static void matVecNarrow(MemorySegment w, long rowBytes, int start, int end, float[] xs, float[] sums, int cols, float[] out) {
        int half = RowPairs.half(start, end);
        for (int a = start; a < start + half; a++) {
            int b = RowPairs.partner(a, half, end);
            dot256Rows2(w, a * rowBytes, b * rowBytes, xs, sums, cols, out, a, b);
        }
    }

    /**
     * Rows a and b (at offA and offB) against xs, 8 lanes, one sub-block per iteration, each x load
     * shared: the group's first 32 bytes hold weights 0..7 and 16..23 of each sub-block, the second
     * 8..15 and 24..31; sub-block k's are nibbles 2k and 2k + 1, masked in place (xs is scaled to
     * match), the second brought down to the first's place by one shift. The mins come out as
     * min x sum(x). Helpers written out as in {@link #dot512Rows2}.
     */
    private static void dot256Rows2(MemorySegment w, long offA, long offB, float[] xs, float[] sums, int cols, float[] out, int a, int b) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        float minsA = 0, minsB = 0;
        for (int k = 0; k < cols / 32; k++) {
            long ga = offA + (long) GROUP_BYTES * (k >> 2), gb = offB + (long) GROUP_BYTES * (k >> 2);
            IntVector mask = IntVector.broadcast(I, 0xF << (8 * (k & 3)));
            int xo = 32 * k;
            IntVector va0 = IntVector.fromMemorySegment(I, w, ga, ByteOrder.LITTLE_ENDIAN), va1 = IntVector.fromMemorySegment(I, w, ga + 32, ByteOrder.LITTLE_ENDIAN);
            IntVector vb0 = IntVector.fromMemorySegment(I, w, gb, ByteOrder.LITTLE_ENDIAN), vb1 = IntVector.fromMemorySegment(I, w, gb + 32, ByteOrder.LITTLE_ENDIAN);
            FloatVector x0 = FloatVector.fromArray(F, xs, xo), x1 = FloatVector.fromArray(F, xs, xo + 16);
            FloatVector ta0 = ((FloatVector) va0.and(mask).convertShape(VectorOperators.I2F, F, 0)).mul(x0);
            FloatVector tb0 = ((FloatVector) vb0.and(mask).convertShape(VectorOperators.I2F, F, 0)).mul(x0);
            FloatVector ta1 = ((FloatVector) va0.lanewise(VectorOperators.LSHR, 4).and(mask).convertShape(VectorOperators.I2F, F, 0)).mul(x1);
            FloatVector tb1 = ((FloatVector) vb0.lanewise(VectorOperators.LSHR, 4).and(mask).convertShape(VectorOperators.I2F, F, 0)).mul(x1);
            FloatVector x2 = FloatVector.fromArray(F, xs, xo + 8), x3 = FloatVector.fromArray(F, xs, xo + 24);
            ta0 = ((FloatVector) va1.and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(x2, ta0);
            tb0 = ((FloatVector) vb1.and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(x2, tb0);
            ta1 = ((FloatVector) va1.lanewise(VectorOperators.LSHR, 4).and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(x3, ta1);
            tb1 = ((FloatVector) vb1.lanewise(VectorOperators.LSHR, 4).and(mask).convertShape(VectorOperators.I2F, F, 0)).fma(x3, tb1);
            long sc = SCALES + 4L * (k & 3), mn = MINS + 4L * (k & 3);
            FloatVector sa = FloatVector.broadcast(F, w.get(FLOAT, ga + sc)), sb = FloatVector.broadcast(F, w.get(FLOAT, gb + sc));
            a0 = ta0.fma(sa, a0);
            a1 = ta1.fma(sa, a1);
            b0 = tb0.fma(sb, b0);
            b1 = tb1.fma(sb, b1);
            float sum = sums[k];
            minsA += w.get(FLOAT, ga + mn) * sum;
            minsB += w.get(FLOAT, gb + mn) * sum;
        }
        out[a] = a0.add(a1).reduceLanes(VectorOperators.ADD) - minsA;
        if (b != a) out[b] = b0.add(b1).reduceLanes(VectorOperators.ADD) - minsB;
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

    /** Weights of nibble {@code shift / 4} of every lane, looked up in the sub-block's table. */
    private static FloatVector lookup(IntVector quants, int shift, IntVector table) {
        return quants.lanewise(VectorOperators.LSHR, shift).selectFrom(table, table).reinterpretAsFloats();
    }

    /** scale * q - min of nibble {@code shift / 4}, 8 lanes: mask, convert, one FMA (the prefill's dequantization). */
    private static FloatVector weights256(IntVector quants, int shift, FloatVector scale, FloatVector negMin) {
        return ((FloatVector) quants.lanewise(VectorOperators.LSHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(scale, negMin);
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
