package mistral.langchain4j;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;

/**
 * One loaded model per file and load options, shared by every chat, streaming and moderation
 * model built over it (a 7B's weights are 4 GB). Counted: the last one closed frees it.
 */
final class SharedModels {
    private record Entry(MistralModel model, int[] users) {
    }

    private static final Map<String, Entry> MODELS = new HashMap<>();

    private SharedModels() {
    }

    private static String key(Path file, LoadOptions o) {
        return file.toAbsolutePath().normalize() + "|" + o.device() + "|" + o.threads() + "|" + o.slidingWindow() + "|" + o.preset()
                + "|" + o.context() + "|" + o.mmapWeights();
    }

    static synchronized MistralModel acquire(Path file, LoadOptions options) {
        Entry e = MODELS.computeIfAbsent(key(file, options), k -> new Entry(MistralModel.load(file, options), new int[1]));
        e.users()[0]++;
        return e.model();
    }

    static synchronized void release(MistralModel model) {
        for (Map.Entry<String, Entry> e : MODELS.entrySet()) {
            if (e.getValue().model() == model) {
                if (--e.getValue().users()[0] == 0) {
                    MODELS.remove(e.getKey());
                    model.close();
                }
                return;
            }
        }
    }

    /** How many models are loaded now (for tests). */
    static synchronized int loaded() {
        return MODELS.size();
    }
}
