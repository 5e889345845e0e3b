package mistral.tasks.graph;

/** An executor that also frees the weights loaded for it alone ({@link Backend#compile(ExecutionPlan)}). */
final class WeightOwningExecutor implements Executor {
    private final Executor executor;
    private final DeviceWeights weights;

    WeightOwningExecutor(Executor executor, DeviceWeights weights) {
        this.executor = executor;
        this.weights = weights;
    }

    @Override
    public void writeInput(int[] tokens, int offset, int count) {
        executor.writeInput(tokens, offset, count);
    }

    @Override
    public void run(Step step) {
        executor.run(step);
    }

    @Override
    public void readOutput(float[] dst, int count) {
        executor.readOutput(dst, count);
    }

    @Override
    public void reset() {
        executor.reset();
    }

    @Override
    public long deviceBytes() {
        return executor.deviceBytes() + weights.bytes();
    }

    @Override
    public long allocatedBytes(Buffer buffer) {
        return executor.allocatedBytes(buffer);
    }

    @Override
    public Profile profile() {
        return executor.profile();
    }

    @Override
    public void close() {
        try {
            executor.close();
        } finally {
            weights.close();
        }
    }
}
