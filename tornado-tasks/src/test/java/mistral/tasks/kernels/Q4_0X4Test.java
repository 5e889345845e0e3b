package mistral.tasks.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
        for (int r = 0; r < rows; r++) {
            float[] expected = new float[cols], actual = new float[cols];
            Dequant.row(TensorType.Q4_0, q4.data(), r * q4.rowBytes(), cols, expected, 0);
            Dequant.row(TensorType.Q4_0_X4, x4, r * TensorType.Q4_0_X4.bytesFor(cols), cols, actual, 0);
            assertArrayEquals(expected, actual, "row " + r);
        }
        float[] first = new float[cols];
        Dequant.row(TensorType.Q4_0_X4, x4, 0, cols, first, 0);
        for (int i = 96; i < 128; i++) assertEquals(0f, Math.abs(first[i]), "zero-scale block");
        assertTrue(first[128] != 0f);
    }

    @Test
    void aGroupIsFourBlocksInterleavedByteByByteThenTheirScales() {
        byte[] in = new byte[72], out = new byte[80];
        for (int b = 0; b < 4; b++) {
            short half = Float.floatToFloat16(b + 1f);
            in[18 * b] = (byte) half;
            in[18 * b + 1] = (byte) (half >> 8);
            for (int i = 0; i < 16; i++) in[18 * b + 2 + i] = (byte) (16 * b + i);
        }
        Q4_0X4.regroupBlocks(in, out);
        for (int i = 0; i < 16; i++) {
            for (int b = 0; b < 4; b++) assertEquals((byte) (16 * b + i), out[4 * i + b], "byte " + i + " of block " + b);
        }
        MemorySegment scales = MemorySegment.ofArray(out).asSlice(64);
        for (int b = 0; b < 4; b++) assertEquals(b + 1f, scales.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * b));
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
