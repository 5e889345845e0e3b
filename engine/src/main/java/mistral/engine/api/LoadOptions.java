package mistral.engine.api;

import mistral.engine.model.ConfigResolver;
import mistral.tasks.java.JavaBackend;

/**
 * How to load a model. Null window/preset/context mean "from the file".
 *
 * @param device  {@code java}, later {@code opencl[:N]}, ...
 * @param profile gather per-kernel timings
 * @param mmapWeights the CPU backend reads weights from the file mapping instead of a copy in memory
 *                    (less memory, slower decoding)
 */
public record LoadOptions(String device, int threads, Integer slidingWindow, String preset, Integer context, boolean profile,
                          boolean mmapWeights) {
    public static LoadOptions defaults() {
        return new LoadOptions("java", JavaBackend.defaultThreads(), null, null, null, false, false);
    }

    public LoadOptions {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (slidingWindow != null && slidingWindow < 0) throw new IllegalArgumentException("--sliding-window must be >= 0");
    }

    public LoadOptions withDevice(String d) {
        return new LoadOptions(d, threads, slidingWindow, preset, context, profile, mmapWeights);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(device, t, slidingWindow, preset, context, profile, mmapWeights);
    }

    public LoadOptions withSlidingWindow(Integer w) {
        return new LoadOptions(device, threads, w, preset, context, profile, mmapWeights);
    }

    public LoadOptions withContext(Integer c) {
        return new LoadOptions(device, threads, slidingWindow, preset, c, profile, mmapWeights);
    }

    ConfigResolver.Overrides overrides() {
        return new ConfigResolver.Overrides(slidingWindow, preset, context);
    }
}
