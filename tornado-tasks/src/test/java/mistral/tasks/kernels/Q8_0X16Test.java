package mistral.tasks.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import mistral.tasks.RandomWeights;
import mistral.tasks.TensorType;
import mistral.tasks.graph.WeightTensor;
import org.junit.jupiter.api.Test;

/** The regrouped Q8_0 layout holds exactly the same weights as the file's Q8_0, and x meets them in the same order. */
class Q8_0X16Test {
    @Test
    void regroupedRowsDequantizeToTheSameFloats() {
        int rows = 3, cols = 1024;
        WeightTensor q8 = RandomWeights.tensor("w", TensorType.Q8_0, rows, cols, 5);
        q8.data().set(DequantLayouts.SHORT, 34L * 17, Float.floatToFloat16(-0.75f)); // a negative scale survives the widening
        MemorySegment x16 = Arena.ofAuto().allocate((long) rows * TensorType.Q8_0_X16.bytesFor(cols));
        Q8_0X16.regroup(q8.data(), x16, 0, rows, cols);
        RegroupedRows.assertSameWeights(TensorType.Q8_0, q8.data(), TensorType.Q8_0_X16, x16, rows, cols);
    }

    /** Byte 16k + j of a group (weight k of block j) meets xp[16k + j]: the permutation is the layout's. */
    @Test
    void permutedXMeetsEachWeight() {
        int cols = 1024;
        float[] x = new float[cols], xp = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = i;
        LaneBlocks.permute(x, 0, cols, 32, xp, 0);
        for (int g = 0; g < cols / Q8_0X16.GROUP; g++) {
            for (int j = 0; j < 16; j++) {
                for (int k = 0; k < 32; k++) assertEquals(512 * g + 32 * j + k, xp[512 * g + 16 * k + j], 0f);
            }
        }
    }

    @Test
    void rowsOfPartialGroupsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Q8_0X16.regroup(MemorySegment.NULL, MemorySegment.NULL, 0, 1, 544));
    }
}
