package mistral.engine.bench;

import java.util.SplittableRandom;
import java.util.function.Consumer;
import mistral.engine.api.MistralModel;
import mistral.engine.model.InferenceSession;
import mistral.engine.model.Sampler;
import mistral.tasks.graph.Task.Rows;

/**
 * Times prefill and decode on a loaded model: a warm-up run, then {@code repeat} runs, each on a
 * fresh cache: prefill of {@code depth} context tokens (untimed) if asked, then a timed prefill
 * of {@code prompt} tokens, then {@code gen} greedy decode steps.
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
            progress.accept("warm-up");
            once(session, context, 0, Math.min(s.prompt(), 2 * chunk), Math.min(s.gen(), 8), new double[1], new double[1], 0);
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
