package mistral.tasks.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.MemorySegment;
import mistral.tasks.TensorType;

/** The check every regrouping test makes: each row of the layout dequantizes to exactly the file's floats. */
final class RegroupedRows {
    private RegroupedRows() {
    }

    static void assertSameWeights(TensorType fileType, MemorySegment file, TensorType layout, MemorySegment regrouped, int rows, int cols) {
        long fileRow = fileType.bytesFor(cols), layoutRow = layout.bytesFor(cols);
        for (int r = 0; r < rows; r++) {
            float[] expected = new float[cols], actual = new float[cols];
            Dequant.row(fileType, file, r * fileRow, cols, expected, 0);
            Dequant.row(layout, regrouped, r * layoutRow, cols, actual, 0);
            assertArrayEquals(expected, actual, layout + " row " + r);
        }
    }
}
