package mistral.tasks.java;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import mistral.tasks.TensorType;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.Quantize;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The decode matvec of each weight type on a 7B-shaped FFN matrix (14336 x 4096). The "bytes"
 * counter is the weight bytes streamed, so its rate is the kernel's GB/s. The matrix is larger
 * than the caches ({@code copies} matrices are cycled), as the weights of a real model are.
 * Run: java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar MatVec
 *
 * <p>The fork runs with the launcher's GC flags (bin/mistral), so it measures the kernels in the JVM
 * the engine runs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
        "-XX:MaxNewSize=96m"})
public class MatVecBenchmark {
    @Param({"Q4_0_X4", "Q4_K_X4", "Q5_K_X4", "Q6_K_I8", "Q4_0", "Q8_0", "F16", "BF16", "F32"})
    public String type;

    @Param({"1"})
    public int tokens;

    private static final int ROWS = 14336, COLS = 4096;
    private WeightTensor[] copies;
    private int next;
    private float[] x, out;
    private ParallelFor parallel;
    private JavaKernels kernels;

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Bytes {
        public long bytes;
    }

    @Setup(Level.Trial)
    public void setup() {
        TensorType t = TensorType.valueOf(type);
        long bytes = (long) ROWS * t.bytesFor(COLS);
        int n = (int) Math.max(2, (1L << 30) / bytes); // about 1 GiB of weights in all
        copies = new WeightTensor[n];
        Random r = new Random(1);
        float[] row = new float[COLS];
        TensorType stored = switch (t) { // the Java backend's layouts are regrouped after quantizing, as at load
            case Q4_0_X4 -> TensorType.Q4_0;
            case Q4_K_X4, Q4_K_X4_S8 -> TensorType.Q4_K; // Q4_K's layout for this JVM's vector width, either name
            case Q5_K_X4 -> TensorType.Q5_K;
            case Q6_K_I8 -> TensorType.Q6_K;
            default -> t;
        };
        for (int c = 0; c < n; c++) {
            MemorySegment seg = Arena.global().allocate((long) ROWS * stored.bytesFor(COLS), 64);
            for (int i = 0; i < ROWS; i++) {
                if (c == 0 || i % 64 == 0) for (int j = 0; j < COLS; j++) row[j] = (float) r.nextGaussian() * 0.02f;
                Quantize.row(stored, row, 0, COLS, seg, i * stored.bytesFor(COLS));
            }
            WeightTensor w = new WeightTensor("w" + c, stored, ROWS, COLS, seg);
            copies[c] = t == stored ? w : new JavaBackend(1, false).prepare(w, Arena.global());
        }
        x = new float[COLS * tokens];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        out = new float[ROWS * tokens];
        parallel = new ParallelFor(Runtime.getRuntime().availableProcessors());
        kernels = new JavaKernels(parallel);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        parallel.close();
    }

    @Benchmark
    public float[] matVec(Bytes counter) {
        WeightTensor w = copies[next++ % copies.length];
        kernels.matMul(w, x, out, Task.Rows.ALL, new Step(0, tokens));
        counter.bytes += w.byteSize();
        return out;
    }
}
