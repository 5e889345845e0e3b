package mistral.tasks.graph;

import java.util.List;

/** A device that runs execution plans: the Java CPU backend, an OpenCL device, ... */
public interface Backend {
    /** Short id as given on the command line, e.g. {@code java} or {@code opencl:0}. */
    String id();

    /** Human-readable device name. */
    String description();

    /** Driver or runtime version, for benchmark reports. */
    String driver();

    /** Whether one step may hold several sequences (a plan with {@link ExecutionPlan#sequences()} > 1). */
    default boolean batches() {
        return true;
    }

    /**
     * Puts a model's weights on the device once. Plans name the tensors that
     * {@link DeviceWeights#tensor} returns, and every executor compiled against the result shares them.
     */
    DeviceWeights load(List<WeightTensor> weights);

    /**
     * Allocates the plan's activations and cache on the device and prepares the kernels; the plan's
     * weights are read from {@code weights}. A weight the plan names that was not loaded (a small
     * constant such as the RoPE table) is uploaded for this executor alone.
     */
    Executor compile(ExecutionPlan plan, DeviceWeights weights);

    /** A one-off plan (tests, microbenchmarks): its weights are loaded for it alone and freed with the executor. */
    default Executor compile(ExecutionPlan plan) {
        DeviceWeights weights = load(plan.weights());
        try {
            return new WeightOwningExecutor(compile(plan, weights), weights);
        } catch (RuntimeException | Error e) {
            weights.close();
            throw e;
        }
    }
}
