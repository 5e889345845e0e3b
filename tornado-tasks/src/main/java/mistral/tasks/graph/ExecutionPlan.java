package mistral.tasks.graph;

import java.util.List;

/** A frozen task graph: what a backend compiles and runs. */
public record ExecutionPlan(String name, int capacity, List<Buffer> buffers, List<Task> tasks,
                            I32Buffer input, F32Buffer output) {

    public long bytes(Class<? extends Buffer> kind) {
        return buffers.stream().filter(kind::isInstance).mapToLong(Buffer::byteSize).sum();
    }
}
