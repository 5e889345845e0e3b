package mistral.tasks.graph;

import java.lang.foreign.Arena;

/** A device that runs execution plans: the Java CPU backend, an OpenCL device, ... */
public interface Backend {
    /** Short id as given on the command line, e.g. {@code java} or {@code opencl:0}. */
    String id();

    /** Human-readable device name. */
    String description();

    /** Driver or runtime version, for benchmark reports. */
    String driver();

    /**
     * The form of a weight this backend reads, in memory from {@code arena} if it needs a copy.
     * Device backends upload the weight as stored (the default); the Java backend copies it out
     * of the file mapping and may regroup it for its kernels.
     */
    default WeightTensor prepare(WeightTensor w, Arena arena) {
        return w;
    }

    /** Allocates the plan's buffers on the device, uploads the weights, prepares the kernels. */
    Executor compile(ExecutionPlan plan);
}
