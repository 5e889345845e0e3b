package mistral.tasks.graph;

/** A device that runs execution plans: the Java CPU backend, an OpenCL device, ... */
public interface Backend {
    /** Short id as given on the command line, e.g. {@code java} or {@code opencl:0}. */
    String id();

    /** Human-readable device name. */
    String description();

    /** Driver or runtime version, for benchmark reports. */
    String driver();

    /** Allocates the plan's buffers on the device, uploads the weights, prepares the kernels. */
    Executor compile(ExecutionPlan plan);
}
