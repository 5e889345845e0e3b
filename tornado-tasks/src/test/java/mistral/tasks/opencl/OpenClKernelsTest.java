package mistral.tasks.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import mistral.tasks.KernelParityContract;
import mistral.tasks.RandomWeights;
import mistral.tasks.TensorType;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.I32Buffer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.TaskGraph;
import mistral.tasks.graph.WeightTensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kernel on the OpenCL device (the shared contract), plus what only OpenCL has: binary cache, limits. */
class OpenClKernelsTest extends KernelParityContract {
    static Backend opencl;

    @BeforeAll
    static void device() {
        OpenClSupport.assumeOpenCl();
        opencl = OpenClBackend.open(null, false);
    }

    @Override
    protected Backend backend() {
        return opencl;
    }

    @Test
    void programBinaryIsCachedOnDisk(@TempDir Path dir) throws Exception {
        String old = System.getProperty("mistral.kernelCache");
        System.setProperty("mistral.kernelCache", dir.toString());
        try {
            ClDevice d = ((OpenClBackend) opencl).device();
            TaskGraph g = new TaskGraph("t", 1);
            I32Buffer tokens = g.ints("tokens", 1);
            F32Buffer out = g.floats("out", DIM);
            g.task(new Task.Embed(tokens, RandomWeights.tensor("table", TensorType.F32, 2, DIM, 1), out));
            ExecutionPlan plan = g.input(tokens).output(out).freeze();
            try (ClWeights first = new ClWeights(d, plan.weights())) {
                assertFalse(first.programFromCache);
            }
            assertEquals(1, Files.list(dir).count());
            try (ClWeights second = new ClWeights(d, plan.weights())) {
                assertTrue(second.programFromCache);
            }
        } finally {
            if (old == null) System.clearProperty("mistral.kernelCache");
            else System.setProperty("mistral.kernelCache", old);
        }
    }

    /** Two sessions over one upload: each allocates only its own buffers, and both compute what a one-off plan does. */
    @Test
    void executorsShareTheLoadedWeights() {
        TaskGraph g = new TaskGraph("t", 2);
        I32Buffer tokens = g.ints("tokens", 2);
        F32Buffer x = g.floats("x", 2L * DIM), out = g.floats("out", 2L * 48);
        WeightTensor table = RandomWeights.tensor("table", TensorType.F32, 5, DIM, 1);
        WeightTensor w = RandomWeights.tensor("w", TensorType.Q8_0, 48, DIM, 2);
        g.task(new Task.Embed(tokens, table, x)).task(new Task.MatMul(w, x, out, Task.Rows.ALL));
        ExecutionPlan plan = g.input(tokens).output(out).freeze();
        float[] alone = run(opencl.compile(plan));
        try (DeviceWeights weights = opencl.load(plan.weights())) {
            assertEquals(table.byteSize() + w.byteSize(), weights.bytes());
            Executor a = opencl.compile(plan, weights), b = opencl.compile(plan, weights);
            assertEquals(x.byteSize() + out.byteSize() + tokens.byteSize(), a.deviceBytes());
            assertArrayEquals(alone, run(a));
            assertArrayEquals(alone, run(b)); // a closed: b still reads the shared weights
        }
    }

    private static float[] run(Executor e) {
        try (e) {
            e.writeInput(new int[] {3, 1}, 0, 2);
            e.run(new Step(0, 2));
            float[] out = new float[2 * 48];
            e.readOutput(out, out.length);
            return out;
        }
    }

    @Test
    void aBufferLargerThanTheDeviceAllowsIsAClearError() {
        ClDevice d = ((OpenClBackend) opencl).device();
        TaskGraph g = new TaskGraph("t", 1);
        I32Buffer tokens = g.ints("tokens", 1);
        F32Buffer huge = g.floats("huge", d.maxAlloc() / 4 + 1024);
        ExecutionPlan plan = g.input(tokens).output(huge).freeze();
        OpenClException e = assertThrows(OpenClException.class, () -> opencl.compile(plan));
        assertTrue(e.getMessage().contains("huge") && e.getMessage().contains("GiB"), e.getMessage());
    }

    @Test
    void badDeviceIndexIsAClearError() {
        OpenClException e = assertThrows(OpenClException.class, () -> OpenClBackend.open(999, false));
        assertTrue(e.getMessage().contains("no OpenCL device 999"), e.getMessage());
    }
}
