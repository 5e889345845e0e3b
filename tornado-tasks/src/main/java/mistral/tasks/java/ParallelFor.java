package mistral.tasks.java;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits an index range over a fixed team of threads, the caller included. Decoding launches a
 * couple of hundred short parallel loops per token, so waking parked threads each time (as a
 * ForkJoinPool does) costs as much as the work: workers spin briefly for the next loop before
 * parking, as llama.cpp's thread pool does.
 */
public final class ParallelFor implements AutoCloseable {
    @FunctionalInterface
    public interface Body {
        void run(int start, int end);
    }

    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Body body;
    private volatile int count, parts, chunk;
    /** The next unclaimed index of the current loop. */
    private final AtomicInteger next = new AtomicInteger();
    private volatile Throwable failure;

    public ParallelFor(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("mistral-worker-" + part).start(() -> work(part));
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs body over [0, count) on up to {@code threads} threads, each claiming contiguous chunks
     * of at least {@code grain} indices until none are left. Chunks rather than one fixed slice
     * per thread: on a shared VM one vCPU is often slower for a while, and with fixed halves the
     * other then waits at the end of every loop.
     */
    public void range(int count, int grain, Body body) {
        grain = Math.max(1, grain);
        int parts = Math.min(threads, Math.max(1, count / grain));
        if (parts <= 1) {
            body.run(0, count);
            return;
        }
        this.body = body;
        this.count = count;
        this.parts = parts;
        this.chunk = chunk(count, grain, parts);
        this.failure = null;
        next.set(0);
        pending.set(parts - 1);
        generation++; // publishes the fields above to the workers
        for (Thread w : workers) LockSupport.unpark(w);
        claim(count, chunk, body);
        while (pending.get() > 0) Thread.onSpinWait();
        Throwable f = failure;
        if (f instanceof RuntimeException r) throw r;
        if (f instanceof Error e) throw e;
    }

    /** Indices per chunk of a loop over count indices on parts threads: 8 chunks a thread, at least grain. */
    static int chunk(int count, int grain, int parts) {
        return Math.max(grain, (count + 8 * parts - 1) / (8 * parts));
    }

    private void claim(int count, int chunk, Body body) {
        for (int start; (start = next.getAndAdd(chunk)) < count; ) body.run(start, Math.min(count, start + chunk));
    }

    private void work(int part) {
        long seen = 0;
        while (!closed) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (generation == seen && !closed) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            if (part < parts) {
                try {
                    claim(count, chunk, body);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
