package mistral.tasks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.java.JavaBackend;
import mistral.tasks.kernels.Q4_KX4;
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
     * The Java backend's layouts (Q4_0_X4, Q5_K_X4, Q6_K_I8) come from their file type through the backend's own load
     * step; Q8_0_X16, which that step makes only where the row fits its groups, and the layouts it makes for one vector
     * width only (Q4_K_X4_S8 for 256 bits, Q4_K_X4 for 512) through their regroupings.
     */
    public static WeightTensor tensor(String name, TensorType type, int rows, int cols, long seed) {
        if (type == TensorType.Q8_0_X16 || type == TensorType.Q4_K_X4 || type == TensorType.Q4_K_X4_S8) {
            TensorType file = type == TensorType.Q8_0_X16 ? TensorType.Q8_0 : TensorType.Q4_K;
            WeightTensor source = tensor(name, file, rows, cols, seed);
            MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 64);
            switch (type) {
                case Q8_0_X16 -> Q8_0X16.regroup(source.data(), seg, 0, rows, cols);
                case Q4_K_X4 -> Q4_KX4.regroup(source.data(), seg, 0, rows, cols);
                default -> Q4_KX4.regroupS8(source.data(), seg, 0, rows, cols);
            }
            return new WeightTensor(name, type, rows, cols, seg);
        }
        TensorType file = switch (type) {
            case Q4_0_X4 -> TensorType.Q4_0;
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
