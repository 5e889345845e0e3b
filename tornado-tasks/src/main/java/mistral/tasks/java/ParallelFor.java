package mistral.tasks.java;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** Splits an index range across a fixed pool of threads. */
public final class ParallelFor implements AutoCloseable {
    @FunctionalInterface
    public interface Body {
        void run(int start, int end);
    }

    private final ForkJoinPool pool;
    private final int threads;

    public ParallelFor(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    public int threads() {
        return threads;
    }

    /** Runs body over [0, count) in pieces of at least {@code grain} indices. */
    public void range(int count, int grain, Body body) {
        int pieces = Math.min(threads * 4, Math.max(1, count / Math.max(1, grain)));
        if (pool == null || pieces <= 1) {
            body.run(0, count);
            return;
        }
        int size = (count + pieces - 1) / pieces;
        pool.invoke(new Split(0, count, size, body));
    }

    private static final class Split extends RecursiveAction {
        private final int start, end, size;
        private final Body body;

        Split(int start, int end, int size, Body body) {
            this.start = start;
            this.end = end;
            this.size = size;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (end - start <= size) {
                body.run(start, end);
                return;
            }
            int mid = start + ((end - start) / size / 2 == 0 ? size : (end - start) / size / 2 * size);
            invokeAll(new Split(start, mid, size, body), new Split(mid, end, size, body));
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
