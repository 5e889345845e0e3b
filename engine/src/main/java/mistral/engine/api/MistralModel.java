package mistral.engine.api;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import mistral.engine.gguf.GgufFile;
import mistral.engine.model.ConfigResolver;
import mistral.engine.model.ContextOverflowException;
import mistral.engine.model.InferenceSession;
import mistral.engine.model.LogProbs;
import mistral.engine.model.MistralWeights;
import mistral.engine.model.ModelConfig;
import mistral.engine.model.Sampler;
import mistral.engine.tokenizer.SentencePieceTokenizer;
import mistral.engine.tokenizer.TokenDecoder;
import mistral.tasks.Devices;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.Profile;
import mistral.tasks.graph.Task.Rows;

/**
 * The public Java API: a loaded model on one device.
 * <pre>{@code
 * try (MistralModel m = MistralModel.load(Path.of("model.gguf"), LoadOptions.defaults())) {
 *     m.generate(m.tokenizer().encodeWithBos("Hello"), GenerateOptions.greedy(32), (id, text) -> System.out.print(text));
 * }
 * }</pre>
 */
public final class MistralModel implements AutoCloseable {
    private final GgufFile gguf;
    private final ModelConfig config;
    private final SentencePieceTokenizer tokenizer;
    private final MistralWeights weights;
    private final Backend backend;

    private final Arena memory;

    private final long fileBytesPerToken;

    private MistralModel(GgufFile gguf, ModelConfig config, SentencePieceTokenizer tokenizer, MistralWeights weights, Backend backend,
                         Arena memory, long fileBytesPerToken) {
        this.memory = memory;
        this.fileBytesPerToken = fileBytesPerToken;
        this.gguf = gguf;
        this.config = config;
        this.tokenizer = tokenizer;
        this.weights = weights;
        this.backend = backend;
    }

    public static MistralModel load(Path file, LoadOptions options) {
        GgufFile gguf = GgufFile.open(file);
        Arena memory = options.mmapWeights() ? null : Arena.ofShared();
        try {
            ModelConfig config = ConfigResolver.resolve(gguf, options.overrides());
            SentencePieceTokenizer tokenizer = SentencePieceTokenizer.fromGguf(gguf);
            MistralWeights weights = MistralWeights.load(gguf, config);
            Backend backend = Devices.open(options.device(), options.threads(), options.profile());
            long fileBytesPerToken = weights.bytesPerToken();
            if (memory != null) weights = weights.map(w -> backend.prepare(w, memory));
            return new MistralModel(gguf, config, tokenizer, weights, backend, memory, fileBytesPerToken);
        } catch (RuntimeException | Error e) {
            if (memory != null) memory.close();
            gguf.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public SentencePieceTokenizer tokenizer() {
        return tokenizer;
    }

    public MistralWeights weights() {
        return weights;
    }

    /**
     * Bytes of the file's weights one decoded token reads (every matrix once): the figure for
     * "weight bandwidth", whatever layout the backend holds them in.
     */
    public long weightBytesPerToken() {
        return fileBytesPerToken;
    }

    public Backend backend() {
        return backend;
    }

    public GgufFile file() {
        return gguf;
    }

    /** A session for your own scheduling; close it when done. */
    public InferenceSession session(int chunkSize, Rows rows, int slots) {
        return new InferenceSession(config, weights, backend, chunkSize > 0 ? chunkSize : InferenceSession.defaultChunkSize(config), rows, slots);
    }

    /**
     * Generates up to maxTokens after the prompt (ids, BOS included if wanted), stopping at EOS.
     * Prompt plus maxTokens must fit the context: checked before any work is done.
     */
    public GenerationResult generate(int[] promptIds, GenerateOptions options, TokenListener listener) {
        if (promptIds.length == 0) throw new IllegalArgumentException("empty prompt");
        long need = (long) promptIds.length + options.maxTokens();
        if (need > config.contextLength()) {
            throw new ContextOverflowException("context overflow: prompt (" + promptIds.length + " tokens) + --max-tokens "
                    + options.maxTokens() + " = " + need + " exceeds the context of " + config.contextLength()
                    + " tokens (raise it with --context)");
        }
        Sampler sampler = new Sampler(options.sampling());
        TokenDecoder decoder = tokenizer.decoder();
        for (int id : promptIds) decoder.next(id); // so the continuation keeps its leading space
        int[] generated = new int[options.maxTokens()];
        int count = 0;
        String stop = "max-tokens";
        StringBuilder text = new StringBuilder();
        long t0 = System.nanoTime(), t1 = t0;
        Profile profile;
        try (InferenceSession s = session(options.chunkSize(), Rows.LAST, 0)) {
            profile = s.executor().profile();
            float[] logits = s.next(promptIds);
            t1 = System.nanoTime();
            while (count < options.maxTokens()) {
                int id = sampler.sample(logits);
                if (id == tokenizer.eos()) {
                    stop = "eos";
                    break;
                }
                generated[count++] = id;
                String piece = decoder.next(id);
                text.append(piece);
                listener.onToken(id, piece);
                if (count < options.maxTokens()) logits = s.next(id);
            }
        }
        String rest = decoder.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            listener.onToken(-1, rest);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(promptIds, java.util.Arrays.copyOf(generated, count), text.toString(), stop, t1 - t0, t2 - t1, profile);
    }

    /** Per-token log-probabilities of a sequence, through chunked prefill. */
    public ScoreResult score(int[] ids, int chunkSize) {
        if (ids.length < 2) throw new IllegalArgumentException("scoring needs at least 2 tokens, got " + ids.length);
        double[] lp = new double[ids.length - 1];
        int chunk = chunkSize > 0 ? chunkSize : Math.min(512, InferenceSession.defaultChunkSize(config));
        try (InferenceSession s = session(chunk, Rows.ALL, 0)) {
            s.feed(ids, 0, ids.length, (pos, logits) -> {
                if (pos + 1 < ids.length) lp[pos] = LogProbs.of(logits, ids[pos + 1]);
            });
        }
        return new ScoreResult(ids, lp);
    }

    @Override
    public void close() {
        if (memory != null) memory.close();
        gguf.close();
    }
}
