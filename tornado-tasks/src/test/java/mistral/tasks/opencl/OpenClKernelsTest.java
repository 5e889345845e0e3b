package mistral.tasks.opencl;

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
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.I32Buffer;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.TaskGraph;
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
            try (OpenClExecutor first = new OpenClExecutor(d, plan, false)) {
                assertFalse(first.programFromCache());
            }
            assertEquals(1, Files.list(dir).count());
            try (OpenClExecutor second = new OpenClExecutor(d, plan, false)) {
                assertTrue(second.programFromCache());
            }
        } finally {
            if (old == null) System.clearProperty("mistral.kernelCache");
            else System.setProperty("mistral.kernelCache", old);
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
