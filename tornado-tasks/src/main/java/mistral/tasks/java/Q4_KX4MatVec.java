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
 * costs a single FMA with x. Four accumulators keep the FMA chains short. No four-rows kernel as
 * Q4_0_X4 has for wide matrices: with a table to build per sub-block and row it compiled past C2's
 * inlining budget (the table's FMA ran in the Vector API's Java fallback: 2.5x slower overall).
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

    /** out[r] = row r . x for rows [start, end). */
    static void matVec(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        for (int r = start; r < end; r++) out[r] = Simd.WIDE ? dot512(w, r * rowBytes, x, xOff, cols) : dot256(w, r * rowBytes, x, xOff, cols);
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

    /** Half a group (two sub-blocks) per iteration, as {@link Q4_0X4MatVec}'s dot512. */
    private static float dot512(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int p = 0; p < cols / 64; p++) {
            long go = off + (long) GROUP_BYTES * (p >> 1);
            int half = p & 1;
            int xo = xOff + 64 * p;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 16 * half);
            IntVector t0 = table(w, go, 2 * half), t1 = table(w, go, 2 * half + 1);
            a0 = lookup(v, 0, t0).fma(FloatVector.fromArray(F, x, xo), a0);
            a1 = lookup(v, 4, t0).fma(FloatVector.fromArray(F, x, xo + 16), a1);
            a2 = lookup(v, 8, t1).fma(FloatVector.fromArray(F, x, xo + 32), a2);
            a3 = lookup(v, 12, t1).fma(FloatVector.fromArray(F, x, xo + 48), a3);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** scale * q - min of nibble {@code shift / 4}, 8 lanes: mask, convert, one FMA. */
    private static FloatVector weights256(IntVector quants, int shift, FloatVector scale, FloatVector negMin) {
        return ((FloatVector) quants.lanewise(VectorOperators.LSHR, shift).and(0xF).convertShape(VectorOperators.I2F, F, 0)).fma(scale, negMin);
    }

    /** 8 lanes: the group's first 32 bytes hold weights 0..7 and 16..23 of each sub-block, the second 32 bytes 8..15 and 24..31. */
    private static float dot256(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long go = off + (long) GROUP_BYTES * (b >> 2);
            int shift = 8 * (b & 3);
            int xo = xOff + 32 * b;
            IntVector v0 = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            IntVector v1 = IntVector.fromMemorySegment(I, w, go + 32, ByteOrder.LITTLE_ENDIAN);
            FloatVector s = FloatVector.broadcast(F, w.get(FLOAT, go + SCALES + 4L * (b & 3)));
            FloatVector m = FloatVector.broadcast(F, -w.get(FLOAT, go + MINS + 4L * (b & 3)));
            a0 = weights256(v1, shift, s, m).fma(FloatVector.fromArray(F, x, xo + 8), weights256(v0, shift, s, m).fma(FloatVector.fromArray(F, x, xo), a0));
            a1 = weights256(v1, shift + 4, s, m).fma(FloatVector.fromArray(F, x, xo + 24), weights256(v0, shift + 4, s, m).fma(FloatVector.fromArray(F, x, xo + 16), a1));
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
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
