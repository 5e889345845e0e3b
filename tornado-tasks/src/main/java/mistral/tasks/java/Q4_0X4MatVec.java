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
    static final IntVector SPREAD;
    /**
     * 256 bits: indexes that spread a group's scales 0 and 1, read as lanes 4-5 of its last 32
     * bytes, over half 0's lanes. Half 1's (scales 2 and 3, lanes 6-7) are {@link #SPREAD}'s.
     */
    static final IntVector SPREAD0;

    static {
        int[] t = new int[32];
        for (int i = 0; i < 32; i++) t[i] = Float.floatToRawIntBits((i % 16) - 8);
        LO = IntVector.fromArray(I, t, 0);
        HI = I.length() == 16 ? LO : IntVector.fromArray(I, t, I.length());
        int n = I.length(), scales = n / 4;
        SPREAD = IntVector.fromArray(I, java.util.stream.IntStream.range(0, n).map(i -> n - scales + i / 4).toArray(), 0);
        SPREAD0 = IntVector.fromArray(I, java.util.stream.IntStream.range(0, n).map(i -> (n - 4 + i / 4) % n).toArray(), 0);
    }

    private Q4_0X4MatVec() {
    }

    /**
     * out[r] = row r . x for rows [start, end), in {@link RowPairs} (a C probe of the same loop:
     * 10.3-11.8 GB/s on 2 threads, two distant rows per loop 13.9-14.4) and, for rows wider than
     * {@link mistral.tasks.kernels.Q4_0X4#COLUMN_BLOCK}, one column block at a time (x's block stays
     * in L1 while the rows stream by). 512-bit vectors read a pair's rows in one loop, 256-bit
     * vectors one after the other ({@link #dot256}). xp is x in the layout's order
     * ({@link mistral.tasks.kernels.Q4_0X4#permute}), 64-byte aligned: a 512-bit load of x that
     * straddles two cache lines made the whole matvec 2.3x slower, in the runs where a heap array
     * happened to land so. With 256-bit vectors xp is {@link #prepareNarrow prepared} and bias holds
     * its half groups' -8 terms.
     */
    static void matVec(MemorySegment w, int rows, int cols, int start, int end, MemorySegment xp, MemorySegment bias, float[] out) {
        int half = RowPairs.half(start, end);
        for (int c = 0; c < cols; c += Q4_0X4.COLUMN_BLOCK) {
            int n = Math.min(Q4_0X4.COLUMN_BLOCK, cols - c);
            long rowBytes = TensorType.Q4_0_X4.bytesFor(n), block = Q4_0X4.groupOffset(rows, cols, 0, c / GROUP);
            for (int a = start; a < start + half; a++) {
                int b = RowPairs.partner(a, half, end);
                if (Simd.WIDE) {
                    dot512Rows2(w, block + a * rowBytes, block + b * rowBytes, xp, c, n, out, a, b, c == 0);
                } else {
                    store(out, a, dot256(w, block + a * rowBytes, xp, bias, c, n), c == 0);
                    if (b != a) store(out, b, dot256(w, block + b * rowBytes, xp, bias, c, n), c == 0);
                }
            }
        }
    }

    /**
     * out[t * rows + r] = row r . x_t for rows [start, end) and a few tokens t < n (a batched
     * decode step): with 512-bit vectors each weight vector is unpacked once for four tokens, then
     * two, instead of once per token. xp holds the n tokens'
     * x one after another, each as for {@link #matVec} (stride cols); bias likewise (stride cols / 8).
     */
    static void matVecTokens(MemorySegment w, int rows, int cols, int start, int end, MemorySegment xp, MemorySegment bias,
                             int n, float[] out) {
        for (int c = 0; c < cols; c += Q4_0X4.COLUMN_BLOCK) {
            int width = Math.min(Q4_0X4.COLUMN_BLOCK, cols - c);
            long rowBytes = TensorType.Q4_0_X4.bytesFor(width), block = Q4_0X4.groupOffset(rows, cols, 0, c / GROUP);
            int r = start;
            if (Simd.WIDE && n % 4 == 0) {
                for (; r + 2 <= end; r += 2) {
                    for (int t = 0; t < n; t += 4) {
                        dot512x4Rows2(w, block + r * rowBytes, rowBytes, xp, t * cols + c, cols, width, out, t * rows + r, rows, c == 0);
                    }
                }
            }
            for (; r < end; r++) tokens(w, block + r * rowBytes, xp, bias, n, cols, c, width, out, r, rows, c == 0);
        }
    }

    /**
     * One row's columns [c, c + width) against every token: groups of four, then two, then one
     * (the row's part is in L1 after the first). 256-bit vectors take one token at a time: a
     * two-token 256-bit kernel measured slower than two single ones (JMH, -XX:UseAVX=2: 101
     * two-token matvecs/s against 235 single).
     */
    private static void tokens(MemorySegment w, long off, MemorySegment xp, MemorySegment bias, int n, int cols, int c, int width,
                               float[] out, int r, int rows, boolean first) {
        int t = 0;
        if (Simd.WIDE) {
            for (; t + 4 <= n; t += 4) dot512x4(w, off, xp, t * cols + c, cols, width, out, t * rows + r, rows, first);
        }
        if (Simd.WIDE && t + 2 <= n) {
            dot512x2(w, off, xp, t * cols + c, cols, width, out, t * rows + r, rows, first);
            t += 2;
        }
        for (; t < n; t++) {
            float d = Simd.WIDE ? dot512(w, off, xp, t * cols + c, width) : dot256(w, off, xp, bias, t * cols + c, width);
            store(out, t * rows + r, d, first);
        }
    }

    /** {@link #dot512} for 4 tokens at x offsets xOff + k * stride: 4 independent FMA chains per weight vector. */
    private static void dot512x4(MemorySegment w, long off, MemorySegment xp, int xOff, int stride, int cols,
                                 float[] out, int o, int outStride, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g;
            int xo = xOff + GROUP * g;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            FloatVector q = lookup(v, 0);
            FloatVector t0 = q.mul(x(xp, xo)), t1 = q.mul(x(xp, xo + stride)), t2 = q.mul(x(xp, xo + 2 * stride)), t3 = q.mul(x(xp, xo + 3 * stride));
            for (int k = 1; k < 8; k++) {
                q = lookup(v, 4 * k);
                int xk = xo + 16 * k;
                t0 = q.fma(x(xp, xk), t0);
                t1 = q.fma(x(xp, xk + stride), t1);
                t2 = q.fma(x(xp, xk + 2 * stride), t2);
                t3 = q.fma(x(xp, xk + 3 * stride), t3);
            }
            FloatVector d = scales(w, go, 0);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
            a2 = t2.fma(d, a2);
            a3 = t3.fma(d, a3);
        }
        store(out, o, a0.reduceLanes(VectorOperators.ADD), first);
        store(out, o + outStride, a1.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 2 * outStride, a2.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 3 * outStride, a3.reduceLanes(VectorOperators.ADD), first);
    }

    /**
     * Rows r and r + 1 (at off and off + rowBytes) against 4 tokens: each x vector loaded feeds
     * both rows, so x (64 KiB for 4 tokens of a column block, past L1) is read half as often.
     */
    private static void dot512x4Rows2(MemorySegment w, long off, long rowBytes, MemorySegment xp, int xOff, int stride, int cols,
                                      float[] out, int o, int outStride, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g, go2 = go + rowBytes;
            int xo = xOff + GROUP * g;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            IntVector u = IntVector.fromMemorySegment(I, w, go2, ByteOrder.LITTLE_ENDIAN);
            FloatVector t0 = FloatVector.zero(F), t1 = t0, t2 = t0, t3 = t0, s0 = t0, s1 = t0, s2 = t0, s3 = t0;
            for (int k = 0; k < 8; k++) {
                FloatVector p = lookup(v, 4 * k), q = lookup(u, 4 * k);
                int xk = xo + 16 * k;
                FloatVector x0 = x(xp, xk), x1 = x(xp, xk + stride), x2 = x(xp, xk + 2 * stride), x3 = x(xp, xk + 3 * stride);
                t0 = p.fma(x0, t0);
                t1 = p.fma(x1, t1);
                t2 = p.fma(x2, t2);
                t3 = p.fma(x3, t3);
                s0 = q.fma(x0, s0);
                s1 = q.fma(x1, s1);
                s2 = q.fma(x2, s2);
                s3 = q.fma(x3, s3);
            }
            FloatVector d = scales(w, go, 0), e = scales(w, go2, 0);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
            a2 = t2.fma(d, a2);
            a3 = t3.fma(d, a3);
            b0 = s0.fma(e, b0);
            b1 = s1.fma(e, b1);
            b2 = s2.fma(e, b2);
            b3 = s3.fma(e, b3);
        }
        store(out, o, a0.reduceLanes(VectorOperators.ADD), first);
        store(out, o + outStride, a1.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 2 * outStride, a2.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 3 * outStride, a3.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 1, b0.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 1 + outStride, b1.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 1 + 2 * outStride, b2.reduceLanes(VectorOperators.ADD), first);
        store(out, o + 1 + 3 * outStride, b3.reduceLanes(VectorOperators.ADD), first);
    }

    /** {@link #dot512} for 2 tokens at x offsets xOff and xOff + stride. */
    private static void dot512x2(MemorySegment w, long off, MemorySegment xp, int xOff, int stride, int cols,
                                 float[] out, int o, int outStride, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g;
            int xo = xOff + GROUP * g;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            FloatVector q = lookup(v, 0);
            FloatVector t0 = q.mul(x(xp, xo)), t1 = q.mul(x(xp, xo + stride));
            for (int k = 1; k < 8; k++) {
                q = lookup(v, 4 * k);
                t0 = q.fma(x(xp, xo + 16 * k), t0);
                t1 = q.fma(x(xp, xo + 16 * k + stride), t1);
            }
            FloatVector d = scales(w, go, 0);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
        }
        store(out, o, a0.reduceLanes(VectorOperators.ADD), first);
        store(out, o + outStride, a1.reduceLanes(VectorOperators.ADD), first);
    }

    /** out[o] = v for a matvec's first column block, out[o] + v for the others. */
    static void store(float[] out, int o, float v, boolean first) {
        out[o] = first ? v : out[o] + v;
    }

    /** Weights (q - 8) of nibble {@code shift / 4} of every lane. */
    private static FloatVector lookup(IntVector quants, int shift) {
        return quants.lanewise(VectorOperators.LSHR, shift).selectFrom(LO, HI).reinterpretAsFloats();
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
        long xb = 4L * xOff;
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g, xo = xb + 4L * GROUP * g;
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            FloatVector t0 = lookup(v, 0).mul(xAt(xp, xo));
            FloatVector t1 = lookup(v, 4).mul(xAt(xp, xo + 64));
            t0 = lookup(v, 8).fma(xAt(xp, xo + 128), t0);
            t1 = lookup(v, 12).fma(xAt(xp, xo + 192), t1);
            t0 = lookup(v, 16).fma(xAt(xp, xo + 256), t0);
            t1 = lookup(v, 20).fma(xAt(xp, xo + 320), t1);
            t0 = lookup(v, 24).fma(xAt(xp, xo + 384), t0);
            t1 = lookup(v, 28).fma(xAt(xp, xo + 448), t1);
            FloatVector d = scales(w, go, 0);
            a0 = t0.fma(d, a0);
            a1 = t1.fma(d, a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@link #dot512} for rows a and b (at offA and offB) in one loop, each with the same
     * arithmetic as there; b == a stores once. Every Vector API call is written out here, scale
     * spread included: calls to this class's helpers failed C2's inlining cutoff in a method this
     * size (parse-time NodeCountInliningCutoff), and the loop then ran the Java fallback at 1.4
     * GB/s, while the API's own @ForceInline methods are inlined late, under a larger limit.
     */
    private static void dot512Rows2(MemorySegment w, long offA, long offB, MemorySegment xp, int xOff, int cols,
                                    float[] out, int a, int b, boolean first) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        long xb = 4L * xOff;
        for (int g = 0; g < cols / GROUP; g++) {
            long ga = offA + (long) GROUP_BYTES * g, gb = offB + (long) GROUP_BYTES * g, xo = xb + 4L * GROUP * g;
            IntVector v = IntVector.fromMemorySegment(I, w, ga, ByteOrder.LITTLE_ENDIAN);
            IntVector u = IntVector.fromMemorySegment(I, w, gb, ByteOrder.LITTLE_ENDIAN);
            FloatVector x = FloatVector.fromMemorySegment(F, xp, xo, ByteOrder.LITTLE_ENDIAN);
            FloatVector t0 = v.selectFrom(LO, HI).reinterpretAsFloats().mul(x);
            FloatVector s0 = u.selectFrom(LO, HI).reinterpretAsFloats().mul(x);
            x = FloatVector.fromMemorySegment(F, xp, xo + 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector t1 = v.lanewise(VectorOperators.LSHR, 4).selectFrom(LO, HI).reinterpretAsFloats().mul(x);
            FloatVector s1 = u.lanewise(VectorOperators.LSHR, 4).selectFrom(LO, HI).reinterpretAsFloats().mul(x);
            for (int k = 2; k < 8; k += 2) {
                x = FloatVector.fromMemorySegment(F, xp, xo + 64L * k, ByteOrder.LITTLE_ENDIAN);
                t0 = v.lanewise(VectorOperators.LSHR, 4 * k).selectFrom(LO, HI).reinterpretAsFloats().fma(x, t0);
                s0 = u.lanewise(VectorOperators.LSHR, 4 * k).selectFrom(LO, HI).reinterpretAsFloats().fma(x, s0);
                x = FloatVector.fromMemorySegment(F, xp, xo + 64L * k + 64, ByteOrder.LITTLE_ENDIAN);
                t1 = v.lanewise(VectorOperators.LSHR, 4 * k + 4).selectFrom(LO, HI).reinterpretAsFloats().fma(x, t1);
                s1 = u.lanewise(VectorOperators.LSHR, 4 * k + 4).selectFrom(LO, HI).reinterpretAsFloats().fma(x, s1);
            }
            IntVector lastA = IntVector.fromMemorySegment(I, w, ga + SCALES + 16 - 64, ByteOrder.LITTLE_ENDIAN);
            IntVector lastB = IntVector.fromMemorySegment(I, w, gb + SCALES + 16 - 64, ByteOrder.LITTLE_ENDIAN);
            FloatVector da = SPREAD.selectFrom(lastA, lastA).reinterpretAsFloats(), db = SPREAD.selectFrom(lastB, lastB).reinterpretAsFloats();
            a0 = t0.fma(da, a0);
            a1 = t1.fma(da, a1);
            b0 = s0.fma(db, b0);
            b1 = s1.fma(db, b1);
        }
        store(out, a, a0.add(a1).reduceLanes(VectorOperators.ADD), first);
        if (b != a) store(out, b, b0.add(b1).reduceLanes(VectorOperators.ADD), first);
    }

    /** (q - 8) of nibble {@code shift / 4}, 8 lanes: mask, offset and convert (the prefill's dequantization). */
    private static FloatVector weights256(IntVector quants, int shift) {
        return (FloatVector) quants.lanewise(VectorOperators.LSHR, shift).and(0xF).sub(8).convertShape(VectorOperators.I2F, F, 0);
    }

    /**
     * The masks 0xF << 8j, j < 4, read from an array so that C2 keeps them in registers for the
     * whole row: as constant vectors (literal or static final) C2 reloads each from its constant
     * table beside its use, and with seven masks (one per nibble) 16 ymm registers were too few.
     */
    static final int[] BYTE_NIBBLE_MASKS = {0xF, 0xF00, 0xF0000, 0xF000000};

    /**
     * For the 256-bit kernel: scales x's 16-float chunk k of every group by 2^-8(k / 2) (powers of
     * two, so exact), after writing each half group's -8 sum(x) per lane into bias (8 floats a half
     * group): the (q - 8) offset becomes one add per half group instead of a subtract per nibble.
     * Without AVX-512 a nibble costs shift, mask, subtract and convert; this leaves mask and convert,
     * and one shift per 8 nibbles. The cols floats at xp[xOff], bias from bias[biasOff].
     */
    static void prepareNarrow(float[] xp, int xOff, int cols, float[] bias, int biasOff) {
        laneSums(xp, xOff, cols, -8, bias, biasOff);
        scaleForNibblesInPlace(xp, xOff, cols);
    }

    /**
     * terms[termsOff + 16g + i] = factor x the sum of the 8 floats of xp (cols from xOff, in the
     * lanes' order) that lane i of group g meets: Q4_0's -8 offset (factor -8) or Q4_K's mins
     * (factor -1, {@link Q4_KX4MatVec}). 16 floats a group; a 256-bit half group's 8 are its lanes'.
     */
    static void laneSums(float[] xp, int xOff, int cols, float factor, float[] terms, int termsOff) {
        for (int g = 0; g < cols / GROUP; g++) {
            int base = xOff + GROUP * g;
            for (int i = 0; i < 16; i++) {
                float s = 0;
                for (int k = 0; k < 8; k++) s += xp[base + 16 * k + i];
                terms[termsOff + 16 * g + i] = factor * s;
            }
        }
    }

    /** Scales xp's 16-float chunk k of every group by 2^-8(k / 2), to meet nibbles masked in place ({@link #dot256}). */
    static void scaleForNibblesInPlace(float[] xp, int xOff, int cols) {
        for (int g = 0; g < cols / GROUP; g++) {
            int base = xOff + GROUP * g;
            for (int k = 2; k < 8; k++) {
                float scale = Math.scalb(1f, -8 * (k / 2));
                for (int i = 0; i < 16; i++) xp[base + 16 * k + i] *= scale;
            }
        }
    }

    /**
     * 8 lanes: half h of a group (lanes 8h..8h+7 of the 512-bit view) holds blocks 2h and 2h + 1,
     * so its scales are the pair at SCALES + 8h. xp is prepared by {@link #prepareNarrow}; each
     * half group's bias starts its sum. Both halves of a group per iteration, every offset a long
     * that is affine in the group index, so C2 hoists the bounds checks out of the loop (one half
     * group per iteration indexed by p >> 1 and p & 1 kept a check beside each of its 11 loads).
     * Nibble 2j (of the quants) or 2j + 1 (of the quants >>> 4) is masked in place with
     * 0xF << 8j and converted: q x 2^8j, exact in a float, against x scaled by 2^-8j, so each
     * product is q x. Four masks, which stay in registers. Both halves are written out, their 4
     * scales read once per group as the last 4 lanes of its last 32 bytes: 8.5-9.2 GB/s against
     * 8.1-8.5 for a two-trip loop over the halves with a scale load each (14336 x 4096 from DRAM,
     * 2 threads, -XX:UseAVX=2, alternating processes, Intel Xeon host). One FMA chain per half
     * group (two ran alike), the arithmetic of the single and the batched decode alike. One row: a loop over two rows at once
     * read 6.6-6.8 GB/s from DRAM on an Intel Xeon host (14336 x 4096, 2 threads) against 11.5-11.8
     * for this one over the same row pairs ({@link #matVec}), level with it in L2.
     */
    private static float dot256(MemorySegment w, long off, MemorySegment xp, MemorySegment bias, int xOff, int cols) {
        IntVector m0 = mask(0), m1 = mask(1), m2 = mask(2), m3 = mask(3);
        FloatVector sum = FloatVector.zero(F);
        long xb = 4L * xOff, bb = 4L * (xOff / 8);
        for (int g = 0; g < cols / GROUP; g++) {
            long go = off + (long) GROUP_BYTES * g, xo = xb + 4L * GROUP * g, bo = bb + 64L * g;
            IntVector sc = IntVector.fromMemorySegment(I, w, go + GROUP_BYTES - 32, ByteOrder.LITTLE_ENDIAN);
            IntVector v = IntVector.fromMemorySegment(I, w, go, ByteOrder.LITTLE_ENDIAN);
            FloatVector t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo, ByteOrder.LITTLE_ENDIAN), FloatVector.fromMemorySegment(F, bias, bo, ByteOrder.LITTLE_ENDIAN));
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 128, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 256, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 384, ByteOrder.LITTLE_ENDIAN), t);
            v = v.lanewise(VectorOperators.LSHR, 4);
            t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 64, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 192, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 320, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xo + 448, ByteOrder.LITTLE_ENDIAN), t);
            sum = t.fma(SPREAD0.selectFrom(sc, sc).reinterpretAsFloats(), sum);
            v = IntVector.fromMemorySegment(I, w, go + 32, ByteOrder.LITTLE_ENDIAN);
            long xh = xo + 32;
            t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh, ByteOrder.LITTLE_ENDIAN), FloatVector.fromMemorySegment(F, bias, bo + 32, ByteOrder.LITTLE_ENDIAN));
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 128, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 256, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 384, ByteOrder.LITTLE_ENDIAN), t);
            v = v.lanewise(VectorOperators.LSHR, 4);
            t = ((FloatVector) v.and(m0).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 64, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m1).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 192, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m2).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 320, ByteOrder.LITTLE_ENDIAN), t);
            t = ((FloatVector) v.and(m3).convertShape(VectorOperators.I2F, F, 0)).fma(FloatVector.fromMemorySegment(F, xp, xh + 448, ByteOrder.LITTLE_ENDIAN), t);
            sum = t.fma(SPREAD.selectFrom(sc, sc).reinterpretAsFloats(), sum);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    private static IntVector mask(int j) {
        return IntVector.broadcast(I, BYTE_NIBBLE_MASKS[j]);
    }

    /** 16 floats of x from float offset xo (the few-token kernels: long offsets measured slower there). */
    private static FloatVector x(MemorySegment xp, int xo) {
        return xAt(xp, 4L * xo);
    }

    /**
     * A vector of x from byte offset b. Callers keep b a long that is affine in the loop index: an
     * int float offset widened per load kept a bounds check beside every load in the compiled loop.
     */
    private static FloatVector xAt(MemorySegment xp, long b) {
        return FloatVector.fromMemorySegment(F, xp, b, ByteOrder.LITTLE_ENDIAN);
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
