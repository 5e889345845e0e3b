package mistral.engine.bench;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import mistral.engine.api.MistralModel;
import mistral.engine.model.InferenceSession;
import mistral.engine.model.Sampler;
import mistral.tasks.graph.Task.Rows;

/**
 * Times prefill and decode on a loaded model: warm-up runs until the timings settle, then
 * {@code repeat} runs, each on a fresh cache: prefill of {@code depth} context tokens (untimed) if
 * asked, then a timed prefill of {@code prompt} tokens, then {@code gen} greedy decode steps.
 */
public final class Benchmark {
    public record Settings(int prompt, int gen, int repeat, int depth, int chunkSize) {
        public Settings {
            if (prompt < 1 || gen < 1 || repeat < 1 || depth < 0) throw new IllegalArgumentException("bench: --prompt, --gen and --repeat must be >= 1");
        }
    }

    /** @param kvCacheBytes as the device reports its cache buffers' sizes (measured, not computed) */
    public record Result(Stats prefillTokS, Stats decodeTokS, double weightGbps, long kvCacheBytes, long deviceBytes) {
    }

    private Benchmark() {
    }

    public static Result run(MistralModel model, Settings s, Consumer<String> progress) {
        int chunk = s.chunkSize() > 0 ? s.chunkSize() : Math.min(InferenceSession.defaultChunkSize(model.config()), Math.max(s.prompt(), 1));
        int[] context = randomTokens(model, s.depth() + s.prompt(), 7);
        double[] prefill = new double[s.repeat()], decode = new double[s.repeat()];
        long kv, device;
        try (InferenceSession session = model.session(chunk, Rows.LAST, 0)) {
            kv = session.cache().layer().stream().mapToLong(l ->
                    session.executor().allocatedBytes(l.keys()) + session.executor().allocatedBytes(l.values())).sum();
            device = session.executor().deviceBytes();
            warmUp(session, context, Math.min(s.prompt(), 2 * chunk), Math.min(s.gen(), 16), progress);
            for (int r = 0; r < s.repeat(); r++) {
                progress.accept(String.format("run %d/%d", r + 1, s.repeat()));
                session.reset();
                if (s.depth() > 0) session.feed(context, 0, s.depth(), (p, l) -> { });
                once(session, context, s.depth(), s.prompt(), s.gen(), prefill, decode, r);
            }
        }
        Stats d = Stats.of(decode);
        return new Result(Stats.of(prefill), d, model.weightBytesPerToken() * d.median() / 1e9, kv, device);
    }

    /** Warm-up ends after this long once two runs in a row agree, or after the cap whatever the timings. */
    static final long WARM_UP_MIN_NANOS = 2_000_000_000L, WARM_UP_MAX_NANOS = 20_000_000_000L;
    static final double SETTLED = 0.05;

    /**
     * Runs the workload until the JIT has compiled the kernels, as JMH's warm-up does: at least
     * {@link #WARM_UP_MIN_NANOS} and until the prefill and decode rates of two runs in a row agree
     * within {@link #SETTLED}, at most {@link #WARM_UP_MAX_NANOS} (a 7B's single run is longer than both).
     */
    private static void warmUp(InferenceSession session, int[] tokens, int prompt, int gen, Consumer<String> progress) {
        long start = System.nanoTime();
        double[] prefill = new double[1], decode = new double[1];
        double lastPrefill = 0, lastDecode = 0;
        for (int run = 1; ; run++) {
            progress.accept("warm-up " + run);
            session.reset();
            once(session, tokens, 0, prompt, gen, prefill, decode, 0);
            long elapsed = System.nanoTime() - start;
            boolean settled = run > 1 && near(prefill[0], lastPrefill) && near(decode[0], lastDecode);
            if (elapsed >= WARM_UP_MAX_NANOS || (elapsed >= WARM_UP_MIN_NANOS && settled)) return;
            lastPrefill = prefill[0];
            lastDecode = decode[0];
        }
    }

    private static boolean near(double a, double b) {
        return Math.abs(a - b) <= SETTLED * Math.max(a, b);
    }

    private static void once(InferenceSession session, int[] tokens, int from, int prompt, int gen,
                             double[] prefill, double[] decode, int r) {
        if (session.position() != from) session.reset();
        long t0 = System.nanoTime();
        float[][] last = {null};
        session.feed(tokens, from, from + prompt, (p, l) -> last[0] = l); // the session's row: read before the next feed
        float[] logits = last[0];
        long t1 = System.nanoTime();
        for (int i = 0; i < gen; i++) logits = session.next(Sampler.argmax(logits));
        long t2 = System.nanoTime();
        prefill[r] = prompt / ((t1 - t0) / 1e9);
        decode[r] = gen / ((t2 - t1) / 1e9);
    }

    /** Plain-text token ids (no control or byte pieces), reproducible. */
    static int[] randomTokens(MistralModel model, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        t[0] = model.tokenizer().bos();
        int vocab = model.config().vocabSize();
        for (int i = 1; i < n; i++) t[i] = 259 + r.nextInt(vocab - 259);
        return t;
    }
}
