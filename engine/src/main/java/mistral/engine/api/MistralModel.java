package mistral.engine.api;

import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import mistral.engine.chat.ChatTemplate;
import mistral.engine.chat.Message;
import mistral.engine.chat.SafetyPrompts;
import mistral.engine.gguf.GgufFile;
import mistral.engine.model.ConfigResolver;
import mistral.engine.model.ContextOverflowException;
import mistral.engine.model.InferenceSession;
import mistral.engine.model.SequenceBatch;
import mistral.engine.model.LogProbs;
import mistral.engine.model.MistralWeights;
import mistral.engine.model.ModelConfig;
import mistral.engine.tokenizer.SentencePieceTokenizer;
import mistral.engine.tokenizer.TokenDecoder;
import mistral.engine.tokenizer.Tokenizer;
import mistral.tasks.Devices;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.Task.Rows;

/**
 * The public Java API: a model loaded on one device. The model holds its weights on the device
 * once; every generation, score, conversation and moderation runs in a session of its own that
 * allocates only activations and a KV cache. Sessions may run on several threads at once, each
 * used by one thread.
 * <pre>{@code
 * try (MistralModel m = MistralModel.load(Path.of("mistral-7b-instruct-v0.2.Q4_K_M.gguf"), LoadOptions.defaults());
 *      Conversation chat = m.chat("You are terse.", false)) {
 *     chat.send("Name three French cheeses.", GenerateOptions.greedy(64), (id, text) -> System.out.print(text));
 * }
 * }</pre>
 */
public final class MistralModel implements AutoCloseable {
    private final GgufFile gguf;
    private final ModelConfig config;
    private final SentencePieceTokenizer tokenizer;
    private final ChatTemplate chatTemplate;
    private final Backend backend;
    private final DeviceWeights deviceWeights;
    /** The tensors plans name: the device's view of the file's weights. */
    private final MistralWeights weights;
    private final long fileBytesPerToken;
    private final long loadNanos;
    private final Set<AutoCloseable> openSessions = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    private MistralModel(GgufFile gguf, ModelConfig config, SentencePieceTokenizer tokenizer, Backend backend,
                         DeviceWeights deviceWeights, MistralWeights weights, long fileBytesPerToken, long loadNanos) {
        this.gguf = gguf;
        this.config = config;
        this.tokenizer = tokenizer;
        this.chatTemplate = ChatTemplate.of(tokenizer);
        this.backend = backend;
        this.deviceWeights = deviceWeights;
        this.weights = weights;
        this.fileBytesPerToken = fileBytesPerToken;
        this.loadNanos = loadNanos;
    }

    /** Opens the file, resolves the config, and puts the weights on the device (once). */
    public static MistralModel load(Path file, LoadOptions options) {
        long t0 = System.nanoTime();
        GgufFile gguf = GgufFile.open(file);
        try {
            ModelConfig config = ConfigResolver.resolve(gguf, options.overrides());
            SentencePieceTokenizer tokenizer = SentencePieceTokenizer.fromGguf(gguf);
            MistralWeights fileWeights = MistralWeights.load(gguf, config);
            Backend backend = Devices.open(options.device(), options.threads(), options.profile(), options.mmapWeights(), options.kernelBinary());
            DeviceWeights deviceWeights = backend.load(fileWeights.tensors());
            return new MistralModel(gguf, config, tokenizer, backend, deviceWeights, fileWeights.map(deviceWeights::tensor),
                    fileWeights.bytesPerToken(), System.nanoTime() - t0);
        } catch (RuntimeException | Error e) {
            gguf.close();
            throw e;
        }
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The Instruct prompt format this model's vocabulary uses (V1 or V3). */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** Engine internals, for the CLI and benchmarks: the tensors plans name. */
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

    /** Bytes the weights take where the backend holds them (device memory, or host memory for the Java backend's copy). */
    public long deviceWeightBytes() {
        return deviceWeights.bytes();
    }

    /** Time {@link #load} took: reading, copying or uploading the weights. */
    public long loadNanos() {
        return loadNanos;
    }

    /** Engine internals, for the CLI and benchmarks. */
    public Backend backend() {
        return backend;
    }

    /** Engine internals, for tests and tools that compile plans of their own: the weights on the device. */
    public DeviceWeights deviceWeights() {
        return deviceWeights;
    }

    /** Engine internals, for the CLI. */
    public GgufFile file() {
        return gguf;
    }

    /**
     * A session for your own scheduling, over the model's weights; close it when done (closing the
     * model closes it too). One thread at a time.
     *
     * @param slots KV cache rows; 0 = as the window and context require
     */
    public InferenceSession session(int chunkSize, Rows rows, int slots) {
        InferenceSession s = new InferenceSession(config, weights, backend, deviceWeights,
                chunkSize > 0 ? chunkSize : InferenceSession.defaultChunkSize(config), rows, slots);
        openSessions.add(s);
        s.whenClosed(() -> openSessions.remove(s));
        return s;
    }

    /**
     * A session that reuses the longest cached prefix of each prompt (a server's slot). Close it
     * when done; closing the model closes it too.
     *
     * @param chunkSize prefill chunk; 0 = the default
     */
    public PrefixSession prefixSession(int chunkSize) {
        return new PrefixSession(this, chunkSize);
    }

    /**
     * {@code sequences} sessions that decode in shared steps (continuous batching): each weight is
     * read once per step for all of them, so their total throughput grows with their number. Drive
     * each {@link Batch#session(int)} from its own thread, or hand a list of prompts to
     * {@link Batch#generate}. Close it when done; closing the model closes it too.
     *
     * @param chunkSize prefill tokens a sequence puts in one step at most (0 = 512, at most the window);
     *                  a step holds at most that many tokens besides the other sequences' decodes
     */
    public Batch batch(int sequences, int chunkSize) {
        int chunk = chunkSize > 0 ? chunkSize : Math.min(512, InferenceSession.defaultChunkSize(config));
        SequenceBatch b = new SequenceBatch(config, weights, backend, deviceWeights, sequences, chunk + sequences - 1, chunk);
        Batch batch = new Batch(this, b, () -> { });
        openSessions.add(batch);
        batch.whenClosed(() -> openSessions.remove(batch));
        return batch;
    }

    /** An id for the model, as servers list it: the file's name without {@code .gguf}. */
    public String id() {
        String name = gguf.path().getFileName().toString();
        return name.endsWith(".gguf") ? name.substring(0, name.length() - 5) : name;
    }

    /** Plain-text completion: the prompt with BOS, then up to {@code maxTokens}. */
    public GenerationResult generate(String prompt, GenerateOptions options, TokenListener listener) {
        return generate(tokenizer.encodeWithBos(prompt), options, listener);
    }

    /**
     * Generates up to maxTokens after the prompt (ids, BOS included if wanted), stopping at EOS or
     * when cancelled. Prompt plus maxTokens must fit the context: checked before any work is done.
     */
    public GenerationResult generate(int[] promptIds, GenerateOptions options, TokenListener listener) {
        if (promptIds.length == 0) throw new IllegalArgumentException("empty prompt");
        checkFits(promptIds.length, options.maxTokens());
        TokenDecoder decoder = tokenizer.decoder();
        for (int id : promptIds) decoder.next(id); // so the continuation keeps its leading space
        try (InferenceSession s = session(options.chunkSize(), Rows.LAST, 0)) {
            return TokenLoop.run(s, promptIds, 0, options, tokenizer.eos(), decoder, listener).result();
        }
    }

    void checkFits(int promptTokens, int maxTokens) {
        long need = (long) promptTokens + maxTokens;
        if (need > config.contextLength()) {
            throw new ContextOverflowException("context overflow: prompt (" + promptTokens + " tokens) + --max-tokens "
                    + maxTokens + " = " + need + " exceeds the context of " + config.contextLength()
                    + " tokens (raise it with --context)");
        }
    }

    /** Per-token log-probabilities of a sequence, through chunked prefill. */
    public ScoreResult score(int[] ids, int chunkSize) {
        if (ids.length < 2) throw new IllegalArgumentException("scoring needs at least 2 tokens, got " + ids.length);
        double[] lp = new double[ids.length - 1];
        try (InferenceSession s = session(scoreChunk(chunkSize), Rows.ALL, 0)) {
            s.feed(ids, 0, ids.length, (pos, logits) -> {
                if (pos + 1 < ids.length) lp[pos] = LogProbs.of(logits, ids[pos + 1]);
            });
        }
        return new ScoreResult(ids, lp);
    }

    private int scoreChunk(int chunkSize) {
        return chunkSize > 0 ? chunkSize : Math.min(512, InferenceSession.defaultChunkSize(config));
    }

    /**
     * A conversation that keeps its KV cache between turns, so each turn prefills only its new
     * tokens. Close it (or the model) to free its session.
     *
     * @param system     a system prompt, or null
     * @param safePrompt put the guardrail system prompt first (Mistral's {@code safe_prompt})
     */
    public Conversation chat(String system, boolean safePrompt) {
        return new Conversation(this, system, safePrompt);
    }

    /** A user prompt or an assistant answer through the self-reflection classifier. */
    public ModerationResult moderate(Message message) {
        if (message.role() == Message.Role.SYSTEM) throw new IllegalArgumentException("moderation takes a user or assistant message, not a system message");
        return moderate(message.content());
    }

    /**
     * Classifies a text with Mistral's self-reflection prompt (paper, section 5.2) by scoring, not
     * by free generation: after one prefill of the prompt, each of the 14 answers gets
     * log P(encode(label) + EOS | prompt), and the category is the best of them.
     */
    public ModerationResult moderate(String text) {
        int[] prompt = chatTemplate.encode(List.of(Message.user(SafetyPrompts.selfReflection(text))), false);
        Map<String, int[]> answers = new LinkedHashMap<>();
        int longest = 0;
        for (String label : SafetyPrompts.MODERATION_LABELS) {
            int[] ids = concat(tokenizer.encode(label), tokenizer.eos());
            answers.put(label, ids);
            longest = Math.max(longest, ids.length);
        }
        checkFits(prompt.length, longest);
        // a rolling cache keeps `longest` rows beyond the window, so each answer can be rewound
        int slots = config.windowed() && config.slidingWindow() < config.contextLength() ? config.slidingWindow() + longest : 0;
        Map<String, Double> scores = new LinkedHashMap<>();
        try (InferenceSession s = session(scoreChunk(0), Rows.ALL, slots)) {
            float[] first = new float[config.vocabSize()];
            s.feed(prompt, 0, prompt.length, (pos, logits) -> {
                if (pos == prompt.length - 1) System.arraycopy(logits, 0, first, 0, first.length);
            });
            for (Map.Entry<String, int[]> a : answers.entrySet()) {
                int[] ids = a.getValue();
                double[] lp = {LogProbs.of(first, ids[0])};
                s.rewind(prompt.length);
                s.feed(ids, 0, ids.length - 1, (pos, logits) -> lp[0] += LogProbs.of(logits, ids[pos - prompt.length + 1]));
                scores.put(a.getKey(), lp[0]);
            }
        }
        String best = null;
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (Map.Entry<String, Double> e : scores.entrySet()) {
            if (e.getValue() > max) {
                max = e.getValue();
                best = e.getKey();
            }
        }
        for (double v : scores.values()) sum += Math.exp(v - max);
        Map<String, Double> probabilities = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : scores.entrySet()) probabilities.put(e.getKey(), Math.exp(e.getValue() - max) / sum);
        return new ModerationResult(best, scores, probabilities, prompt);
    }

    private static int[] concat(int[] a, int b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    /** Closes every session still open, then frees the weights and the file. */
    @Override
    public void close() {
        List<AutoCloseable> open;
        synchronized (openSessions) {
            open = List.copyOf(openSessions);
        }
        try {
            for (AutoCloseable s : open) {
                try {
                    s.close();
                } catch (Exception e) {
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
            }
        } finally {
            try {
                deviceWeights.close();
            } finally {
                gguf.close();
            }
        }
    }
}
