package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GemmTest {
    /** Six rows of 16 columns: one whole quad and one of two rows, whose empty places repeat row 5. */
    @Test
    void interleaveQuadsPutsAColumnsFourRowsSideBySide() {
        int rows = 6, cols = 16, off = 3;
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = 1000 * (i / cols) + i % cols;
        float[] wq = new float[off + 8 * cols];
        Gemm.interleaveQuads(w, rows, cols, wq, off);
        for (int q = 0; q < 2; q++) {
            for (int k = 0; k < cols; k++) {
                for (int i = 0; i < 4; i++) {
                    int row = Math.min(4 * q + i, rows - 1);
                    assertEquals(1000 * row + k, wq[off + 4 * cols * q + 4 * k + i], "quad " + q + " column " + k + " place " + i);
                }
            }
        }
    }
}
