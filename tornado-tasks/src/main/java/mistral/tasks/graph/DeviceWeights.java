package mistral.tasks.graph;

/**
 * A model's weights as one backend holds them: uploaded (or copied and regrouped) once, then read
 * by every executor compiled against them, so a session allocates only its activations and its
 * KV cache. Close it after the executors that use it.
 */
public interface DeviceWeights extends AutoCloseable {
    /**
     * The tensor a plan names for the file's weight {@code w}: the Java backend's regrouped copy,
     * or {@code w} itself where the device keeps its own copy under the same name.
     */
    WeightTensor tensor(WeightTensor w);

    /** Bytes these weights take where the backend keeps them (device memory, or host memory for the Java backend). */
    long bytes();

    @Override
    void close();
}
