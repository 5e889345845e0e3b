package mistral.engine.gguf;

/**
 * One tensor's entry in the header. {@code dims[0]} is the innermost (contiguous) dimension;
 * {@code ggmlType} may be a type this engine does not support (checked when the tensor is used).
 */
public record GgufTensorInfo(String name, long[] dims, int ggmlType, long offset) {
    public long elements() {
        long n = 1;
        for (long d : dims) n = Math.multiplyExact(n, d);
        return n;
    }
}
