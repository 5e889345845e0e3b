package mistral.langchain4j;

/** The sampling defaults the chat and streaming chat models share (a request's own parameters win). */
public abstract class ChatBuilder<B extends ChatBuilder<B>> extends MistralBuilder<B> {
    private double temperature = 0.7, topP = 1.0;
    private int maxTokens = 512;
    private Long seed;
    private boolean safePrompt;

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Default 0.7; 0 is greedy. */
    public B temperature(double t) {
        this.temperature = t;
        return self();
    }

    public B topP(double p) {
        this.topP = p;
        return self();
    }

    /** Tokens per answer unless the request says (default 512). */
    public B maxTokens(int n) {
        this.maxTokens = n;
        return self();
    }

    public B seed(long seed) {
        this.seed = seed;
        return self();
    }

    /** Mistral's guardrail system prompt before every conversation. */
    public B safePrompt(boolean safe) {
        this.safePrompt = safe;
        return self();
    }

    /** The shared model, its session pool and these defaults. */
    ChatSessions chatSessions() {
        return new ChatSessions(SharedModels.acquire(requirePath(), load.build()), sessions,
                new ChatRun.Defaults(temperature, topP, maxTokens, seed, safePrompt));
    }
}
