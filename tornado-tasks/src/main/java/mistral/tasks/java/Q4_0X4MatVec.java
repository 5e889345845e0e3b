package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static mistral.tasks.java.Simd.F;
import static mistral.tasks.kernels.Q4_0X4.GROUP;
import static mistral.tasks.kernels.Q4_0X4.GROUP_BYTES;
import static mistral.tasks.kernels.Q4_0X4.SCALES;

/**
 * Matvec over regrouped Q4_0 ({@link mistral.tasks.kernels.Q4_0X4}: per 128 weights, 64 bytes of
 * byte-interleaved quants and 4 float scales). Nibble k of the 32-bit lanes is 16 (or 8) consecutive
 * weights, so a weight vector is one shift and one table lookup: the lanes index a 16-entry table of
 * (q - 8) as floats, which replaces mask, convert and the -8 offset (vpermi2ps uses only the low
 * index bits, and the Vector API's two-table selectFrom wraps the index the same way).
 * Measured on 14336 x 4096 matrices in DRAM, side by side in one process on this project's 2-vCPU
 * AVX-512 VM: 1.24 ns per 32-weight block on one thread against 1.74 ns for {@link Q4_0MatVec}
 * on the file's layout; 0.67 against 1.00 ns on two. Without AVX-512 the lookup is not a single
 * instruction, so 256-bit vectors mask and convert instead (tested with -XX:UseAVX=2).
 */
final class Q4_0X4MatVec {
    private static final ValueLayout.OfFloat SCALE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** Table halves for selectFrom(lo, hi): the index wraps modulo 2 x lanes. */
    private static final IntVector LO, HI;

    static {
        int[] t = new int[32];
        for (int i = 0; i < 32; i++) t[i] = Float.floatToRawIntBits((i % 16) - 8);
        LO = IntVector.fromArray(I, t, 0);
        HI = I.length() == 16 ? LO : IntVector.fromArray(I, t, I.length());
    }

    private Q4_0X4MatVec() {
    }

    private static float dot(MemorySegment w, long off, float[] x, int xOff, int cols) {
        return Simd.WIDE ? dot512(w, off, x, xOff, cols) : dot256(w, off, x, xOff, cols);
    }

    /** Columns from which x (4 bytes each) no longer fits a 32 KiB L1 data cache. */
    static final int L1_COLS = 8192;

    /**
     * Whether {@link #matVecRowQuads} is the faster kernel: where x outgrows L1, four rows at a
     * time, so each x vector loaded serves all four. The 4096 x 14336 FFN-down matrix (x = 56 KiB)
     * ran at 1.25 ns per block one row at a time, 0.93 two at a time and 0.78-0.84 four at a time
     * (eight: past C2's inlining budget, 3.7). With x in L1 four rows at a time is no faster than
     * one (0.70 against 0.67-0.75 on the 14336 x 4096 matrices). Splitting the columns into
     * L1-sized blocks instead measured slower than all of them (1.5 ns).
     */
    static boolean prefersRowQuads(int cols) {
        return Simd.WIDE && cols >= L1_COLS;
    }

    /**
     * out[r] = row r . x for rows [start, end), one row at a time. Callers pick this or
     * {@link #matVecRowQuads} per matrix and never call both from one place: C2 would inline both
     * kernels into one method, past its node budget, and leave Vector API calls out of line
     * (measured: 4x slower).
     */
    static void matVec(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        for (int r = start; r < end; r++) out[r] = dot(w, r * rowBytes, x, xOff, cols);
    }

    /** As {@link #matVec}, four rows at a time (512-bit vectors only); the last rows of a range one at a time. */
    static void matVecRowQuads(MemorySegment w, long rowBytes, int start, int end, float[] x, int xOff, int cols, float[] out) {
        for (int r = start; r < end; ) {
            int n = end - r >= 4 ? 4 : 1; // one call site, so C2 inlines the kernel once
            dot512x4(w, r * rowBytes, n == 4 ? rowBytes : 0, x, xOff, cols, out, r, r + n - 1);
            r += n;
        }
    }

    /**
     * Rows at off, off + rowBytes, ... (four) into out[r..last]; one block of each per iteration.
     * With rowBytes = 0 and last = r it computes one row.
     */
    private static void dot512x4(MemorySegment w, long off, long rowBytes, float[] x, int xOff, int cols, float[] out, int r, int last) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < cols / 32; b++) {
            long g = off + GROUP_BYTES * (b >> 2);
            int shift = 8 * (b & 3);
            int xo = xOff + 32 * b;
            FloatVector lo = FloatVector.fromArray(F, x, xo), hi = FloatVector.fromArray(F, x, xo + 16);
            a0 = block(w, g, b, shift, lo, hi, a0);
            a1 = block(w, g + rowBytes, b, shift, lo, hi, a1);
            a2 = block(w, g + 2 * rowBytes, b, shift, lo, hi, a2);
            a3 = block(w, g + 3 * rowBytes, b, shift, lo, hi, a3);
        }
        out[r] = a0.reduceLanes(VectorOperators.ADD);
        out[Math.min(r + 1, last)] = a1.reduceLanes(VectorOperators.ADD);
        out[Math.min(r + 2, last)] = a2.reduceLanes(VectorOperators.ADD);
        out[Math.min(r + 3, last)] = a3.reduceLanes(VectorOperators.ADD);
    }

    /** acc + scale x (block b of the group at g) . (lo, hi): the block's 32 weights are nibbles shift/4 and shift/4 + 1. */
    private static FloatVector block(MemorySegment w, long g, int b, int shift, FloatVector lo, FloatVector hi, FloatVector acc) {
        IntVector v = IntVector.fromMemorySegment(I, w, g, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, shift);
        return lookup(v, 4).fma(hi, lookup(v, 0).mul(lo)).fma(FloatVector.broadcast(F, w.get(SCALE, g + SCALES + 4 * (b & 3))), acc);
    }

    /** Weights (q - 8) of nibble {@code shift / 4} of every lane. */
    private static FloatVector lookup(IntVector quants, int shift) {
        return quants.lanewise(VectorOperators.LSHR, shift).selectFrom(LO, HI).reinterpretAsFloats();
    }

    /**
     * Two blocks (half a group) per iteration, each into its own accumulator. A whole group per
     * iteration measured ~15% faster in isolation, but its loop body sits at C2's inlining node
     * budget: in some call contexts part of the Vector API calls were left out of line (vectors
     * boxed, 2-20x slower). Half the body keeps well clear of it.
     */
    private static float dot512(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int p = 0; p < cols / 64; p++) {
            long go = off + GROUP_BYTES * (p >> 1);
            int half = p & 1;
            int xo = xOff + 64 * p;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN).lanewise(VectorOperators.LSHR, 16 * half);
            a0 = lookup(v, 4).fma(FloatVector.fromArray(F, x, xo + 16), lookup(v, 0).mul(FloatVector.fromArray(F, x, xo)))
                    .fma(FloatVector.broadcast(F, w.get(SCALE, go + SCALES + 8 * half)), a0);
            a1 = lookup(v, 12).fma(FloatVector.fromArray(F, x, xo + 48), lookup(v, 8).mul(FloatVector.fromArray(F, x, xo + 32)))
                    .fma(FloatVector.broadcast(F, w.get(SCALE, go + 68 + 8 * half)), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** (q - 8) of nibble {@code shift / 4}, 8 lanes: mask, offset and convert. */
    private static FloatVector weights256(IntVector quants, int shift) {
        return (FloatVector) quants.lanewise(VectorOperators.LSHR, shift).and(0xF).sub(8).convertShape(VectorOperators.I2F, F, 0);
    }

    /**
     * 8 lanes: the group's first 32 bytes hold weights 0..7 and 16..23 of each block, the second
     * 32 bytes weights 8..15 and 24..31. One block per iteration keeps the compiled loop small.
     */
    private static float dot256(MemorySegment w, long off, float[] x, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long go = off + GROUP_BYTES * (b >> 2);
            int shift = 8 * (b & 3);
            int xo = xOff + 32 * b;
            IntVector v0 = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            IntVector v1 = IntVector.fromMemorySegment(I, w, go + 32, ByteOrder.LITTLE_ENDIAN);
            FloatVector d = FloatVector.broadcast(F, w.get(SCALE, go + SCALES + 4 * (b & 3)));
            a0 = weights256(v1, shift).fma(FloatVector.fromArray(F, x, xo + 8), weights256(v0, shift).mul(FloatVector.fromArray(F, x, xo)))
                    .fma(d, a0);
            a1 = weights256(v1, shift + 4).fma(FloatVector.fromArray(F, x, xo + 24), weights256(v0, shift + 4).mul(FloatVector.fromArray(F, x, xo + 16)))
                    .fma(d, a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** Dequantizes a row into dst (for the prefill matmul, which reuses it for every token). */
    static void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int lanes = I.length();
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + GROUP_BYTES * g;
            for (int half = 0; half < 16 / lanes; half++) {
                IntVector v = IntVector.fromMemorySegment(I, w, go + 4L * lanes * half, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < 8; k++) {
                    float d = w.get(SCALE, go + SCALES + 4L * (k / 2));
                    FloatVector q = Simd.WIDE ? lookup(v, 4 * k) : weights256(v, 4 * k);
                    q.mul(d).intoArray(dst, dstOff + GROUP * g + 16 * k + lanes * half);
                }
            }
        }
    }
}
