package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.TensorType;
import mistral.tasks.kernels.Q4_0X4;

import static mistral.tasks.java.Simd.F;
import static mistral.tasks.kernels.Q4_0X4.GROUP;
import static mistral.tasks.kernels.Q4_0X4.GROUP_BYTES;
import static mistral.tasks.kernels.Q4_0X4.SCALES;

/**
 * Matvec over regrouped Q4_0 ({@link mistral.tasks.kernels.Q4_0X4}: per 128 weights, 64 bytes of
 * quants whose nibble k of every 32-bit lane is one 16-weight vector, and 4 float scales) against
 * the activation in the same order ({@link mistral.tasks.kernels.Q4_0X4#permute}). A weight vector
 * is one shift and one table lookup: the lanes index a 16-entry table of (q - 8) as floats, which
 * replaces mask, convert and the -8 offset (vpermi2ps uses only the low index bits, and the Vector
 * API's two-table selectFrom wraps the index the same way). The group's 8 products are summed
 * before one FMA with the scales spread over the lanes (lane i: block i / 4).
 * Measured on this project's 2-vCPU AVX-512 VM, x 64-byte aligned for both, one process: 14336 x
 * 4096 from DRAM 1.0 ns per 32-weight block on one thread and 0.50 on two, against 1.85 and 0.92
 * for the previous layout (byte-interleaved blocks, one scale FMA per block).
 * Without AVX-512 the lookup is not a single instruction, so 256-bit vectors mask and convert
 * instead (tested with -XX:UseAVX=2).
 */
final class Q4_0X4MatVec {
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** Table halves for selectFrom(lo, hi): the index wraps modulo 2 x lanes. */
    private static final IntVector LO, HI;
    /**
     * Indexes that spread the scales in the last lanes of a vector over all lanes, scale s to lanes
     * 4s..4s+3: 512 bits take the group's 4 scales from lanes 12-15, 256 bits a half group's 2 from
     * lanes 6-7. A two-table selectFrom, as the lookups: C2 compiled a rearrange by a constant
     * shuffle to slow code in some runs.
     */
    private static final IntVector SPREAD;

    static {
        int[] t = new int[32];
        for (int i = 0; i < 32; i++) t[i] = Float.floatToRawIntBits((i % 16) - 8);
        LO = IntVector.fromArray(I, t, 0);
        HI = I.length() == 16 ? LO : IntVector.fromArray(I, t, I.length());
        int n = I.length(), scales = n / 4;
        SPREAD = IntVector.fromArray(I, java.util.stream.IntStream.range(0, n).map(i -> n - scales + i / 4).toArray(), 0);
    }

    private Q4_0X4MatVec() {
    }

    /**
     * out[r] = row r . x for rows [start, end), one row at a time and, for rows wider than
     * {@link mistral.tasks.kernels.Q4_0X4#COLUMN_BLOCK}, one column block at a time (x's block stays
     * in L1 while the rows stream by). xp is x in the layout's order
     * ({@link mistral.tasks.kernels.Q4_0X4#permute}), 64-byte aligned: a 512-bit load of x that
     * straddles two cache lines made the whole matvec 2.3x slower, in the runs where a heap array
     * happened to land so. With 256-bit vectors xp is {@link #prepareNarrow prepared} and bias holds
     * its half groups' -8 terms.
     */
    static void matVec(MemorySegment w, int rows, int cols, int start, int end, MemorySegment xp, MemorySegment bias, float[] out) {
        for (int c = 0; c < cols; c += Q4_0X4.COLUMN_BLOCK) {
            int n = Math.min(Q4_0X4.COLUMN_BLOCK, cols - c);
            long rowBytes = TensorType.Q4_0_X4.bytesFor(n), block = Q4_0X4.groupOffset(rows, cols, 0, c / GROUP);
            for (int r = start; r < end; r++) {
                float d = Simd.WIDE ? dot512(w, block + r * rowBytes, xp, c, n) : dot256(w, block + r * rowBytes, xp, bias, c, n);
                out[r] = c == 0 ? d : out[r] + d;
            }
        }
    }

    /** Weights (q - 8) of nibble {@code shift / 4} of every lane. */
    private static FloatVector lookup(IntVector quants, int shift) {
        return quants.lanewise(VectorOperators.LSHR, shift).selectFrom(LO, HI).reinterpretAsFloats();
    }

    /** 16 floats of x from float offset xo. */
    private static FloatVector x(MemorySegment xp, int xo) {
        return FloatVector.fromMemorySegment(F, xp, 4L * xo, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The scales of part p of the group at g (p = 0 for 512 bits; halves p = 0, 1 for 256), scale
     * s of the part in lanes 4s..4s+3: the part's lanes / 4 scales end the vector read here.
     */
    private static FloatVector scales(MemorySegment w, long g, int part) {
        int n = I.length();
        IntVector last = IntVector.fromMemorySegment(I, w, g + SCALES + (long) n * (part + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
        return SPREAD.selectFrom(last, last).reinterpretAsFloats();
    }

    /** One group per iteration: 8 weight vectors into two partial sums, then one FMA with the scales. */
    private static float dot512(MemorySegment w, long off, MemorySegment xp, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g;
            int xo = xOff + GROUP * g;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            FloatVector t0 = lookup(v, 0).mul(x(xp, xo));
            FloatVector t1 = lookup(v, 4).mul(x(xp, xo + 16));
            t0 = lookup(v, 8).fma(x(xp, xo + 32), t0);
            t1 = lookup(v, 12).fma(x(xp, xo + 48), t1);
            t0 = lookup(v, 16).fma(x(xp, xo + 64), t0);
            t1 = lookup(v, 20).fma(x(xp, xo + 80), t1);
            t0 = lookup(v, 24).fma(x(xp, xo + 96), t0);
            t1 = lookup(v, 28).fma(x(xp, xo + 112), t1);
            FloatVector d = scales(w, go, 0);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /** (q - 8) of nibble {@code shift / 4}, 8 lanes: mask, offset and convert (the prefill's dequantization). */
    private static FloatVector weights256(IntVector quants, int shift) {
        return (FloatVector) quants.lanewise(VectorOperators.LSHR, shift).and(0xF).sub(8).convertShape(VectorOperators.I2F, F, 0);
    }

    /**
     * q x 16^k of nibble k < 7 in place, 8 lanes: one mask and one convert. The value is exact in a
     * float (4 significant bits, below 2^31), and x was scaled by 16^-k to match
     * ({@link #prepareNarrow}), so each product is q x exactly as with a shifted nibble.
     */
    private static FloatVector nibbleInPlace(IntVector quants, int k) {
        return (FloatVector) quants.and(0xF << (4 * k)).convertShape(VectorOperators.I2F, F, 0);
    }

    /** The top nibble (k = 7): a shift leaves it alone in the lane, and stays positive. */
    private static FloatVector topNibble(IntVector quants) {
        return (FloatVector) quants.lanewise(VectorOperators.LSHR, 28).convertShape(VectorOperators.I2F, F, 0);
    }

    /**
     * For the 256-bit kernel: scales x's 16-float chunk k of every group by 16^-k (k < 7; powers of
     * two, so exact), after writing each half group's -8 sum(x) per lane into bias (8 floats a half
     * group): the (q - 8) offset becomes one add per half group instead of a subtract per nibble.
     * Without AVX-512 a nibble costs shift, mask, subtract and convert; this leaves mask and convert.
     */
    static void prepareNarrow(float[] xp, int cols, float[] bias) {
        for (int g = 0; g < cols / GROUP; g++) {
            int base = GROUP * g;
            for (int h = 0; h < 2; h++) {
                for (int j = 0; j < 8; j++) {
                    float s = 0;
                    for (int k = 0; k < 8; k++) s += xp[base + 16 * k + 8 * h + j];
                    bias[(2 * g + h) * 8 + j] = -8 * s;
                }
            }
            for (int k = 0; k < 7; k++) {
                float scale = Math.scalb(1f, -4 * k);
                for (int i = 0; i < 16; i++) xp[base + 16 * k + i] *= scale;
            }
        }
    }

    /**
     * 8 lanes: half h of a group (lanes 8h..8h+7 of the 512-bit view) holds blocks 2h and 2h + 1,
     * so its scales are the pair at SCALES + 8h. One half group per iteration keeps the compiled
     * loop small. xp is prepared by {@link #prepareNarrow}; the half group's bias starts the sum.
     */
    private static float dot256(MemorySegment w, long off, MemorySegment xp, MemorySegment bias, int xOff, int cols) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
        long firstHalf = xOff / 64;
        for (int p = 0; p < cols / 64; p++) {
            int h = p & 1;
            long go = off + (long) GROUP_BYTES * (p >> 1);
            int xo = xOff + GROUP * (p >> 1) + 8 * h;
            IntVector v = IntVector.fromMemorySegment(I, w, go + 32L * h, ByteOrder.LITTLE_ENDIAN);
            FloatVector t0 = nibbleInPlace(v, 0).fma(x(xp, xo), FloatVector.fromMemorySegment(F, bias, 32L * (firstHalf + p), ByteOrder.LITTLE_ENDIAN));
            FloatVector t1 = nibbleInPlace(v, 1).mul(x(xp, xo + 16));
            t0 = nibbleInPlace(v, 2).fma(x(xp, xo + 32), t0);
            t1 = nibbleInPlace(v, 3).fma(x(xp, xo + 48), t1);
            t0 = nibbleInPlace(v, 4).fma(x(xp, xo + 64), t0);
            t1 = nibbleInPlace(v, 5).fma(x(xp, xo + 80), t1);
            t0 = nibbleInPlace(v, 6).fma(x(xp, xo + 96), t0);
            t1 = topNibble(v).fma(x(xp, xo + 112), t1);
            FloatVector d = scales(w, go, h);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Dequantizes a row into dst in the lanes' order (for the prefill matmul, which reuses it for
     * every token and multiplies it with x in the same order, {@link mistral.tasks.kernels.Q4_0X4#permute}):
     * each weight vector times its lanes' scales, stored as it comes out of the register.
     */
    static void dequantizeLaneOrder(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        long rows = Q4_0X4.rows(w, cols), r = off / TensorType.Q4_0_X4.bytesFor(cols);
        int n = I.length();
        for (int g = 0; g < cols / GROUP; g++) {
            long go = Q4_0X4.groupOffset(rows, cols, r, g);
            for (int part = 0; part < 16 / n; part++) {
                IntVector v = IntVector.fromMemorySegment(I, w, go + 4L * n * part, ByteOrder.LITTLE_ENDIAN);
                FloatVector d = scales(w, go, part);
                for (int k = 0; k < 8; k++) {
                    FloatVector q = Simd.WIDE ? lookup(v, 4 * k) : weights256(v, 4 * k);
                    q.mul(d).intoArray(dst, dstOff + GROUP * g + 16 * k + n * part);
                }
            }
        }
    }
}
