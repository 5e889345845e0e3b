package mistral.tasks.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import mistral.tasks.RandomWeights;
import mistral.tasks.TensorType;
import mistral.tasks.graph.WeightTensor;
import org.junit.jupiter.api.Test;

/** The regrouped Q4_0 layout holds exactly the same weights as the file's Q4_0. */
class Q4_0X4Test {
    @Test
    void regroupedRowsDequantizeToTheSameFloats() {
        int rows = 5, cols = 384;
        WeightTensor q4 = RandomWeights.tensor("w", TensorType.Q4_0, rows, cols, 7);
        // a zero scale and a negative one must survive the f16 -> f32 widening
        q4.data().set(DequantLayouts.SHORT, 18L * 3, (short) 0);
        q4.data().set(DequantLayouts.SHORT, 18L * 4, Float.floatToFloat16(-0.75f));
        MemorySegment x4 = Arena.ofAuto().allocate((long) rows * TensorType.Q4_0_X4.bytesFor(cols));
        Q4_0X4.regroup(q4.data(), x4, 0, rows, cols);
        RegroupedRows.assertSameWeights(TensorType.Q4_0, q4.data(), TensorType.Q4_0_X4, x4, rows, cols);
        float[] first = new float[cols];
        Dequant.row(TensorType.Q4_0_X4, x4, 0, cols, first, 0);
        for (int i = 96; i < 128; i++) assertEquals(0f, Math.abs(first[i]), "zero-scale block");
        assertTrue(first[128] != 0f);
    }

    @Test
    void nibbleKOfLane4bPlusAIsWeight4kPlusAOfBlockBThenTheScales() {
        byte[] in = new byte[72], out = new byte[80];
        int[][] q = new int[4][32];
        java.util.Random random = new java.util.Random(3);
        for (int b = 0; b < 4; b++) {
            short half = Float.floatToFloat16(b + 1f);
            in[18 * b] = (byte) half;
            in[18 * b + 1] = (byte) (half >> 8);
            for (int j = 0; j < 32; j++) q[b][j] = random.nextInt(16);
            for (int i = 0; i < 16; i++) in[18 * b + 2 + i] = (byte) (q[b][i] | q[b][i + 16] << 4);
        }
        Q4_0X4.regroupBlocks(in, out);
        MemorySegment group = MemorySegment.ofArray(out);
        for (int b = 0; b < 4; b++) {
            for (int j = 0; j < 32; j++) {
                int lane = group.get(DequantLayouts.INT, 4L * (4 * b + j % 4));
                assertEquals(q[b][j], lane >>> (4 * (j / 4)) & 0xF, "weight " + j + " of block " + b);
            }
        }
        for (int b = 0; b < 4; b++) assertEquals(b + 1f, group.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 64 + 4L * b));
    }

    @Test
    void permutedActivationMeetsItsWeightInEveryLane() {
        int cols = 256;
        float[] x = new float[cols + 3], xp = new float[cols];
        for (int i = 0; i < x.length; i++) x[i] = i;
        Q4_0X4.permute(x, 3, cols, xp, 0);
        for (int g = 0; g < cols / 128; g++) {
            for (int b = 0; b < 4; b++) {
                for (int j = 0; j < 32; j++) {
                    // nibble k = j / 4 of lane l meets xp[16k + l]
                    assertEquals(3 + 128 * g + 32 * b + j, xp[128 * g + 16 * (j / 4) + Q4_0X4.lane(b, j)], "group " + g + " block " + b + " weight " + j);
                }
            }
        }
    }

    @Test
    void onlyWholeGroupsRegroup() {
        assertTrue(Q4_0X4.fits(4096) && Q4_0X4.fits(14336));
        WeightTensor q4 = RandomWeights.tensor("w", TensorType.Q4_0, 1, 96, 1);
        assertThrows(IllegalArgumentException.class, () -> Q4_0X4.regroup(q4.data(), q4.data(), 0, 1, 96));
    }

    @Test
    void isNotAFileType() {
        assertEquals(Optional.empty(), TensorType.fromGgml(-1));
        assertFalse(TensorType.fileTypes().contains(TensorType.Q4_0_X4));
        assertThrows(IllegalArgumentException.class, () -> Quantize.row(TensorType.Q4_0_X4, new float[128], 0, 128,
                MemorySegment.ofArray(new byte[80]), 0));
    }
}
