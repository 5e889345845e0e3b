package mistral.tasks.java;

/**
 * How a decode matvec pairs the rows [start, end) of its chunk: row a with row a + half, half the
 * range apart, so each thread reads two streams from DRAM (one stream kept too few cache misses in
 * flight). An odd count ends with the last first-half row paired with itself, so every row goes
 * through the same arithmetic; a kernel given b == a stores once.
 */
final class RowPairs {
    private RowPairs() {
    }

    /** The first rows of the pairs are [start, start + half(start, end)). */
    static int half(int start, int end) {
        return (end - start + 1) / 2;
    }

    /**
     * Rows per {@link ParallelFor} chunk for a paired matvec over {@code rows} rows of
     * {@code rowBytes} each (a column block's, for the layouts stored in column blocks) on
     * {@code threads} threads: ParallelFor's 8 chunks a thread, made a few rows longer where a
     * pair's two rows would otherwise lie within 16 KiB of a multiple of 64 KiB apart. Such pairs
     * read DRAM slower on an Intel Xeon host (2026-12-07): 4096 x 4096 Q4_K_X4_S8, 2 threads,
     * -XX:UseAVX=2, 8.6-8.9 GB/s with the pair's rows 128 rows (320 KiB) apart against 10.0-10.6
     * with them 112, 120, 136 or 144 rows apart.
     */
    static int chunk(int rows, int threads, long rowBytes) {
        int base = ParallelFor.chunk(rows, 16, threads);
        for (int c = base; c < base + 64; c++) {
            long apart = (long) half(0, c) * rowBytes % 65536;
            if (apart >= 16384 && apart <= 49152) return c;
        }
        return base;
    }

    /** Row a's partner. */
    static int partner(int a, int half, int end) {
        return a + half < end ? a + half : a;
    }
}
