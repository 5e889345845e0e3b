package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import mistral.tasks.TensorType;
import mistral.tasks.kernels.Q4_0X4;
import mistral.tasks.kernels.Q4_KX4;

import static mistral.tasks.java.Q4_0X4MatVec.SPREAD;
import static mistral.tasks.java.Q4_0X4MatVec.store;
import static mistral.tasks.java.Simd.F;
import static mistral.tasks.kernels.Q4_KX4.GROUP;
import static mistral.tasks.kernels.Q4_KX4.GROUP_BYTES;
import static mistral.tasks.kernels.Q4_KX4.MINS;
import static mistral.tasks.kernels.Q4_KX4.SCALES;
import static mistral.tasks.kernels.Q4_KX4.S8_GROUP_BYTES;
import static mistral.tasks.kernels.Q4_KX4.S8_SCALES;

/**
 * Matvec over regrouped Q4_K ({@link Q4_KX4}, Q4_0_X4's lane order with scales and mins) against
 * x in the same order ({@link Q4_0X4#permute}): {@link Q4_0X4MatVec}'s kernels, with q itself in
 * the lookup table (512 bits, {@link TensorType#Q4_K_X4}) or masked in place (256 bits,
 * {@link TensorType#Q4_K_X4_S8}), the group's products scaled once by the scales spread over the
 * lanes, and the mins taken out with one more FMA: the spread mins times -sum(x) per lane
 * ({@link Q4_0X4MatVec#laneSums}, the same for every row). Q4_K_X4_S8's scales and mins come from
 * the group's 8 bytes widened to floats and multiplied by d and dmin (one vector
 * [d * scale_0..3, dmin * min_0..3]), then spread over the lanes by a permute each.
 */
final class Q4_KX4MatVec {
    private static final VectorSpecies<Integer> I = Simd.WIDE ? IntVector.SPECIES_512 : IntVector.SPECIES_256;
    /** A Q4_K_X4_S8 group's 8 scale and min bytes (and, for 512 bits, d and dmin's 8 bytes, unused): one byte a float lane. */
    private static final VectorSpecies<Byte> B = Simd.WIDE ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /**
     * Indexes into the group's last I.length() ints (d and dmin in the last two lanes): d for lanes
     * 0-3, dmin for lanes 4-7, so that the widened bytes times them are the group's scales and mins.
     */
    private static final IntVector DD;
    /**
     * Indexes that spread those 4 scales (lanes 0-3) and 4 mins (lanes 4-7) over a part's lanes,
     * sub-block b's to lanes 4b..4b+3: the whole group for 512 bits (part 0), a half group of 2
     * sub-blocks for 256 bits (parts 0 and 1).
     */
    private static final IntVector SCALES0, SCALES1, MINS0, MINS1;
    /** q = 0..15 as floats: the 512-bit lookup table (both halves of selectFrom's two-vector table). */
    private static final IntVector Q;

    static {
        int n = I.length();
        Q = IntVector.fromArray(I, java.util.stream.IntStream.range(0, n).map(i -> Float.floatToRawIntBits(i % 16)).toArray(), 0);
        DD = indexes(l -> l >= 4 && l < 8 ? n - 1 : n - 2);
        SCALES0 = indexes(l -> l / 4);
        SCALES1 = indexes(l -> (n / 4 + l / 4) % n);
        MINS0 = indexes(l -> 4 + l / 4);
        MINS1 = indexes(l -> (4 + n / 4 + l / 4) % n);
    }

    private static IntVector indexes(java.util.function.IntUnaryOperator lane) {
        return IntVector.fromArray(I, java.util.stream.IntStream.range(0, I.length()).map(lane).toArray(), 0);
    }

    private Q4_KX4MatVec() {
    }

    /** The layout {@link #matVec} reads with this JVM's vectors. */
    static TensorType layout() {
        return Simd.WIDE ? TensorType.Q4_K_X4 : TensorType.Q4_K_X4_S8;
    }

    /**
     * out[r] = row r . x for rows [start, end): in {@link RowPairs} (one loop over both rows of a
     * pair with 512-bit vectors, one after the other with 256-bit ones) and one column block at a
     * time, as {@link Q4_0X4MatVec#matVec}. xp is x in the lanes' order, 64-byte
     * aligned; with 256-bit vectors scaled for masking in place ({@link Q4_0X4MatVec#scaleForNibblesInPlace}).
     * negSums holds -sum(x) per lane, 16 floats a group. The layout must be this width's ({@link #layout}).
     */
    static void matVec(MemorySegment w, TensorType type, int rows, int cols, int start, int end, MemorySegment xp, MemorySegment negSums, float[] out) {
        if (type != layout()) {
            throw new IllegalArgumentException(type + " is not the Q4_K layout of " + F.vectorBitSize() + "-bit vectors (" + layout() + ")");
        }
        int half = RowPairs.half(start, end);
        for (int c = 0; c < cols; c += Q4_0X4.COLUMN_BLOCK) {
            int n = Math.min(Q4_0X4.COLUMN_BLOCK, cols - c);
            long rowBytes = type.bytesFor(n), block = Q4_KX4.groupOffset(type, rows, cols, 0, c / GROUP);
            for (int a = start; a < start + half; a++) {
                int b = RowPairs.partner(a, half, end);
                if (Simd.WIDE) {
                    dot512Rows2(w, block + a * rowBytes, block + b * rowBytes, xp, negSums, c, n, out, a, b, c == 0);
                } else {
                    store(out, a, dot256(w, block + a * rowBytes, xp, negSums, c, n), c == 0);
                    if (b != a) store(out, b, dot256(w, block + b * rowBytes, xp, negSums, c, n), c == 0);
                }
            }
        }
    }

    /**
     * Rows a and b (at offA and offB) against x from float xOff, 512-bit vectors, one group per
     * iteration, each x load shared; b == a stores once. Every Vector API call is written out, as in
     * {@link Q4_0X4MatVec}: this class's helpers would fail C2's parse-time inlining cutoff here.
     */
    private static void dot512Rows2(MemorySegment w, long offA, long offB, MemorySegment xp, MemorySegment negSums, int xOff, int cols,
                                    float[] out, int a, int b, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        long xb = 4L * xOff, sb = 4L * (xOff / 8);
        for (int g = 0; g < cols / GROUP; g++) {
            long ga = offA + (long) GROUP_BYTES * g, gb = offB + (long) GROUP_BYTES * g, xo = xb + 4L * GROUP * g;
            IntVector v = IntVector.fromMemorySegment(I, w, ga, ByteOrder.LITTLE_ENDIAN);
            IntVector u = IntVector.fromMemorySegment(I, w, gb, ByteOrder.LITTLE_ENDIAN);
            FloatVector x = FloatVector.fromMemorySegment(F, xp, xo, ByteOrder.LITTLE_ENDIAN);
            FloatVector t0 = v.selectFrom(Q, Q).reinterpretAsFloats().mul(x);
            FloatVector s0 = u.selectFrom(Q, Q).reinterpretAsFloats().mul(x);
            x = FloatVector.fromMemorySegment(F, xp, xo + 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector t1 = v.lanewise(VectorOperators.LSHR, 4).selectFrom(Q, Q).reinterpretAsFloats().mul(x);
            FloatVector s1 = u.lanewise(VectorOperators.LSHR, 4).selectFrom(Q, Q).reinterpretAsFloats().mul(x);
            for (int k = 2; k < 8; k += 2) {
                x = FloatVector.fromMemorySegment(F, xp, xo + 64L * k, ByteOrder.LITTLE_ENDIAN);
                t0 = v.lanewise(VectorOperators.LSHR, 4 * k).selectFrom(Q, Q).reinterpretAsFloats().fma(x, t0);
                s0 = u.lanewise(VectorOperators.LSHR, 4 * k).selectFrom(Q, Q).reinterpretAsFloats().fma(x, s0);
                x = FloatVector.fromMemorySegment(F, xp, xo + 64L * k + 64, ByteOrder.LITTLE_ENDIAN);
                t1 = v.lanewise(VectorOperators.LSHR, 4 * k + 4).selectFrom(Q, Q).reinterpretAsFloats().fma(x, t1);
                s1 = u.lanewise(VectorOperators.LSHR, 4 * k + 4).selectFrom(Q, Q).reinterpretAsFloats().fma(x, s1);
            }
            FloatVector ns = FloatVector.fromMemorySegment(F, negSums, sb + 64L * g, ByteOrder.LITTLE_ENDIAN);
            IntVector scA = IntVector.fromMemorySegment(I, w, ga + SCALES + 16 - 64, ByteOrder.LITTLE_ENDIAN);
            IntVector scB = IntVector.fromMemorySegment(I, w, gb + SCALES + 16 - 64, ByteOrder.LITTLE_ENDIAN);
            IntVector mnA = IntVector.fromMemorySegment(I, w, ga + MINS + 16 - 64, ByteOrder.LITTLE_ENDIAN);
            IntVector mnB = IntVector.fromMemorySegment(I, w, gb + MINS + 16 - 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector da = SPREAD.selectFrom(scA, scA).reinterpretAsFloats(), db = SPREAD.selectFrom(scB, scB).reinterpretAsFloats();
            a0 = t0.fma(da, a0);
            a1 = t1.fma(da, a1);
            b0 = s0.fma(db, b0);
            b1 = s1.fma(db, b1);
            a1 = ns.fma(SPREAD.selectFrom(mnA, mnA).reinterpretAsFloats(), a1);
            b1 = ns.fma(SPREAD.selectFrom(mnB, mnB).reinterpretAsFloats(), b1);
        }
        store(out, a, a0.add(a1).reduceLanes(VectorOperators.ADD), first);
        if (b != a) store(out, b, b0.add(b1).reduceLanes(VectorOperators.ADD), first);
    }

    /**
     * One row of Q4_K_X4_S8 against x, 8 lanes, a half group at a time (lanes 8h..8h+7 of the
     * 512-bit view: sub-blocks 2h and 2h + 1), as {@link Q4_0X4MatVec}'s 256-bit kernel: nibbles masked in
     * place against x scaled to match, one FMA chain per half group, then one FMA with the spread
     * scales and one with the spread mins and -sum(x). One row, as there: the two-row loop read
     * DRAM at about half the rate on an Intel Xeon host. Q4_K_X4_S8's scales and mins are widened
     * and multiplied once per group, then permuted for each half. Both halves are written out:
     * on Q4_K_X4 the loop over them ran 263 matvecs/s against 291 written out (14336 x 4096, 2
     * threads, -XX:UseAVX=2, alternating processes), and picking each half's indexes inside such a
     * loop ran 208 against 320.
     */
    private static float dot256(MemorySegment w, long off, MemorySegment xp, MemorySegment negSums, int xOff, int cols) {
        IntVector m0 = IntVector.broadcast(I, Q4_0X4MatVec.BYTE_NIBBLE_MASKS[0]), m1 = IntVector.broadcast(I, Q4_0X4MatVec.BYTE_NIBBLE_MASKS[1]);
        IntVector m2 = IntVector.broadcast(I, Q4_0X4MatVec.BYTE_NIBBLE_MASKS[2]), m3 = IntVector.broadcast(I, Q4_0X4MatVec.BYTE_NIBBLE_MASKS[3]);
        FloatVector sum = FloatVector.zero(F);
        long xb = 4L * xOff, sb = 4L * (xOff / 8);
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) S8_GROUP_BYTES * g, xo = xb + 4L * GROUP * g, so = sb + 64L * g;
            IntVector dd = IntVector.fromMemorySegment(I, w, go + S8_GROUP_BYTES - 32, ByteOrder.LITTLE_ENDIAN);
            IntVector f = ((FloatVector) ByteVector.fromMemorySegment(B, w, go + S8_SCALES, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0))
                    .mul(DD.selectFrom(dd, dd).reinterpretAsFloats()).reinterpretAsInts();
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            FloatVector t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.fromMemorySegment(F, xp, xo, ByteOrder.LITTLE_ENDIAN));
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 128, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 256, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 384, ByteOrder.LITTLE_ENDIAN), t);
            v = v.lanewise(VectorOperators.LSHR, 4);
            t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 64, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 192, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 320, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 448, ByteOrder.LITTLE_ENDIAN), t);
            FloatVector ns = FloatVector.fromMemorySegment(F, negSums, so, ByteOrder.LITTLE_ENDIAN);
            sum = t.fma(SCALES0.selectFrom(f, f).reinterpretAsFloats(), sum);
            sum = ns.fma(MINS0.selectFrom(f, f).reinterpretAsFloats(), sum);
            v = IntVector.fromMemorySegment(I, w, go + 32, ByteOrder.LITTLE_ENDIAN);
            long xh = xo + 32;
            t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).mul(FloatVector.fromMemorySegment(F, xp, xh, ByteOrder.LITTLE_ENDIAN));
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 128, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 256, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 384, ByteOrder.LITTLE_ENDIAN), t);
            v = v.lanewise(VectorOperators.LSHR, 4);
            t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 64, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 192, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 320, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 448, ByteOrder.LITTLE_ENDIAN), t);
            ns = FloatVector.fromMemorySegment(F, negSums, so + 32, ByteOrder.LITTLE_ENDIAN);
            sum = t.fma(SCALES1.selectFrom(f, f).reinterpretAsFloats(), sum);
            sum = ns.fma(MINS1.selectFrom(f, f).reinterpretAsFloats(), sum);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Dequantizes a row into dst in the lanes' order (for the prefill matmul, which multiplies it
     * with x permuted the same way): each weight vector of q times its lanes' scales minus their mins.
     * Mask and convert at both widths: the 512-bit lookup dequantized no faster (JFR, 16-token
     * 4096x4096 matmuls: 0.37-0.43 of the tile's samples either way).
     */
    static void dequantizeLaneOrder(TensorType type, MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        long rows = Q4_KX4.rows(type, w, cols), r = off / type.bytesFor(cols);
        int n = I.length();
        boolean s8 = type == TensorType.Q4_K_X4_S8;
        for (int g = 0; g < cols / GROUP; g++) {
            long go = Q4_KX4.groupOffset(type, rows, cols, r, g);
            IntVector f = s8 ? scalesAndMinsS8(w, go) : null;
            for (int part = 0; part < 16 / n; part++) {
                IntVector v = IntVector.fromMemorySegment(I, w, go + 4L * n * part, ByteOrder.LITTLE_ENDIAN);
                FloatVector d, m;
                if (s8) {
                    d = (part == 0 ? SCALES0 : SCALES1).selectFrom(f, f).reinterpretAsFloats();
                    m = (part == 0 ? MINS0 : MINS1).selectFrom(f, f).reinterpretAsFloats().neg();
                } else {
                    IntVector sc = IntVector.fromMemorySegment(I, w, go + SCALES + (long) n * (part + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                    IntVector mn = IntVector.fromMemorySegment(I, w, go + MINS + (long) n * (part + 1) - 4L * n, ByteOrder.LITTLE_ENDIAN);
                    d = SPREAD.selectFrom(sc, sc).reinterpretAsFloats();
                    m = SPREAD.selectFrom(mn, mn).reinterpretAsFloats().neg();
                }
                for (int k = 0; k < 8; k++) {
                    FloatVector q = (FloatVector) v.lanewise(VectorOperators.LSHR, 4 * k).and(0xF).convertShape(VectorOperators.I2F, F, 0);
                    q.fma(d, m).intoArray(dst, dstOff + GROUP * g + 16 * k + n * part);
                }
            }
        }
    }

    /** [d * scale_0..3, dmin * min_0..3, ...] of the Q4_K_X4_S8 group at go, as int bits. */
    private static IntVector scalesAndMinsS8(MemorySegment w, long go) {
        IntVector dd = IntVector.fromMemorySegment(I, w, go + S8_GROUP_BYTES - 4L * I.length(), ByteOrder.LITTLE_ENDIAN);
        return ((FloatVector) ByteVector.fromMemorySegment(B, w, go + S8_SCALES, ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2F, F, 0))
                .mul(DD.selectFrom(dd, dd).reinterpretAsFloats()).reinterpretAsInts();
    }
}
