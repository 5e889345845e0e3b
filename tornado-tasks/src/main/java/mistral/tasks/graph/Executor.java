package mistral.tasks.graph;

/** A plan made ready on a device. Not thread-safe: one run at a time. */
public interface Executor extends AutoCloseable {

    /** Copies {@code count} token ids to the plan's input buffer. */
    void writeInput(int[] tokens, int offset, int count);

    /** Runs every task of the plan for one chunk. */
    void run(Step step);

    /** Copies {@code count} floats from the start of the plan's output buffer into dst. */
    void readOutput(float[] dst, int count);

    /** Zeroes every activation and cache buffer, as after compile. */
    void reset();

    /** Bytes this executor holds on its device of its own: activations, cache, kernels' scratch (not the shared weights). */
    long deviceBytes();

    /** Bytes the device actually allocated for one of the plan's buffers, as the device reports it. */
    long allocatedBytes(Buffer buffer);

    /** Per-kernel time so far, if profiling was asked for; otherwise empty. */
    Profile profile();

    @Override
    void close();
}
