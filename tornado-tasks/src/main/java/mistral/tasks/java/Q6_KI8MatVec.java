package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.kernels.DequantLayouts;

import static mistral.tasks.java.Simd.F;
import static mistral.tasks.kernels.Q6_KI8.BLOCK_BYTES;
import static mistral.tasks.kernels.Q6_KI8.SCALES;

/** Matvec over unpacked Q6_K ({@link mistral.tasks.kernels.Q6_KI8}). */
final class Q6_KI8MatVec {
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;

    private Q6_KI8MatVec() {
    }

    /** out[r] = row r . x for rows [start, end), two rows per loop ({@link RowPairs}). */
    static void matVec(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        int half = RowPairs.half(start, end);
        for (int a = start; a < start + half; a++) {
            int b = RowPairs.partner(a, half, end);
            dotRows2(w, a * rowBytes, b * rowBytes, x, xOff, cols, out, a, b);
        }
    }

    /**
     * Rows a and b (at offA and offB) against x, each x load shared: 32 weights (two scales) per
     * iteration into two accumulators a row (one FMA chain per 16 weights measured twice as slow);
     * b == a stores once. Every Vector API call is written out: a call to a helper of this class
     * fails C2's parse-time inlining cutoff in a loop this size.
     */
    private static void dotRows2(MemorySegment w, long offA, long offB, float[] x, int xOff, int cols, float[] out, int a, int b) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        int L = F.length();
        for (int t = 0; t < cols / 32; t++) {
            long blkA = offA + (long) BLOCK_BYTES * (t >> 3), blkB = offB + (long) BLOCK_BYTES * (t >> 3);
            int k = 2 * (t & 7);
            long qa = blkA + 16L * k, qb = blkB + 16L * k;
            int xo = xOff + 32 * t;
            FloatVector x0 = FloatVector.fromArray(F, x, xo), x1 = FloatVector.fromArray(F, x, xo + 16);
            FloatVector sa0 = x0.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qa, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0));
            FloatVector sb0 = x0.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qb, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0));
            FloatVector sa1 = x1.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qa + 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0));
            FloatVector sb1 = x1.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qb + 16, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0));
            if (L == 8) {
                FloatVector x2 = FloatVector.fromArray(F, x, xo + 8), x3 = FloatVector.fromArray(F, x, xo + 24);
                sa0 = sa0.add(x2.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qa + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)));
                sb0 = sb0.add(x2.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qb + 8, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)));
                sa1 = sa1.add(x3.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qa + 24, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)));
                sb1 = sb1.add(x3.mul((FloatVector) ByteVector.fromMemorySegment(B, w, qb + 24, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0)));
            }
            long sc = SCALES + 4L * k;
            a0 = sa0.fma(FloatVector.broadcast(F, w.get(DequantLayouts.FLOAT, blkA + sc)), a0);
            a1 = sa1.fma(FloatVector.broadcast(F, w.get(DequantLayouts.FLOAT, blkA + sc + 4)), a1);
            b0 = sb0.fma(FloatVector.broadcast(F, w.get(DequantLayouts.FLOAT, blkB + sc)), b0);
            b1 = sb1.fma(FloatVector.broadcast(F, w.get(DequantLayouts.FLOAT, blkB + sc + 4)), b1);
        }
        out[a] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        if (b != a) out[b] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * As {@link #matVec}, four rows per x load (512-bit vectors only, where x outgrows L1:
     * {@link Simd#xOutgrowsL1}, Q6_K's FFN-down matrices); the last rows of a range one at a time.
     */
    static void matVecRowQuads(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        for (int r = start; r < end; ) {
            int n = end - r >= 4 ? 4 : 1; // one call site, so C2 inlines the kernel once
            dot4(w, r * rowBytes, n == 4 ? rowBytes : 0, x, xOff, cols, out, r, r + n - 1);
            r += n;
        }
    }

    /** Rows at off, off + rowBytes, ... (four) into out[r..last]; 16 weights of each per iteration. */
    private static void dot4(MemorySegment w, long off, long rowBytes, float[] x, int xOff, int cols, float[] out, int r, int last) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int t = 0; t < cols / 16; t++) {
            long q = off + (long) BLOCK_BYTES * (t >> 4) + 16L * (t & 15);
            long scale = off + (long) BLOCK_BYTES * (t >> 4) + SCALES + 4L * (t & 15);
            FloatVector xv = FloatVector.fromArray(F, x, xOff + 16 * t);
            a0 = row16(w, q, scale, xv, a0);
            a1 = row16(w, q + rowBytes, scale + rowBytes, xv, a1);
            a2 = row16(w, q + 2 * rowBytes, scale + 2 * rowBytes, xv, a2);
            a3 = row16(w, q + 3 * rowBytes, scale + 3 * rowBytes, xv, a3);
        }
        out[r] = a0.reduceLanes(VectorOperators.ADD);
        out[Math.min(r + 1, last)] = a1.reduceLanes(VectorOperators.ADD);
        out[Math.min(r + 2, last)] = a2.reduceLanes(VectorOperators.ADD);
        out[Math.min(r + 3, last)] = a3.reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector row16(MemorySegment w, long q, long scale, FloatVector x, FloatVector acc) {
        return weights(w, q).mul(x).fma(FloatVector.broadcast(F, w.get(DequantLayouts.FLOAT, scale)), acc);
    }

    /** L signed bytes as floats. */
    private static FloatVector weights(MemorySegment w, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, w, at, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0);
    }

    /** Dequantizes a row into dst (for the prefill matmul). */
    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int L = F.length();
        for (int t = 0; t < cols / 16; t++) {
            long blk = off + (long) BLOCK_BYTES * (t >> 4);
            FloatVector scale = FloatVector.broadcast(F, w.get(DequantLayouts.FLOAT, blk + SCALES + 4L * (t & 15)));
            for (int h = 0; h < 16; h += L) scale.mul(weights(w, blk + 16L * (t & 15) + h)).intoArray(dst, dstOff + 16 * t + h);
        }
    }
}
