package mistral.tasks.tornado;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.WeightTensor;

/**
 * A model's weights in the arrays TornadoVM's kernels read (F32 and BF16 as floats, F16 as raw
 * bits, Q8_0/Q4_0 split into float scales and quant bytes), converted once per model. TornadoVM
 * ties device buffers to one execution plan, so each session's plan still moves these arrays to
 * the device on its first run.
 */
final class TornadoWeights implements DeviceWeights {
    private final Map<String, Object> arrays = new HashMap<>();
    private long bytes;

    TornadoWeights(List<WeightTensor> weights) {
        for (WeightTensor w : weights) {
            if (!arrays.containsKey(w.name())) {
                arrays.put(w.name(), TornadoExecutor.toArray(w));
                bytes += w.byteSize();
            }
        }
    }

    /** The arrays of a loaded weight ({@code Object[] {scales, quants}} for the block types), or null. */
    Object array(WeightTensor w) {
        return arrays.get(w.name());
    }

    @Override
    public WeightTensor tensor(WeightTensor w) {
        return w;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        arrays.clear(); // off-heap arrays are freed with their last reference
    }
}
