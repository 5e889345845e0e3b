package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
    static final List<TensorType> HOT = List.of(TensorType.Q4_0_X4, TensorType.Q8_0, TensorType.Q4_K_X4, TensorType.Q5_K_X4,
            TensorType.Q6_K_I8, TensorType.F16, TensorType.BF16, TensorType.F32);

    @Test
    void decodeMatVecsRunNoVectorFallback() throws Exception {
        try (ParallelFor parallel = new ParallelFor(2)) {
            JavaKernels kernels = new JavaKernels(parallel);
            int rows = 256, cols = 4096;
            WeightTensor[] w = HOT.stream().map(t -> RandomWeights.tensor(t.name(), t, rows, cols, 7)).toArray(WeightTensor[]::new);
            float[] x = RandomWeights.floats(new Random(3), cols, 1f), out = new float[rows];
            Step one = new Step(0, 1);
            Runnable all = () -> {
                for (WeightTensor t : w) kernels.matMul(t, x, out, Task.Rows.ALL, one);
            };
            long warm = System.nanoTime();
            while (System.nanoTime() - warm < 4_000_000_000L) all.run(); // C2 compiles the kernels
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
