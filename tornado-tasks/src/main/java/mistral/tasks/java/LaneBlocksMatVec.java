package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.TensorType;
import mistral.tasks.kernels.LaneBlocks;
import mistral.tasks.kernels.Q6_KI8;
import mistral.tasks.kernels.Q8_0X16;

import static mistral.tasks.java.Simd.F;

/**
 * Matvec over the layouts with 16 blocks of int8 weights in the lanes: Q6_K_I8 (a super-block of
 * 256 weights, 16 sub-blocks of 16: {@link Q6_KI8}) and Q8_0_X16 (512 weights, 16 blocks of 32:
 * {@link Q8_0X16}). A group's byte 16k + j is
 * weight k of block j and its 16 scales follow at {@code scales}: Q8_0_X16's as float32, Q6_K_I8's
 * as int8, widened and multiplied by the super-block's d at {@code d}. x is permuted the same
 * way. Each lane sums its block's products over the group, then one FMA with the scales as a vector.
 * Which of the two a kernel reads is a test per group on its d argument, the same for every group.
 */
final class LaneBlocksMatVec {
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** A layout's group: weights, bytes, where its scales start, and where d is (-1: float scales, no d). */
    record Group(int weights, int bytes, int scales, int d) {
    }

    private static final Group Q6_K_I8 = new Group(256, Q6_KI8.BLOCK_BYTES, Q6_KI8.SCALES, Q6_KI8.D);
    private static final Group Q8_0_X16 = new Group(Q8_0X16.GROUP, Q8_0X16.GROUP_BYTES, Q8_0X16.SCALES, -1);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** Whether this layout has 16 blocks in the lanes (the types {@link #group} knows). */
    static boolean inLanes(TensorType type) {
        return type == TensorType.Q6_K_I8 || type == TensorType.Q8_0_X16;
    }

    /** The layout's group. */
    static Group group(TensorType type) {
        return switch (type) {
            case Q6_K_I8 -> Q6_K_I8;
            case Q8_0_X16 -> Q8_0_X16;
            default -> throw new IllegalArgumentException(type + " does not have 16 blocks in the lanes");
        };
    }

    /** x in the group's lanes' order ({@link LaneBlocks#permute}). */
    static void permute(float[] x, int xOff, int cols, Group g, float[] xp, int xpOff) {
        LaneBlocks.permute(x, xOff, cols, g.weights() / 16, xp, xpOff);
    }

    private LaneBlocksMatVec() {
    }

    /** out[r] = row r . x for rows [start, end), two rows per loop ({@link RowPairs}); xp is x in the lanes' order. */
    static void matVec(MemorySegment w, long rowBytes, int start, int end, float[] xp, int cols, Group g, float[] out) {
        int half = RowPairs.half(start, end);
        for (int a = start; a < start + half; a++) {
            int b = RowPairs.partner(a, half, end);
            if (Simd.WIDE) dot512Rows2(w, a * rowBytes, b * rowBytes, xp, cols, g.weights(), g.bytes(), g.scales(), g.d(), out, a, b);
            else dot256Rows2(w, a * rowBytes, b * rowBytes, xp, cols, g.weights(), g.bytes(), g.scales(), g.d(), out, a, b);
        }
    }

    /**
     * Rows a and b (at offA and offB), 16 lanes = the 16 blocks: two of the group's weight vectors
     * per iteration, each into its own accumulator a row (4 FMA chains), each x
     * load shared; b == a stores once. Every Vector API call is written out: a call to a helper of
     * this class fails C2's parse-time inlining cutoff in a loop this size.
     */
    private static void dot512Rows2(MemorySegment w, long offA, long offB, float[] xp, int cols, int groupWeights, int groupBytes, int scales,
                                    int d, float[] out, int a, int b) {
        FloatVector ra = FloatVector.zero(F), rb = ra;
        int steps = groupWeights / 16;
        for (int s = 0; s < cols / groupWeights; s++) {
            long sa = offA + (long) groupBytes * s, sb = offB + (long) groupBytes * s;
            int xs = groupWeights * s;
            FloatVector pa = FloatVector.zero(F), pb = pa, qa = pa, qb = pa;
            for (int k = 0; k < steps; k += 2) {
                long o = 16L * k;
                FloatVector x0 = FloatVector.fromArray(F, xp, xs + 16 * k), x1 = FloatVector.fromArray(F, xp, xs + 16 * k + 16);
                pa = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + o, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x0, pa);
                pb = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + o, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x0, pb);
                qa = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + o + 16, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, qa);
                qb = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + o + 16, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, qb);
            }
            FloatVector scA, scB;
            if (d < 0) {
                scA = FloatVector.fromMemorySegment(F, w, sa + scales, LE);
                scB = FloatVector.fromMemorySegment(F, w, sb + scales, LE);
            } else {
                scA = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + scales, LE).convertShape(VectorOperators.B2F, F, 0)).mul(w.get(FLOAT, sa + d));
                scB = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + scales, LE).convertShape(VectorOperators.B2F, F, 0)).mul(w.get(FLOAT, sb + d));
            }
            ra = pa.add(qa).fma(scA, ra);
            rb = pb.add(qb).fma(scB, rb);
        }
        out[a] = ra.reduceLanes(VectorOperators.ADD);
        if (b != a) out[b] = rb.reduceLanes(VectorOperators.ADD);
    }

    /**
     * The same with 8 lanes: blocks 0-7 in one accumulator and 8-15 in another, two weight
     * vectors of each per iteration (8 FMA chains for the two rows), each scaled by its 8 scales.
     */
    private static void dot256Rows2(MemorySegment w, long offA, long offB, float[] xp, int cols, int groupWeights, int groupBytes, int scales,
                                    int d, float[] out, int a, int b) {
        FloatVector ra = FloatVector.zero(F), rb = ra;
        int steps = groupWeights / 16;
        for (int s = 0; s < cols / groupWeights; s++) {
            long sa = offA + (long) groupBytes * s, sb = offB + (long) groupBytes * s;
            int xs = groupWeights * s;
            FloatVector pa0 = FloatVector.zero(F), pa1 = pa0, pb0 = pa0, pb1 = pa0, qa0 = pa0, qa1 = pa0, qb0 = pa0, qb1 = pa0;
            for (int k = 0; k < steps; k += 2) {
                long o = 16L * k;
                int xk = xs + 16 * k;
                FloatVector x0 = FloatVector.fromArray(F, xp, xk), x1 = FloatVector.fromArray(F, xp, xk + 8);
                pa0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + o, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x0, pa0);
                pb0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + o, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x0, pb0);
                pa1 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + o + 8, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, pa1);
                pb1 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + o + 8, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, pb1);
                x0 = FloatVector.fromArray(F, xp, xk + 16);
                x1 = FloatVector.fromArray(F, xp, xk + 24);
                qa0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + o + 16, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x0, qa0);
                qb0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + o + 16, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x0, qb0);
                qa1 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + o + 24, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, qa1);
                qb1 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + o + 24, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, qb1);
            }
            FloatVector scA0, scA1, scB0, scB1;
            if (d < 0) {
                scA0 = FloatVector.fromMemorySegment(F, w, sa + scales, LE);
                scA1 = FloatVector.fromMemorySegment(F, w, sa + scales + 32, LE);
                scB0 = FloatVector.fromMemorySegment(F, w, sb + scales, LE);
                scB1 = FloatVector.fromMemorySegment(F, w, sb + scales + 32, LE);
            } else {
                float dA = w.get(FLOAT, sa + d), dB = w.get(FLOAT, sb + d);
                scA0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + scales, LE).convertShape(VectorOperators.B2F, F, 0)).mul(dA);
                scA1 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sa + scales + 8, LE).convertShape(VectorOperators.B2F, F, 0)).mul(dA);
                scB0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + scales, LE).convertShape(VectorOperators.B2F, F, 0)).mul(dB);
                scB1 = ((FloatVector) ByteVector.fromMemorySegment(B, w, sb + scales + 8, LE).convertShape(VectorOperators.B2F, F, 0)).mul(dB);
            }
            ra = pa0.add(qa0).fma(scA0, ra);
            ra = pa1.add(qa1).fma(scA1, ra);
            rb = pb0.add(qb0).fma(scB0, rb);
            rb = pb1.add(qb1).fma(scB1, rb);
        }
        out[a] = ra.reduceLanes(VectorOperators.ADD);
        if (b != a) out[b] = rb.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Dequantizes a row into dst in the lanes' order (for the prefill matmul, which multiplies it
     * with x permuted the same way): each weight vector times its lanes' scales.
     */
    static void dequantizeLaneOrder(MemorySegment w, long off, int cols, Group g, float[] dst, int dstOff) {
        int steps = g.weights() / 16;
        boolean halves = F.length() == 8;
        for (int s = 0; s < cols / g.weights(); s++) {
            long blk = off + (long) g.bytes() * s;
            int d = dstOff + g.weights() * s;
            FloatVector scale0, scale1;
            if (g.d() < 0) {
                scale0 = FloatVector.fromMemorySegment(F, w, blk + g.scales(), LE);
                scale1 = halves ? FloatVector.fromMemorySegment(F, w, blk + g.scales() + 32, LE) : scale0;
            } else {
                float superD = w.get(FLOAT, blk + g.d());
                scale0 = ((FloatVector) ByteVector.fromMemorySegment(B, w, blk + g.scales(), LE).convertShape(VectorOperators.B2F, F, 0)).mul(superD);
                scale1 = halves ? ((FloatVector) ByteVector.fromMemorySegment(B, w, blk + g.scales() + 8, LE).convertShape(VectorOperators.B2F, F, 0)).mul(superD) : scale0;
            }
            for (int k = 0; k < steps; k++) {
                ((FloatVector) ByteVector.fromMemorySegment(B, w, blk + 16L * k, LE).convertShape(VectorOperators.B2F, F, 0)).mul(scale0).intoArray(dst, d + 16 * k);
                if (halves) {
                    ((FloatVector) ByteVector.fromMemorySegment(B, w, blk + 16L * k + 8, LE).convertShape(VectorOperators.B2F, F, 0)).mul(scale1)
                            .intoArray(dst, d + 16 * k + 8);
                }
            }
        }
    }
}
