package mistral.tasks.java;

import java.lang.foreign.Arena;
import java.util.Map;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.WeightTensor;

/**
 * The Java backend's weights: copies in populated host memory (regrouped where its kernels want
 * another layout), or the file mapping itself ({@code arena} null, {@code --mmap}).
 */
final class JavaWeights implements DeviceWeights {
    private final Map<String, WeightTensor> byName;
    private final Arena arena;
    private final long bytes;
    private boolean closed;

    JavaWeights(Map<String, WeightTensor> byName, Arena arena) {
        this.byName = byName;
        this.arena = arena;
        this.bytes = arena == null ? 0 : byName.values().stream().mapToLong(WeightTensor::byteSize).sum();
    }

    @Override
    public WeightTensor tensor(WeightTensor w) {
        return byName.getOrDefault(w.name(), w);
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (arena != null && !closed) arena.close();
        closed = true;
    }
}
