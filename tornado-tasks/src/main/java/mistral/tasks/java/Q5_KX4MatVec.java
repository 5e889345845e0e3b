package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static mistral.tasks.java.Simd.F;
import static mistral.tasks.kernels.Q5_KX4.FIFTH;
import static mistral.tasks.kernels.Q5_KX4.GROUP;
import static mistral.tasks.kernels.Q5_KX4.GROUP_BYTES;
import static mistral.tasks.kernels.Q5_KX4.MINS;
import static mistral.tasks.kernels.Q5_KX4.SCALES;

/**
 * Matvec over regrouped Q5_K ({@link mistral.tasks.kernels.Q5_KX4}): per sub-block a table of its
 * weights, scale * q - min for q = 0..31 (one FMA to build), indexed by the lanes' 5-bit q: the
 * fifth bits are blended into bit 4 of the shifted nibbles (one ternary-logic op), and the
 * two-table lookup takes the 32 entries.
 * One row at a time everywhere: a four-row kernel for FFN down (constant table, scales, mins
 * from the block sums of x) compiled past C2's inlining budget (Q5_K matmuls
 * 256 -> 456 ms a token); a two-row one stayed inside it but gained nothing (250 ms).
 */
final class Q5_KX4MatVec {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** q = 0..15 and 16..31 as floats (16 lanes; 256-bit vectors use the mask-and-convert path). */
    private static final FloatVector Q_LO, Q_HI;

    static {
        float[] q = new float[2 * F.length()];
        for (int i = 0; i < q.length; i++) q[i] = i % 32;
        Q_LO = FloatVector.fromArray(F, q, 0);
        Q_HI = FloatVector.fromArray(F, q, 16 % q.length);
    }

    private Q5_KX4MatVec() {
    }

    /** out[r] = row r . x for rows [start, end). */
    static void matVec(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        for (int r = start; r < end; r++) out[r] = Simd.WIDE ? dot512(w, r * rowBytes, x, xOff, cols) : dot256(w, r * rowBytes, x, xOff, cols);
    }

    /** Weights of nibble k (0..3) of every lane, its fifth bit from bit k of {@code fifths}. */
    private static FloatVector lookup(IntVector quants, IntVector fifths, int k, FloatVector lo, FloatVector hi) {
        IntVector index = quants.lanewise(VectorOperators.LSHR, 4 * k).lanewise(VectorOperators.BITWISE_BLEND,
                fifths.lanewise(VectorOperators.LSHL, 4 - k), IntVector.broadcast(I, 0x10));
        return index.selectFrom(lo.reinterpretAsInts(), hi.reinterpretAsInts()).reinterpretAsFloats();
    }

    /**
     * One sub-block per iteration: half a group per iteration compiled past C2's
     * inlining budget with the extra fifth-bit work (shifts and reinterprets in the Vector API's
     * Java fallback: 30x slower).
     */
    private static float dot512(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int b = 0; b < cols / 32; b++) {
            long go = off + (long) GROUP_BYTES * (b >> 2);
            int sub = b & 3;
            int xo = xOff + 32 * b;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 8 * sub);
            IntVector f = ((IntVector) ByteVector.fromMemorySegment(B, w, go + FIFTH, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2I, I, 0)).lanewise(VectorOperators.LSHR, 2 * sub);
            FloatVector s = FloatVector.broadcast(F, w.get(FLOAT, go + SCALES + 4L * sub)), m = FloatVector.broadcast(F, -w.get(FLOAT, go + MINS + 4L * sub));
            FloatVector lo = Q_LO.fma(s, m), hi = Q_HI.fma(s, m);
            a0 = lookup(v, f, 0, lo, hi).fma(FloatVector.fromArray(F, x, xo), a0);
            a1 = lookup(v, f, 1, lo, hi).fma(FloatVector.fromArray(F, x, xo + 16), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** scale * q - min of nibble {@code shift / 4} with fifth bit {@code bit} of each lane's fifth-bit byte, 8 lanes. */
    private static FloatVector weights256(IntVector quants, IntVector fifths, int shift, int bit, FloatVector scale, FloatVector negMin) {
        IntVector q = quants.lanewise(VectorOperators.LSHR, shift).and(0xF).or(fifths.lanewise(VectorOperators.LSHR, bit).and(1).lanewise(VectorOperators.LSHL, 4));
        return ((FloatVector) q.convertShape(VectorOperators.I2F, F, 0)).fma(scale, negMin);
    }

    /** 8 lanes: the group's first 32 bytes (and fifth bytes 0..7) hold weights 0..7 and 16..23 of each sub-block, the rest 8..15 and 24..31. */
    private static float dot256(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long go = off + (long) GROUP_BYTES * (b >> 2);
            int sub = b & 3, shift = 8 * sub;
            int xo = xOff + 32 * b;
            IntVector v0 = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            IntVector v1 = IntVector.fromMemorySegment(I, w, go + 32, ByteOrder.LITTLE_ENDIAN);
            IntVector f0 = (IntVector) ByteVector.fromMemorySegment(B, w, go + FIFTH, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
            IntVector f1 = (IntVector) ByteVector.fromMemorySegment(B, w, go + FIFTH + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2I, I, 0);
            FloatVector s = FloatVector.broadcast(F, w.get(FLOAT, go + SCALES + 4L * sub));
            FloatVector m = FloatVector.broadcast(F, -w.get(FLOAT, go + MINS + 4L * sub));
            a0 = weights256(v1, f1, shift, 2 * sub, s, m).fma(FloatVector.fromArray(F, x, xo + 8),
                    weights256(v0, f0, shift, 2 * sub, s, m).fma(FloatVector.fromArray(F, x, xo), a0));
            a1 = weights256(v1, f1, shift + 4, 2 * sub + 1, s, m).fma(FloatVector.fromArray(F, x, xo + 24),
                    weights256(v0, f0, shift + 4, 2 * sub + 1, s, m).fma(FloatVector.fromArray(F, x, xo + 16), a1));
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** Dequantizes a row into dst (for the prefill matmul, which reuses it for every token). */
    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int lanes = I.length();
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g;
            for (int part = 0; part < 16 / lanes; part++) {
                IntVector v = IntVector.fromMemorySegment(I, w, go + 4L * lanes * part, ByteOrder.LITTLE_ENDIAN);
                IntVector f = (IntVector) ByteVector.fromMemorySegment(B, w, go + FIFTH + (long) lanes * part, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2I, I, 0);
                for (int k = 0; k < 8; k++) {
                    FloatVector s = FloatVector.broadcast(F, w.get(FLOAT, go + SCALES + 4L * (k / 2)));
                    FloatVector m = FloatVector.broadcast(F, -w.get(FLOAT, go + MINS + 4L * (k / 2)));
                    weights256(v, f, 4 * k, k, s, m).intoArray(dst, dstOff + GROUP * g + 16 * k + lanes * part);
                }
            }
        }
    }
}
