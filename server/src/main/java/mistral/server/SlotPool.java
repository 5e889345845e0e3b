package mistral.server;

import java.util.ArrayList;
import java.util.List;
import mistral.engine.api.Batch;
import mistral.engine.api.MistralModel;
import mistral.engine.api.PrefixSession;

/**
 * N slots, each a session over the model's one set of weights, and a bounded queue in front of
 * them. On a device that batches (java, opencl) the slots are the lanes of one {@link Batch}: the
 * generations running at once decode in shared steps, so each weight is read once per step for
 * all of them. A request takes the free slot whose cache shares the longest prefix with its prompt; when
 * none is free it waits in the queue, and when the queue is full it is refused at once (429).
 */
final class SlotPool implements AutoCloseable {
    static final class Slot {
        final int index;
        final PrefixSession session;
        boolean busy;

        Slot(int index, PrefixSession session) {
            this.index = index;
            this.session = session;
        }
    }

    /** The queue was full: answered 429 with Retry-After. */
    static final class QueueFull extends RuntimeException {
        QueueFull() {
            super("all slots are busy and the queue is full", null, false, false);
        }
    }

    private final List<Slot> slots = new ArrayList<>();
    /** The slots' shared steps, or null when each slot runs a session of its own (one slot, or a device that does not batch). */
    private final Batch batch;
    private final int queueLimit;
    private int waiting, busy;

    SlotPool(MistralModel model, int parallel, int queueLimit) {
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        if (queueLimit < 0) throw new IllegalArgumentException("--queue must be >= 0, got " + queueLimit);
        // chunks of at most 512 tokens: a slot's activations then take ~90 MB for a 7B, not ~700 MB at the 4096 window
        int window = model.config().slidingWindow();
        int chunk = window > 0 ? Math.min(512, window) : 512;
        this.batch = parallel > 1 && model.backend().batches() ? model.batch(parallel, chunk) : null;
        for (int i = 0; i < parallel; i++) slots.add(new Slot(i, batch != null ? batch.session(i) : model.prefixSession(chunk)));
        this.queueLimit = queueLimit;
    }

    /**
     * A free slot, best for this prompt, waiting until {@code deadlineNanos} (System.nanoTime).
     *
     * @throws QueueFull when every slot is busy and {@code queue} requests already wait
     * @throws ApiError  504 when the deadline passes while waiting
     */
    synchronized Slot acquire(int[] prompt, long deadlineNanos) throws InterruptedException {
        if (busy == slots.size()) {
            if (waiting >= queueLimit) throw new QueueFull();
            waiting++;
            try {
                while (busy == slots.size()) {
                    long left = deadlineNanos - System.nanoTime();
                    if (left <= 0) throw new ApiError(504, "timeout", null, "timeout", "the request waited in the queue past its deadline");
                    wait(Math.max(1, left / 1_000_000));
                }
            } finally {
                waiting--;
            }
        }
        Slot best = null;
        int bestPrefix = -1;
        for (Slot s : slots) {
            if (s.busy) continue;
            int p = prompt == null ? 0 : s.session.cachedPrefix(prompt);
            if (p > bestPrefix) {
                best = s;
                bestPrefix = p;
            }
        }
        best.busy = true;
        busy++;
        return best;
    }

    synchronized void release(Slot slot) {
        if (!slot.busy) return;
        slot.busy = false;
        busy--;
        notifyAll();
    }

    synchronized int busy() {
        return busy;
    }

    synchronized int waiting() {
        return waiting;
    }

    int size() {
        return slots.size();
    }

    /** Mean sequences per decode step so far (1 without batching). */
    double sequencesPerStep() {
        return batch == null ? 1 : batch.stats().sequencesPerStep();
    }

    @Override
    public synchronized void close() {
        for (Slot s : slots) s.session.close();
        if (batch != null) batch.close();
    }
}
