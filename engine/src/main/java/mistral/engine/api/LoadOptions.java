package mistral.engine.api;

import mistral.engine.model.ConfigResolver;
import mistral.tasks.java.JavaBackend;

/**
 * How to load a model. Unset window, preset and context mean "from the file".
 * <pre>{@code
 * LoadOptions o = LoadOptions.builder().device("opencl").context(4096).build();
 * }</pre>
 */
public final class LoadOptions {
    private final String device;
    private final int threads;
    private final Integer slidingWindow;
    private final String preset;
    private final Integer context;
    private final boolean profile;
    private final boolean mmapWeights;
    private final java.nio.file.Path kernelBinary;

    private LoadOptions(Builder b) {
        if (b.threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + b.threads);
        if (b.slidingWindow != null && b.slidingWindow < 0) throw new IllegalArgumentException("--sliding-window must be >= 0");
        if (b.context != null && b.context < 1) throw new IllegalArgumentException("--context must be >= 1, got " + b.context);
        this.device = b.device;
        this.threads = b.threads;
        this.slidingWindow = b.slidingWindow;
        this.preset = b.preset;
        this.context = b.context;
        this.profile = b.profile;
        this.mmapWeights = b.mmapWeights;
        this.kernelBinary = b.kernelBinary;
    }

    /** The Java backend on all cores, everything else from the file. */
    public static LoadOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder().device(device).threads(threads).slidingWindow(slidingWindow).preset(preset).context(context)
                .profile(profile).mmapWeights(mmapWeights).kernelBinary(kernelBinary);
    }

    /** {@code java}, {@code opencl[:N]} or {@code tornado[:N]}. */
    public String device() {
        return device;
    }

    public int threads() {
        return threads;
    }

    public Integer slidingWindow() {
        return slidingWindow;
    }

    public String preset() {
        return preset;
    }

    public Integer context() {
        return context;
    }

    public boolean profile() {
        return profile;
    }

    public boolean mmapWeights() {
        return mmapWeights;
    }

    /** An OpenCL program binary built offline (an FPGA's), or null to compile the kernels' source. */
    public java.nio.file.Path kernelBinary() {
        return kernelBinary;
    }

    public LoadOptions withDevice(String d) {
        return toBuilder().device(d).build();
    }

    public LoadOptions withThreads(int t) {
        return toBuilder().threads(t).build();
    }

    public LoadOptions withSlidingWindow(Integer w) {
        return toBuilder().slidingWindow(w).build();
    }

    public LoadOptions withContext(Integer c) {
        return toBuilder().context(c).build();
    }

    ConfigResolver.Overrides overrides() {
        return new ConfigResolver.Overrides(slidingWindow, preset, context);
    }

    public static final class Builder {
        private String device = "java";
        private int threads = JavaBackend.defaultThreads();
        private Integer slidingWindow, context;
        private String preset;
        private boolean profile, mmapWeights;
        private java.nio.file.Path kernelBinary;

        private Builder() {
        }

        /** {@code java} (default), {@code opencl[:N]} or {@code tornado[:N]}. */
        public Builder device(String device) {
            this.device = device == null ? "java" : device;
            return this;
        }

        /** CPU threads of the Java backend (default: all cores). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** The attention window, overriding the file's; 0 turns it off; null: from the file or a preset. */
        public Builder slidingWindow(Integer window) {
            this.slidingWindow = window;
            return this;
        }

        /** A preset of {@code configs/} to take the window from when the file lacks it. */
        public Builder preset(String preset) {
            this.preset = preset;
            return this;
        }

        /** Context length; null: the model's, at most 8192. */
        public Builder context(Integer context) {
            this.context = context;
            return this;
        }

        /** Gather per-kernel timings. */
        public Builder profile(boolean profile) {
            this.profile = profile;
            return this;
        }

        /** Java backend: read weights from the file mapping instead of a copy (less memory, slower decoding). */
        public Builder mmapWeights(boolean mmap) {
            this.mmapWeights = mmap;
            return this;
        }

        /**
         * OpenCL only: load this program binary (built offline for the device, e.g. by an FPGA
         * vendor's compiler or {@code kernels --build-binary}) and never compile source.
         */
        public Builder kernelBinary(java.nio.file.Path binary) {
            this.kernelBinary = binary;
            return this;
        }

        public LoadOptions build() {
            return new LoadOptions(this);
        }
    }
}
