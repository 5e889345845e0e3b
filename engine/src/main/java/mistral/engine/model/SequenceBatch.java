package mistral.engine.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.Profile;
import mistral.tasks.graph.RollingKvCache;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task.Rows;

/**
 * Continuous batching: up to {@code sequences} sequences (lanes) decoded in shared steps of one
 * plan, so each weight is read once per step for all of them. Every lane is a {@link Sequence}
 * that one thread drives as it would its own session (prefill, sample, next token ...); its
 * {@code feed} hands the tokens to the stepper thread and waits for their logits. The stepper
 * packs each step with every waiting lane's next token (decodes first), then prefill chunks of
 * the lanes still prefilling up to the step's token budget, runs it, and wakes the lanes whose
 * tokens are all in. Lanes join and leave between any two steps; each has its own position and
 * its own rolling slots, so their windows and wraps are independent.
 */
public final class SequenceBatch implements AutoCloseable {
    /** How long a step waits for the lanes that were in the previous one (sampling, streaming) before it runs without them. */
    static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final ModelConfig config;
    private final RollingKvCache cache;
    private final Executor executor;
    private final int stepTokens, chunkSize;
    private final List<Lane> lanes = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition(), done = lock.newCondition();
    private final Thread stepper;
    private final float[] logits;
    private final int[] input, seqs, positions, counts;
    private final Lane[] inStep;
    private boolean closed;
    private long steps, tokensStepped, sequencesStepped;

    /**
     * @param sequences  lanes, each with its own KV cache
     * @param stepTokens tokens one step may hold (at least {@code sequences}: every lane's decode fits)
     * @param chunkSize  prefill tokens one lane puts in a step at most
     */
    public SequenceBatch(ModelConfig config, MistralWeights weights, Backend backend, DeviceWeights deviceWeights,
                         int sequences, int stepTokens, int chunkSize) {
        if (sequences < 1) throw new IllegalArgumentException("a batch needs at least one sequence, got " + sequences);
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        if (sequences > 1 && !backend.batches()) {
            throw new UnsupportedOperationException(backend.id() + " runs one sequence per step: use --parallel 1, or the java or opencl device");
        }
        this.config = config;
        this.stepTokens = Math.max(stepTokens, sequences);
        this.chunkSize = chunkSize;
        this.cache = RollingKvCache.forSequences(config.layers(), config.kvDim(), config.slidingWindow(),
                RollingKvCache.slotsFor(config.slidingWindow(), config.contextLength()), sequences);
        ExecutionPlan plan = MistralGraph.build(config, weights, cache, this.stepTokens, Rows.LAST);
        this.executor = backend.compile(plan, deviceWeights);
        this.logits = new float[sequences * config.vocabSize()];
        this.input = new int[this.stepTokens];
        this.seqs = new int[sequences];
        this.positions = new int[sequences];
        this.counts = new int[sequences];
        this.inStep = new Lane[sequences];
        for (int i = 0; i < sequences; i++) lanes.add(new Lane(i));
        this.stepper = Thread.ofPlatform().daemon().name("mistral-batch-stepper").unstarted(this::stepLoop);
        stepper.start();
    }

    public int sequences() {
        return lanes.size();
    }

    /** Lane i: a sequence of its own, driven by one thread at a time. */
    public Sequence lane(int i) {
        return lanes.get(i);
    }

    /** Steps run so far, and the mean number of sequences and tokens in them. */
    public record Stats(long steps, double sequencesPerStep, double tokensPerStep) {
    }

    public Stats stats() {
        lock.lock();
        try {
            return new Stats(steps, steps == 0 ? 0 : (double) sequencesStepped / steps, steps == 0 ? 0 : (double) tokensStepped / steps);
        } finally {
            lock.unlock();
        }
    }

    /** A lane's request: tokens[at, to) still to go in, and where its last logits land. */
    private static final class Feed {
        final int[] tokens;
        final int to;
        final BooleanSupplier stop;
        int at;
        boolean finished;
        RuntimeException failure;

        Feed(int[] tokens, int from, int to, BooleanSupplier stop) {
            this.tokens = tokens;
            this.at = from;
            this.to = to;
            this.stop = stop;
        }
    }

    private final class Lane implements Sequence {
        final int index;
        final float[] row = new float[config.vocabSize()];
        int position;
        Feed feed;
        /** In the previous step, and not idle since: the next step waits a moment for it. */
        boolean expected;

        Lane(int index) {
            this.index = index;
        }

        @Override
        public int position() {
            return position;
        }

        @Override
        public int remaining() {
            return SequenceLimits.remaining(cache, config, position);
        }

        @Override
        public boolean rolling() {
            return cache.holdsWindow(config.contextLength());
        }

        @Override
        public boolean canRewind(int p) {
            return cache.canRewind(position, p);
        }

        @Override
        public void rewind(int p) {
            SequenceLimits.checkRewind(cache, position, p);
            position = p;
        }

        @Override
        public int feed(int[] tokens, int from, int to, LogitsSink sink, BooleanSupplier stop) {
            SequenceLimits.checkRoom(cache, config, position, to - from);
            if (to == from) return 0;
            Feed f = new Feed(tokens, from, to, stop);
            lock.lock();
            try {
                if (closed) throw new IllegalStateException("the batch is closed");
                feed = f;
                work.signal();
                while (!f.finished) done.awaitUninterruptibly();
            } finally {
                lock.unlock();
            }
            if (f.failure != null) throw f.failure;
            if (f.at == to) sink.accept(position - 1, row);
            return f.at - from;
        }

        @Override
        public float[] next(int... tokens) {
            feed(tokens, 0, tokens.length, (pos, l) -> { }, () -> false);
            return row;
        }

        @Override
        public void reset() {
            position = 0; // attention reads only positions below the sequence's own, so old slots need no clearing
        }

        @Override
        public Profile profile() {
            return executor.profile();
        }

        @Override
        public void idle() {
            lock.lock();
            try {
                expected = false;
                work.signal();
            } finally {
                lock.unlock();
            }
        }

        /** The lane stays usable until the batch closes; closing it only marks it idle. */
        @Override
        public void close() {
            idle();
        }
    }

    private void stepLoop() {
        while (true) {
            int segments;
            lock.lock();
            try {
                segments = gather();
                if (segments < 0) return;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            RuntimeException failure = null;
            try {
                Step step = Step.batch(seqs, positions, counts, segments);
                executor.writeInput(input, 0, step.n());
                executor.run(step);
                executor.readOutput(logits, segments * config.vocabSize());
            } catch (RuntimeException e) {
                failure = e;
            }
            finish(segments, failure);
        }
    }

    /**
     * Waits for work and packs the next step into seqs/positions/counts/input, under the lock.
     *
     * @return the step's segments, or -1 once closed
     */
    private int gather() throws InterruptedException {
        while (!closed && !anyWaiting()) work.await();
        long deadline = System.nanoTime() + GATHER_NANOS;
        while (!closed && missingExpected()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            work.awaitNanos(left);
        }
        if (closed) return -1;
        int segments = 0, tokens = 0;
        for (int pass = 0; pass < 2; pass++) { // one-token decodes first, then prefill chunks in the room left
            for (Lane lane : lanes) {
                Feed f = lane.feed;
                if (f == null || f.finished || (f.to - f.at == 1) != (pass == 0) || tokens == stepTokens) continue;
                if (f.stop.getAsBoolean()) {
                    f.finished = true;
                    lane.feed = null;
                    done.signalAll();
                    continue;
                }
                int n = Math.min(Math.min(f.to - f.at, chunkSize), stepTokens - tokens);
                System.arraycopy(f.tokens, f.at, input, tokens, n);
                seqs[segments] = lane.index;
                positions[segments] = lane.position;
                counts[segments] = n;
                inStep[segments++] = lane;
                tokens += n;
            }
        }
        if (segments == 0) return gather();
        steps++;
        sequencesStepped += segments;
        tokensStepped += tokens;
        return segments;
    }

    private boolean anyWaiting() {
        for (Lane l : lanes) if (l.feed != null && !l.feed.finished) return true;
        return false;
    }

    private boolean missingExpected() {
        for (Lane l : lanes) if (l.expected && l.feed == null) return true;
        return false;
    }

    /** Advances the stepped lanes and wakes those whose tokens are all in (or all of them, failed). */
    private void finish(int segments, RuntimeException failure) {
        lock.lock();
        try {
            for (Lane lane : lanes) lane.expected = false;
            for (int i = 0; i < segments; i++) {
                Lane lane = inStep[i];
                Feed f = lane.feed;
                if (failure != null) {
                    f.failure = failure;
                } else {
                    f.at += counts[i];
                    lane.position += counts[i];
                    if (f.at < f.to) continue;
                    System.arraycopy(logits, i * config.vocabSize(), lane.row, 0, config.vocabSize());
                }
                f.finished = true;
                lane.feed = null;
                lane.expected = true;
            }
            done.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            for (Lane lane : lanes) {
                if (lane.feed != null) {
                    lane.feed.failure = new IllegalStateException("the batch was closed");
                    lane.feed.finished = true;
                }
            }
            work.signalAll();
            done.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            stepper.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.close();
    }
}
