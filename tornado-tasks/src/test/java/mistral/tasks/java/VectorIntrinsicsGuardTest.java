package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import mistral.tasks.RandomWeights;
import mistral.tasks.TensorType;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.WeightTensor;
import org.junit.jupiter.api.Test;

/**
 * The hot kernels must stay intrinsified: a Vector API call that C2 leaves out of line runs its
 * Java fallback ({@code jdk.internal.vm.vector.VectorSupport.binaryOp} and friends), which boxes
 * every vector and runs 2-20x slower. After the kernels have had time to compile, JFR samples
 * their threads; any sample inside the fallback is a failure, whatever the timings. Runs in the
 * default test run and in the -XX:UseAVX=2 one (tornado-tasks/pom.xml).
 */
class VectorIntrinsicsGuardTest {
    static final List<TensorType> HOT = List.of(TensorType.Q4_0_X4, TensorType.Q8_0, Q4_KX4MatVec.layout(), TensorType.Q5_K_X4,
            TensorType.Q6_K_I8, TensorType.Q8_0_X16, TensorType.F16, TensorType.BF16, TensorType.F32);

    @Test
    void decodeMatVecsAndPrefillGemmRunNoVectorFallback() throws Exception {
        try (ParallelFor parallel = new ParallelFor(2)) {
            JavaKernels kernels = new JavaKernels(parallel);
            int rows = 256, cols = 4096;
            WeightTensor[] w = HOT.stream().map(t -> RandomWeights.tensor(t.name(), t, rows, cols, 7)).toArray(WeightTensor[]::new);
            float[] x = RandomWeights.floats(new Random(3), 32 * cols, 1f), out = new float[32 * rows];
            Step one = new Step(0, 1), four = new Step(0, 4), eight = new Step(0, 8), chunk = new Step(0, 32);
            Runnable all = () -> {
                for (WeightTensor t : w) kernels.matMul(t, x, out, Task.Rows.ALL, one);
                kernels.matMul(w[0], x, out, Task.Rows.ALL, four); // a batched decode step's few-token kernels
                kernels.matMul(w[0], x, out, Task.Rows.ALL, eight);
                kernels.matMul(w[0], x, out, Task.Rows.ALL, chunk); // a prefill chunk's GEMM, tokens in the lanes
                kernels.matMul(w[2], x, out, Task.Rows.ALL, chunk);
            };
            // C2 compiles the kernels: at least 4 s, and until the JIT has been idle for 1.5 s (a
            // loaded machine starves the compiler threads; a fixed time then samples interpreted code)
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            long warm = System.nanoTime(), lastChange = warm, lastTotal = -1;
            while (true) {
                all.run();
                long now = System.nanoTime(), total = jit.getTotalCompilationTime();
                if (total != lastTotal) {
                    lastTotal = total;
                    lastChange = now;
                }
                if (now - warm > 60_000_000_000L || (now - warm > 4_000_000_000L && now - lastChange > 1_500_000_000L)) break;
            }
            Path file = Files.createTempFile("vector-guard", ".jfr");
            try (Recording r = new Recording()) {
                r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(5));
                r.start();
                long start = System.nanoTime();
                while (System.nanoTime() - start < 2_000_000_000L) all.run();
                r.stop();
                r.dump(file);
            }
            int samples = 0, fallback = 0;
            Map<String, Integer> where = new TreeMap<>();
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (e.getStackTrace() == null) continue;
                List<RecordedFrame> frames = e.getStackTrace().getFrames();
                boolean kernel = frames.stream().anyMatch(f -> f.getMethod().getType().getName().startsWith("mistral.tasks.java."));
                if (!kernel) continue;
                samples++;
                for (RecordedFrame f : frames) {
                    if (f.getMethod().getType().getName().equals("jdk.internal.vm.vector.VectorSupport")) {
                        fallback++;
                        RecordedFrame caller = frames.stream().filter(g -> g.getMethod().getType().getName().startsWith("mistral.tasks.java."))
                                .findFirst().orElse(f);
                        where.merge(caller.getMethod().getType().getName() + "." + caller.getMethod().getName() + " -> VectorSupport."
                                + f.getMethod().getName(), 1, Integer::sum);
                        break;
                    }
                }
            }
            Files.deleteIfExists(file);
            System.out.printf("vector guard (%d-bit): %d kernel samples, %d in the Java fallback %s%n", Simd.F.vectorBitSize(), samples, fallback, where);
            assertTrue(samples > 20, "too few samples to judge: " + samples);
            assertTrue(fallback == 0, fallback + " of " + samples + " samples ran the Vector API's Java fallback: " + where);
        }
    }
}
