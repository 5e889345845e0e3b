package mistral.engine.api;

import mistral.engine.model.ConfigResolver;
import mistral.tasks.java.JavaBackend;

/**
 * How to load a model. Null window/preset/context mean "from the file".
 *
 * @param device  {@code java}, later {@code opencl[:N]}, ...
 * @param profile gather per-kernel timings
 */
public record LoadOptions(String device, int threads, Integer slidingWindow, String preset, Integer context, boolean profile) {
    public static LoadOptions defaults() {
        return new LoadOptions("java", JavaBackend.defaultThreads(), null, null, null, false);
    }

    public LoadOptions {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (slidingWindow != null && slidingWindow < 0) throw new IllegalArgumentException("--sliding-window must be >= 0");
    }

    public LoadOptions withDevice(String d) {
        return new LoadOptions(d, threads, slidingWindow, preset, context, profile);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(device, t, slidingWindow, preset, context, profile);
    }

    public LoadOptions withSlidingWindow(Integer w) {
        return new LoadOptions(device, threads, w, preset, context, profile);
    }

    public LoadOptions withContext(Integer c) {
        return new LoadOptions(device, threads, slidingWindow, preset, c, profile);
    }

    ConfigResolver.Overrides overrides() {
        return new ConfigResolver.Overrides(slidingWindow, preset, context);
    }
}
