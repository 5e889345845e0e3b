package mistral.engine.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import mistral.engine.model.SequenceBatch;

/**
 * Sessions of one model that decode in shared steps ({@link MistralModel#batch}). Each
 * {@link #session(int)} is a {@link PrefixSession} for one thread at a time; sessions driven
 * from different threads at once share every step, and any may join or leave between steps.
 */
public final class Batch implements AutoCloseable {
    private final MistralModel model;
    private final SequenceBatch batch;
    private final List<PrefixSession> sessions = new ArrayList<>();
    private Runnable onClose;
    private boolean closed;

    Batch(MistralModel model, SequenceBatch batch, Runnable onClose) {
        this.model = model;
        this.batch = batch;
        this.onClose = onClose;
        for (int i = 0; i < batch.sequences(); i++) sessions.add(new PrefixSession(model, batch.lane(i)));
    }

    /** Sequences that can decode in one step. */
    public int size() {
        return sessions.size();
    }

    /** Session i (0 <= i < size()): its own KV cache and position, stepped with the others. */
    public PrefixSession session(int i) {
        return sessions.get(i);
    }

    /** Steps run so far, with the mean sequences and tokens per step. */
    public SequenceBatch.Stats stats() {
        return batch.stats();
    }

    /**
     * Plain-text completions of every prompt (BOS, then up to {@code options.maxTokens()}), up to
     * {@link #size()} at a time in shared steps; the results in the prompts' order.
     */
    public List<GenerationResult> generate(List<String> prompts, GenerateOptions options) {
        BlockingQueue<PrefixSession> free = new LinkedBlockingQueue<>(sessions);
        List<Future<GenerationResult>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String prompt : prompts) {
                int[] ids = model.tokenizer().encodeWithBos(prompt);
                results.add(threads.submit(() -> {
                    PrefixSession s = free.take();
                    try {
                        return s.generate(ids, options, (id, text) -> { }, true);
                    } finally {
                        free.add(s);
                    }
                }));
            }
            List<GenerationResult> out = new ArrayList<>();
            for (Future<GenerationResult> f : results) out.add(f.get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    void whenClosed(Runnable action) {
        this.onClose = action;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            batch.close();
        } finally {
            onClose.run();
        }
    }
}
