package mistral.tasks.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The header of a built kernel binary: checked before any driver sees the bytes. */
class KernelBinaryFileTest {
    static ClDevice device(String name, String driver) {
        return new ClDevice(0, MemorySegment.NULL, MemorySegment.NULL, "Platform", name, "vendor", driver, "OpenCL 1.2", 4, 1,
                1L << 30, 1L << 28, 1 << 15, 256, false);
    }

    static final Path FILE = Path.of("k.bin");
    static final byte[] BINARY = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    @Test
    void roundTripsOnItsDevice() {
        ClDevice d = device("GPU A", "1.0");
        assertArrayEquals(BINARY, KernelBinaryFile.unwrap(FILE, KernelBinaryFile.wrap(d, "-DX=1", BINARY), d, "-DX=1"));
        byte[] raw = {9, 9, 9};
        assertArrayEquals(raw, KernelBinaryFile.unwrap(FILE, raw, d, "-DX=1"), "a vendor's binary passes as it is");
    }

    @Test
    void anotherDeviceOrOptionsOrATruncationAreClearErrors() {
        byte[] file = KernelBinaryFile.wrap(device("GPU A", "1.0"), "-DX=1", BINARY);
        String other = assertThrows(OpenClException.class, () -> KernelBinaryFile.unwrap(FILE, file, device("FPGA B", "2.0"), "-DX=1")).getMessage();
        assertTrue(other.contains("built for GPU A") && other.contains("not for FPGA B"), other);
        String opts = assertThrows(OpenClException.class, () -> KernelBinaryFile.unwrap(FILE, file, device("GPU A", "1.0"), "-DX=2")).getMessage();
        assertTrue(opts.contains("options"), opts);
        for (int cut : new int[] {10, 30, file.length - 1}) {
            String t = assertThrows(OpenClException.class,
                    () -> KernelBinaryFile.unwrap(FILE, Arrays.copyOf(file, cut), device("GPU A", "1.0"), "-DX=1")).getMessage();
            assertTrue(t.contains("truncated"), t);
        }
    }
}
