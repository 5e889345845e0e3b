package mistral.tasks.java;

import mistral.tasks.graph.Backend;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;

/** Runs plans on the CPU: Vector API kernels on a pool of threads, weights read from the mapped file. */
public final class JavaBackend implements Backend {
    private final int threads;
    private final boolean profile;

    public JavaBackend(int threads, boolean profile) {
        this.threads = threads;
        this.profile = profile;
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    @Override
    public String id() {
        return "java";
    }

    @Override
    public String description() {
        return "Java CPU backend (Vector API " + Simd.F.vectorBitSize() + "-bit, " + threads + " threads)";
    }

    @Override
    public String driver() {
        return "Java " + Runtime.version();
    }

    @Override
    public Executor compile(ExecutionPlan plan) {
        return new JavaExecutor(plan, threads, profile);
    }
}
