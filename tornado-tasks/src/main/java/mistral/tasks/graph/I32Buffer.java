package mistral.tasks.graph;

/** Integer input (token ids), written by the host before a run. */
public record I32Buffer(String name, int length) implements Buffer {
    @Override
    public long byteSize() {
        return (long) length * Integer.BYTES;
    }
}
