package mistral.engine.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import mistral.engine.api.MistralModel;
import mistral.engine.model.InferenceSession;
import mistral.engine.model.Sampler;
import mistral.engine.model.Sequence;
import mistral.engine.model.SequenceBatch;

/**
 * Decode throughput against the number of sequences sharing each step: for every B, B threads
 * each prefill their own prompt (together, in shared steps), wait for one another, then decode
 * {@code gen} greedy tokens each, every step holding all B decodes. A warm-up run, then
 * {@code repeat} timed runs.
 */
public final class BatchBenchmark {
    /**
     * @param aggregateDecodeTokS B x gen tokens over the time until the last stream finished
     * @param perStreamDecodeTokS gen tokens over each stream's own decode time (median over streams)
     * @param prefillTokS         B x prompt tokens over the time until the last prefill finished
     */
    public record Result(int sequences, Stats aggregateDecodeTokS, Stats perStreamDecodeTokS, Stats prefillTokS, double tokensPerStep,
                         String profile) {
    }

    private BatchBenchmark() {
    }

    public static List<Result> run(MistralModel model, int prompt, int gen, int repeat, int chunkSize, int[] sequences,
                                   Consumer<String> progress) {
        if (prompt < 1 || gen < 1 || repeat < 1) throw new IllegalArgumentException("bench: --prompt, --gen and --repeat must be >= 1");
        int chunk = chunkSize > 0 ? chunkSize : Math.min(InferenceSession.defaultChunkSize(model.config()), Math.max(prompt, 1));
        List<Result> out = new ArrayList<>();
        for (int b : sequences) {
            if (b < 1) throw new IllegalArgumentException("bench: --parallel takes sequence counts >= 1, got " + b);
            try (SequenceBatch batch = new SequenceBatch(model.config(), model.weights(), model.backend(), model.deviceWeights(),
                    b, chunk + b - 1, chunk)) {
                double[] agg = new double[repeat], per = new double[repeat], pre = new double[repeat];
                for (int r = -1; r < repeat; r++) {
                    progress.accept(String.format("parallel %d: %s", b, r < 0 ? "warm-up" : "run " + (r + 1) + "/" + repeat));
                    double[] rates = once(model, batch, prompt, r < 0 ? Math.min(gen, 8) : gen);
                    if (r < 0) continue;
                    pre[r] = rates[0];
                    agg[r] = rates[1];
                    per[r] = rates[2];
                }
                String profile = batch.lane(0).profile().isEmpty() ? "" : batch.lane(0).profile().table();
                out.add(new Result(b, Stats.of(agg), Stats.of(per), Stats.of(pre), batch.stats().tokensPerStep(), profile));
            }
        }
        return out;
    }

    /** {prefill, aggregate decode, median per-stream decode} tok/s of one run. */
    private static double[] once(MistralModel model, SequenceBatch batch, int prompt, int gen) {
        int b = batch.sequences();
        CyclicBarrier prefilled = new CyclicBarrier(b);
        long[] start = new long[1];
        List<Future<long[]>> streams = new ArrayList<>();
        try (ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            CyclicBarrier ready = new CyclicBarrier(b, () -> start[0] = System.nanoTime());
            for (int i = 0; i < b; i++) {
                Sequence lane = batch.lane(i);
                int[] tokens = Benchmark.randomTokens(model, prompt, 7 + i);
                streams.add(threads.submit(() -> {
                    lane.reset();
                    ready.await();
                    float[][] last = {null};
                    lane.feed(tokens, 0, prompt, (p, l) -> last[0] = l);
                    long t1 = System.nanoTime();
                    prefilled.await();
                    long t2 = System.nanoTime();
                    float[] logits = last[0];
                    for (int g = 0; g < gen; g++) logits = lane.next(Sampler.argmax(logits));
                    long t3 = System.nanoTime();
                    lane.idle();
                    return new long[] {t1, t2, t3};
                }));
            }
            long prefillEnd = 0, decodeStart = Long.MAX_VALUE, decodeEnd = 0;
            double[] perStream = new double[b];
            for (int i = 0; i < b; i++) {
                long[] t = streams.get(i).get();
                prefillEnd = Math.max(prefillEnd, t[0]);
                decodeStart = Math.min(decodeStart, t[1]);
                decodeEnd = Math.max(decodeEnd, t[2]);
                perStream[i] = gen / ((t[2] - t[1]) / 1e9);
            }
            return new double[] {(double) b * prompt / ((prefillEnd - start[0]) / 1e9), (double) b * gen / ((decodeEnd - decodeStart) / 1e9),
                    Stats.of(perStream).median()};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }
}
