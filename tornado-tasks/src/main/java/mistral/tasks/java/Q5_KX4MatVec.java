package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.TensorType;
import mistral.tasks.kernels.DequantLayouts;
import mistral.tasks.kernels.Q4_0X4;
import mistral.tasks.kernels.Q5_KX4;

import static mistral.tasks.java.Q4_0X4MatVec.SPREAD;
import static mistral.tasks.java.Q4_0X4MatVec.SPREAD0;
import static mistral.tasks.java.Q4_0X4MatVec.store;
import static mistral.tasks.java.Simd.F;
import static mistral.tasks.kernels.Q5_KX4.FIFTH;
import static mistral.tasks.kernels.Q5_KX4.GROUP;
import static mistral.tasks.kernels.Q5_KX4.GROUP_BYTES;
import static mistral.tasks.kernels.Q5_KX4.MINS;
import static mistral.tasks.kernels.Q5_KX4.SCALES;

/**
 * Matvec over regrouped Q5_K ({@link Q5_KX4}, Q4_0_X4's lane order) against x in the same order,
 * scaled for fields masked in place ({@link Q4_0X4MatVec#scaleForNibblesInPlace}) at both widths,
 * and -sum(x) per lane: {@link Q4_KX4MatVec}'s 256-bit kernel with 5-bit fields. Per half group,
 * the fifth-bit int of the even nibbles ({@link Q5_KX4}) goes to every lane of the half, each lane
 * shifts it right by its index in the half and masks bits 0, 8, 16 and 24, which shifted to bit 4
 * and or-ed into the even nibbles masked in place make byte j the 5-bit q of nibble 2j. The same
 * for the odd nibbles. Each weight vector is then one mask (0x1F << 8j) and one convert.
 */
final class Q5_KX4MatVec {
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** The masks 0x1F << 8j, j < 4, from an array so that C2 keeps them in registers (see Q4_0X4MatVec's nibble masks). */
    private static final int[] FIELD_MASKS = {0x1F, 0x1F00, 0x1F0000, 0x1F000000};

    /**
     * Parts per group of the two-row loop (1 for 512 bits), from a field C2 does not fold: with a
     * constant trip count C2 unrolls the part loop, and two rows' values for both parts spill.
     */
    private static int partsPerGroup = 16 / I.length();
    /** Each lane's index in its half group: how far its fifth bits sit from bits 0, 8, 16 and 24. */
    private static final IntVector LANE_IN_HALF;
    /**
     * For part p (the group's lanes n p..n p + n - 1 of n-lane vectors), the index of each lane's
     * even (and odd) fifth-bit int among the group's 4, as loaded by one 128-bit load.
     */
    private static final IntVector[] EVEN_INT, ODD_INT;
    /** Part 0's, in fields for the 512-bit loop (one part a group), whose constants C2 then folds. */
    private static final IntVector EVEN_INT_0, ODD_INT_0;

    static {
        int n = I.length(), parts = 16 / n;
        LANE_IN_HALF = IntVector.fromArray(I, java.util.stream.IntStream.range(0, n).map(l -> l % 8).toArray(), 0);
        EVEN_INT = new IntVector[parts];
        ODD_INT = new IntVector[parts];
        for (int p = 0; p < parts; p++) {
            int part = p;
            EVEN_INT[p] = IntVector.fromArray(I, java.util.stream.IntStream.range(0, n).map(l -> Q5_KX4.fifthInt(n * part + l, 0)).toArray(), 0);
            ODD_INT[p] = IntVector.fromArray(I, java.util.stream.IntStream.range(0, n).map(l -> Q5_KX4.fifthInt(n * part + l, 1)).toArray(), 0);
        }
        EVEN_INT_0 = EVEN_INT[0];
        ODD_INT_0 = ODD_INT[0];
    }

    private Q5_KX4MatVec() {
    }

    /**
     * out[r] = row r . x for rows [start, end): in {@link RowPairs} (two rows per loop with 512-bit
     * vectors, one after the other with 256-bit ones) and one column block at a time, as
     * {@link Q4_KX4MatVec#matVec}; xp and negSums as there, xp scaled at both widths.
     */
    static void matVec(MemorySegment w, int rows, int cols, int start, int end, MemorySegment xp, MemorySegment negSums, float[] out) {
        int half = RowPairs.half(start, end);
        for (int c = 0; c < cols; c += Q4_0X4.COLUMN_BLOCK) {
            int n = Math.min(Q4_0X4.COLUMN_BLOCK, cols - c);
            long rowBytes = TensorType.Q5_K_X4.bytesFor(n), block = Q5_KX4.groupOffset(rows, cols, 0, c / GROUP);
            for (int a = start; a < start + half; a++) {
                int b = RowPairs.partner(a, half, end);
                if (Simd.WIDE) {
                    dotRows2(w, block + a * rowBytes, block + b * rowBytes, xp, negSums, c, n, out, a, b, c == 0);
                } else {
                    store(out, a, dot256(w, block + a * rowBytes, xp, negSums, c, n), c == 0);
                    if (b != a) store(out, b, dot256(w, block + b * rowBytes, xp, negSums, c, n), c == 0);
                }
            }
        }
    }

    /**
     * Rows a and b against x from float xOff with 512-bit vectors (one part a group), each x load
     * shared, one FMA chain per row, then one FMA with the spread scales and one with the spread
     * mins and -sum(x); b == a stores once. The group's 4 fifth-bit ints come in one 128-bit load
     * and a permute each for the even and the odd nibbles. Every Vector API call is written out
     * (helpers fail C2's parse-time inlining cutoff here).
     */
    private static void dotRows2(MemorySegment w, long offA, long offB, MemorySegment xp, MemorySegment negSums, int xOff, int cols,
                                 float[] out, int a, int b, boolean first) {
        IntVector m0 = IntVector.broadcast(I, FIELD_MASKS[0]), m1 = IntVector.broadcast(I, FIELD_MASKS[1]);
        IntVector m2 = IntVector.broadcast(I, FIELD_MASKS[2]), m3 = IntVector.broadcast(I, FIELD_MASKS[3]);
        FloatVector sumA = FloatVector.zero(F), sumB = sumA;
        int n = I.length(), parts = partsPerGroup;
        long xb = 4L * xOff, sb = 4L * (xOff / 8);
        for (int g = 0; g < cols / GROUP; g++) {
            long ga = offA + (long) GROUP_BYTES * g, gb = offB + (long) GROUP_BYTES * g, xo = xb + 4L * GROUP * g, so = sb + 64L * g;
            for (int p = 0; p < parts; p++) {
                long part = 4L * n * p;
                IntVector v = IntVector.fromMemorySegment(I, w, ga + part, ByteOrder.LITTLE_ENDIAN);
                IntVector u = IntVector.fromMemorySegment(I, w, gb + part, ByteOrder.LITTLE_ENDIAN);
                IntVector fa = (IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, ga + FIFTH, ByteOrder.LITTLE_ENDIAN).reinterpretShape(I, 0);
                IntVector fb = (IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, gb + FIFTH, ByteOrder.LITTLE_ENDIAN).reinterpretShape(I, 0);
                long xh = xo + part;
                IntVector qa = v.and(0x0F0F0F0F).or(EVEN_INT_0.selectFrom(fa).lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
                IntVector qb = u.and(0x0F0F0F0F).or(EVEN_INT_0.selectFrom(fb).lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
                FloatVector x = FloatVector.fromMemorySegment(F, xp, xh, ByteOrder.LITTLE_ENDIAN);
                FloatVector t = ((FloatVector) qa.and(m0).convertShape(VectorOperators.I2F, F, 0)).mul(x);
                FloatVector s = ((FloatVector) qb.and(m0).convertShape(VectorOperators.I2F, F, 0)).mul(x);
                x = FloatVector.fromMemorySegment(F, xp, xh + 128, ByteOrder.LITTLE_ENDIAN);
                t = ((FloatVector) qa.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(x, t);
                s = ((FloatVector) qb.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(x, s);
                x = FloatVector.fromMemorySegment(F, xp, xh + 256, ByteOrder.LITTLE_ENDIAN);
                t = ((FloatVector) qa.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(x, t);
                s = ((FloatVector) qb.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(x, s);
                x = FloatVector.fromMemorySegment(F, xp, xh + 384, ByteOrder.LITTLE_ENDIAN);
                t = ((FloatVector) qa.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(x, t);
                s = ((FloatVector) qb.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(x, s);
                qa = v.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(ODD_INT_0.selectFrom(fa).lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
                qb = u.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(ODD_INT_0.selectFrom(fb).lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
                x = FloatVector.fromMemorySegment(F, xp, xh + 64, ByteOrder.LITTLE_ENDIAN);
                t = ((FloatVector) qa.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(x, t);
                s = ((FloatVector) qb.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(x, s);
                x = FloatVector.fromMemorySegment(F, xp, xh + 192, ByteOrder.LITTLE_ENDIAN);
                t = ((FloatVector) qa.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(x, t);
                s = ((FloatVector) qb.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(x, s);
                x = FloatVector.fromMemorySegment(F, xp, xh + 320, ByteOrder.LITTLE_ENDIAN);
                t = ((FloatVector) qa.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(x, t);
                s = ((FloatVector) qb.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(x, s);
                x = FloatVector.fromMemorySegment(F, xp, xh + 448, ByteOrder.LITTLE_ENDIAN);
                t = ((FloatVector) qa.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(x, t);
                s = ((FloatVector) qb.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(x, s);
                FloatVector ns = FloatVector.fromMemorySegment(F, negSums, so + part, ByteOrder.LITTLE_ENDIAN);
                IntVector scA = IntVector.fromMemorySegment(I, w, ga + SCALES + (long) n * (p + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                IntVector scB = IntVector.fromMemorySegment(I, w, gb + SCALES + (long) n * (p + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                IntVector mnA = IntVector.fromMemorySegment(I, w, ga + MINS + (long) n * (p + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                IntVector mnB = IntVector.fromMemorySegment(I, w, gb + MINS + (long) n * (p + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                sumA = t.fma(SPREAD.selectFrom(scA, scA).reinterpretAsFloats(), sumA);
                sumB = s.fma(SPREAD.selectFrom(scB, scB).reinterpretAsFloats(), sumB);
                sumA = ns.fma(SPREAD.selectFrom(mnA, mnA).reinterpretAsFloats(), sumA);
                sumB = ns.fma(SPREAD.selectFrom(mnB, mnB).reinterpretAsFloats(), sumB);
            }
        }
        store(out, a, sumA.reduceLanes(VectorOperators.ADD), first);
        if (b != a) store(out, b, sumB.reduceLanes(VectorOperators.ADD), first);
    }


    /**
     * One row against x with 256-bit vectors (two parts a group), the arithmetic of
     * {@link #dotRows2}: the two-row loop read DRAM slower on an Intel Xeon host (see
     * {@link Q4_0X4MatVec}'s 256-bit kernel). Both parts are written out, the group's 4 scales and
     * 4 mins read once each (as the last 4 lanes of 32 bytes) and spread by a constant permute per
     * part: 8.2-8.7 GB/s against 6.8-7.3 for a two-trip loop over the parts with a load of each
     * part's pair (14336 x 4096 from DRAM, 2 threads, -XX:UseAVX=2, alternating processes, Intel
     * Xeon host).
     */
    private static float dot256(MemorySegment w, long off, MemorySegment xp, MemorySegment negSums, int xOff, int cols) {
        IntVector m0 = IntVector.broadcast(I, FIELD_MASKS[0]), m1 = IntVector.broadcast(I, FIELD_MASKS[1]);
        IntVector m2 = IntVector.broadcast(I, FIELD_MASKS[2]), m3 = IntVector.broadcast(I, FIELD_MASKS[3]);
        FloatVector sum = FloatVector.zero(F);
        long xb = 4L * xOff, sb = 4L * (xOff / 8);
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g, xo = xb + 4L * GROUP * g, so = sb + 64L * g;
            IntVector sc = IntVector.fromMemorySegment(I, w, go + SCALES + 16 - 32, ByteOrder.LITTLE_ENDIAN);
            IntVector mn = IntVector.fromMemorySegment(I, w, go + MINS + 16 - 32, ByteOrder.LITTLE_ENDIAN);
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            IntVector f = IntVector.broadcast(I, w.get(DequantLayouts.INT, go + FIFTH));
            long xh = xo;
            IntVector q = v.and(0x0F0F0F0F).or(f.lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
            FloatVector t = ((FloatVector) q.and(m0).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.fromMemorySegment(F, xp, xh, ByteOrder.LITTLE_ENDIAN));
            t = ((FloatVector) q.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 128, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 256, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 384, ByteOrder.LITTLE_ENDIAN), t);
            f = IntVector.broadcast(I, w.get(DequantLayouts.INT, go + FIFTH + 4));
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(f.lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
            t = ((FloatVector) q.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 64, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 192, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 320, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 448, ByteOrder.LITTLE_ENDIAN), t);
            FloatVector ns = FloatVector.fromMemorySegment(F, negSums, so, ByteOrder.LITTLE_ENDIAN);
            sum = t.fma(SPREAD0.selectFrom(sc, sc).reinterpretAsFloats(), sum);
            sum = ns.fma(SPREAD0.selectFrom(mn, mn).reinterpretAsFloats(), sum);
            v = IntVector.fromMemorySegment(I, w, go + 32, ByteOrder.LITTLE_ENDIAN);
            f = IntVector.broadcast(I, w.get(DequantLayouts.INT, go + FIFTH + 8));
            xh = xo + 32;
            q = v.and(0x0F0F0F0F).or(f.lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
            t = ((FloatVector) q.and(m0).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.fromMemorySegment(F, xp, xh, ByteOrder.LITTLE_ENDIAN));
            t = ((FloatVector) q.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 128, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 256, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 384, ByteOrder.LITTLE_ENDIAN), t);
            f = IntVector.broadcast(I, w.get(DequantLayouts.INT, go + FIFTH + 12));
            q = v.lanewise(VectorOperators.LSHR, 4).and(0x0F0F0F0F).or(f.lanewise(VectorOperators.LSHR, LANE_IN_HALF).and(0x01010101).lanewise(VectorOperators.LSHL, 4));
            t = ((FloatVector) q.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 64, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 192, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 320, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) q.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 448, ByteOrder.LITTLE_ENDIAN), t);
            ns = FloatVector.fromMemorySegment(F, negSums, so + 32, ByteOrder.LITTLE_ENDIAN);
            sum = t.fma(SPREAD.selectFrom(sc, sc).reinterpretAsFloats(), sum);
            sum = ns.fma(SPREAD.selectFrom(mn, mn).reinterpretAsFloats(), sum);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Dequantizes a row into dst in the lanes' order (for the prefill matmul, which multiplies it
     * with x permuted the same way, unscaled): each weight vector of q times its lanes' scales minus their mins.
     */
    static void dequantizeLaneOrder(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        long rows = Q5_KX4.rows(w, cols), r = off / TensorType.Q5_K_X4.bytesFor(cols);
        int n = I.length();
        for (int g = 0; g < cols / GROUP; g++) {
            long go = Q5_KX4.groupOffset(rows, cols, r, g);
            for (int part = 0; part < 16 / n; part++) {
                IntVector v = IntVector.fromMemorySegment(I, w, go + 4L * n * part, ByteOrder.LITTLE_ENDIAN);
                IntVector fifths = (IntVector) IntVector.fromMemorySegment(IntVector.SPECIES_128, w, go + FIFTH, ByteOrder.LITTLE_ENDIAN).reinterpretShape(I, 0);
                IntVector even = EVEN_INT[part].selectFrom(fifths).lanewise(VectorOperators.LSHR, LANE_IN_HALF);
                IntVector odd = ODD_INT[part].selectFrom(fifths).lanewise(VectorOperators.LSHR, LANE_IN_HALF);
                IntVector sc = IntVector.fromMemorySegment(I, w, go + SCALES + (long) n * (part + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                IntVector mn = IntVector.fromMemorySegment(I, w, go + MINS + (long) n * (part + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                FloatVector d = SPREAD.selectFrom(sc, sc).reinterpretAsFloats(), m = SPREAD.selectFrom(mn, mn).reinterpretAsFloats().neg();
                for (int k = 0; k < 8; k += 2) { // nibbles 2j and 2j + 1 take their fifth bits from bit 8j of even and odd
                    IntVector q = v.lanewise(VectorOperators.LSHR, 4 * k).and(0xF)
                            .or(even.lanewise(VectorOperators.LSHR, 4 * k).and(1).lanewise(VectorOperators.LSHL, 4));
                    ((FloatVector) q.convertShape(VectorOperators.I2F, F, 0)).fma(d, m).intoArray(dst, dstOff + GROUP * g + 16 * k + n * part);
                    q = v.lanewise(VectorOperators.LSHR, 4 * k + 4).and(0xF)
                            .or(odd.lanewise(VectorOperators.LSHR, 4 * k).and(1).lanewise(VectorOperators.LSHL, 4));
                    ((FloatVector) q.convertShape(VectorOperators.I2F, F, 0)).fma(d, m).intoArray(dst, dstOff + GROUP * g + 16 * k + 16 + n * part);
                }
            }
        }
    }
}
