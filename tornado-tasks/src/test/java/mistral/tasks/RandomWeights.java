package mistral.tasks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.java.JavaBackend;
import mistral.tasks.kernels.Q8_0X16;
import mistral.tasks.kernels.Quantize;

/** Random tensors for kernel tests. */
public final class RandomWeights {
    private RandomWeights() {
    }

    public static float[] floats(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian() * scale;
        return a;
    }

    /**
     * The Java backend's layouts (Q4_0_X4, Q4_K_X4, Q5_K_X4, Q6_K_I8) come from their file type through the backend's own load
     * step; Q8_0_X16, which that step makes only with 256-bit vectors, through its regrouping.
     */
    public static WeightTensor tensor(String name, TensorType type, int rows, int cols, long seed) {
        if (type == TensorType.Q8_0_X16) {
            WeightTensor q8 = tensor(name, TensorType.Q8_0, rows, cols, seed);
            MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 64);
            Q8_0X16.regroup(q8.data(), seg, 0, rows, cols);
            return new WeightTensor(name, type, rows, cols, seg);
        }
        TensorType file = switch (type) {
            case Q4_0_X4 -> TensorType.Q4_0;
            case Q4_K_X4 -> TensorType.Q4_K;
            case Q5_K_X4 -> TensorType.Q5_K;
            case Q6_K_I8 -> TensorType.Q6_K;
            default -> type;
        };
        if (file != type) {
            WeightTensor prepared = new JavaBackend(1, false).prepare(tensor(name, file, rows, cols, seed), Arena.ofAuto());
            if (prepared.type() != type) throw new IllegalStateException(file + " was prepared as " + prepared.type() + ", not " + type);
            return prepared;
        }
        float[] w = floats(new Random(seed), rows * cols, 0.5f);
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 16);
        for (int r = 0; r < rows; r++) Quantize.row(type, w, r * cols, cols, seg, r * type.bytesFor(cols));
        return new WeightTensor(name, type, rows, cols, seg);
    }
}
