package mistral.langchain4j;

import java.nio.file.Path;
import mistral.engine.api.LoadOptions;

/**
 * What every model builder of this module takes, in LangChain4j's builder style: the file and how
 * to load it. Builders over the same file and options share one loaded model.
 */
public abstract class MistralBuilder<B extends MistralBuilder<B>> {
    Path modelPath;
    LoadOptions.Builder load = LoadOptions.builder();
    int sessions = 1;

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The GGUF file (required). */
    public B modelPath(Path path) {
        this.modelPath = path;
        return self();
    }

    /** {@code java} (default), {@code opencl[:N]} or {@code tornado[:N]}. */
    public B device(String device) {
        load.device(device);
        return self();
    }

    public B threads(int threads) {
        load.threads(threads);
        return self();
    }

    /** Context length; default the model's, at most 8192. */
    public B context(int context) {
        load.context(context);
        return self();
    }

    /** Overrides the sliding window (0: none). */
    public B slidingWindow(int window) {
        load.slidingWindow(window);
        return self();
    }

    /**
     * Sessions that serve calls at once (default 1): more calls wait their turn. Each session has
     * its own KV cache over the one set of weights.
     */
    public B sessions(int sessions) {
        if (sessions < 1) throw new IllegalArgumentException("sessions must be >= 1, got " + sessions);
        this.sessions = sessions;
        return self();
    }

    Path requirePath() {
        if (modelPath == null) throw new IllegalArgumentException("modelPath is required");
        return modelPath;
    }
}
