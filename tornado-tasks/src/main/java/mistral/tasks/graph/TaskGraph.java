package mistral.tasks.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the data flow of one model step: buffers, then tasks in execution order, with the
 * token input and the logits output named. {@link #freeze()} makes the immutable plan a backend
 * runs; weights move to the device once, then per run only the token ids go in and the output
 * comes back.
 */
public final class TaskGraph {
    private final String name;
    private final int capacity;
    private final Map<String, Buffer> buffers = new LinkedHashMap<>();
    private final List<Task> tasks = new ArrayList<>();
    private I32Buffer input;
    private F32Buffer output;

    /** @param capacity the largest chunk (tokens per run) the plan accepts */
    public TaskGraph(String name, int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be positive");
        this.name = name;
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    public F32Buffer floats(String name, long length) {
        return add(new F32Buffer(name, length));
    }

    public I32Buffer ints(String name, int length) {
        return add(new I32Buffer(name, length));
    }

    public <B extends Buffer> B add(B buffer) {
        Buffer old = buffers.putIfAbsent(buffer.name(), buffer);
        if (old != null && !old.equals(buffer)) {
            throw new IllegalArgumentException("two different buffers named " + buffer.name());
        }
        return buffer;
    }

    public TaskGraph task(Task task) {
        task.buffers().forEach(this::add);
        tasks.add(task);
        return this;
    }

    public TaskGraph input(I32Buffer tokens) {
        this.input = add(tokens);
        return this;
    }

    public TaskGraph output(F32Buffer out) {
        this.output = add(out);
        return this;
    }

    public ExecutionPlan freeze() {
        if (input == null || output == null) throw new IllegalStateException(name + ": input and output must be set");
        return new ExecutionPlan(name, capacity, List.copyOf(buffers.values()), List.copyOf(tasks), input, output);
    }
}
