package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RowPairsTest {
    /** A pair's rows lie this many bytes past a multiple of 64 KiB apart in a chunk of c rows. */
    private static long apart(int c, long rowBytes) {
        return (long) RowPairs.half(0, c) * rowBytes % 65536;
    }

    @Test
    void chunkMovesPairsOffMultiplesOf64KiB() {
        // 4096 x 4096 Q4_K_X4_S8 on 2 threads: 8 chunks a thread would be 256 rows, pairs 128 rows = 320 KiB apart
        assertEquals(0, apart(256, 2560));
        int c = RowPairs.chunk(4096, 2, 2560);
        assertEquals(269, c); // pairs 135 rows apart: 17.5 KiB past 5 x 64 KiB
        assertEquals(135 * 2560 % 65536, apart(c, 2560));
        assertTrue(apart(c, 2560) >= 16384 && apart(c, 2560) <= 49152);
    }

    @Test
    void chunkKeepsEightAThreadWherePairsAreAlreadyApart() {
        assertEquals(64, RowPairs.chunk(1024, 2, 2560)); // pairs 32 rows = 80 KiB apart: 16 KiB past 64
        assertEquals(896, RowPairs.chunk(14336, 2, 2560)); // pairs 448 rows apart: 32 KiB past a multiple
        assertEquals(16, RowPairs.chunk(40, 2, 2560)); // never under ParallelFor's usual grain
    }

    @Test
    void everyRowIsInExactlyOnePair() {
        for (int n : new int[] {1, 2, 3, 16, 135, 269}) {
            int[] seen = new int[n];
            int half = RowPairs.half(0, n);
            for (int a = 0; a < half; a++) {
                int b = RowPairs.partner(a, half, n);
                seen[a]++;
                if (b != a) seen[b]++;
            }
            for (int r = 0; r < n; r++) assertEquals(1, seen[r], "row " + r + " of " + n);
        }
    }
}
