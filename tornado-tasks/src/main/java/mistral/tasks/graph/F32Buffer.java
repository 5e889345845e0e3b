package mistral.tasks.graph;

/** Activations or cache: {@code length} floats, allocated on the device, never copied to the host unless read. */
public record F32Buffer(String name, long length) implements Buffer {
    public F32Buffer {
        if (length <= 0) throw new IllegalArgumentException(name + ": length must be positive, got " + length);
    }

    @Override
    public long byteSize() {
        return length * Float.BYTES;
    }
}
