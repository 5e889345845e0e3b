package mistral.tasks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.Q4_0X4;
import mistral.tasks.kernels.Q4_KX4;
import mistral.tasks.kernels.Q5_KX4;
import mistral.tasks.kernels.Q6_KI8;
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

    /** The Java backend's layouts (Q4_0_X4, Q4_K_X4, Q6_K_I8) are quantized in their file type and regrouped, as the backend does at load. */
    public static WeightTensor tensor(String name, TensorType type, int rows, int cols, long seed) {
        if (type == TensorType.Q4_0_X4) {
            WeightTensor q4 = tensor(name, TensorType.Q4_0, rows, cols, seed);
            MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 16);
            Q4_0X4.regroup(q4.data(), seg, 0, rows, cols);
            return new WeightTensor(name, type, rows, cols, seg);
        }
        if (type == TensorType.Q4_K_X4) {
            WeightTensor q4k = tensor(name, TensorType.Q4_K, rows, cols, seed);
            MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 16);
            Q4_KX4.regroup(q4k.data(), seg, 0, rows, cols);
            return new WeightTensor(name, type, rows, cols, seg);
        }
        if (type == TensorType.Q5_K_X4) {
            WeightTensor q5k = tensor(name, TensorType.Q5_K, rows, cols, seed);
            MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 16);
            Q5_KX4.regroup(q5k.data(), seg, 0, rows, cols);
            return new WeightTensor(name, type, rows, cols, seg);
        }
        if (type == TensorType.Q6_K_I8) {
            WeightTensor q6k = tensor(name, TensorType.Q6_K, rows, cols, seed);
            MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 16);
            Q6_KI8.regroup(q6k.data(), seg, 0, rows, cols);
            return new WeightTensor(name, type, rows, cols, seg);
        }
        float[] w = floats(new Random(seed), rows * cols, 0.5f);
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * type.bytesFor(cols), 16);
        for (int r = 0; r < rows; r++) Quantize.row(type, w, r * cols, cols, seg, r * type.bytesFor(cols));
        return new WeightTensor(name, type, rows, cols, seg);
    }
}
