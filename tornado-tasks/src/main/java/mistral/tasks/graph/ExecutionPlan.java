package mistral.tasks.graph;

import java.util.List;
import java.util.Set;
import java.util.LinkedHashSet;

/** A frozen task graph: what a backend compiles and runs. */
public record ExecutionPlan(String name, int capacity, List<Buffer> buffers, List<Task> tasks,
                            I32Buffer input, F32Buffer output) {

    /** The plan's weights, each once (a tied output matrix is the embedding table). */
    public List<WeightTensor> weights() {
        Set<WeightTensor> out = new LinkedHashSet<>();
        for (Buffer b : buffers) if (b instanceof WeightTensor w) out.add(w);
        return List.copyOf(out);
    }

    /** Sequences whose caches the plan holds: how many one step may batch. */
    public int sequences() {
        return tasks.stream().filter(t -> t instanceof Task.Attention).mapToInt(t -> ((Task.Attention) t).cache().sequences()).max().orElse(1);
    }

    public long bytes(Class<? extends Buffer> kind) {
        return buffers.stream().filter(kind::isInstance).mapToLong(Buffer::byteSize).sum();
    }
}
