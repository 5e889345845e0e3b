package mistral.tasks.graph;

import java.lang.foreign.MemorySegment;
import mistral.tasks.TensorType;

/**
 * A read-only weight matrix of {@code rows} x {@code cols} (row-major, each row contiguous, as GGUF
 * stores a linear layer's [out, in] weight). {@code data} is the host copy, usually a slice of the
 * memory-mapped model file; backends upload it once.
 */
public record WeightTensor(String name, TensorType type, int rows, int cols, MemorySegment data) implements Buffer {
    public WeightTensor {
        if (cols % type.blockSize != 0) {
            throw new IllegalArgumentException(name + ": " + cols + " columns is not a multiple of the " + type + " block size");
        }
        long need = (long) rows * type.bytesFor(cols);
        if (data.byteSize() != need) {
            throw new IllegalArgumentException(name + ": expected " + need + " bytes of " + type + ", got " + data.byteSize());
        }
    }

    public long rowBytes() {
        return type.bytesFor(cols);
    }

    @Override
    public long byteSize() {
        return data.byteSize();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WeightTensor w && w.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
