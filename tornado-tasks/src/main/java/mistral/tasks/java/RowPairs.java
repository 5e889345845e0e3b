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

    /** Row a's partner. */
    static int partner(int a, int half, int end) {
        return a + half < end ? a + half : a;
    }
}
