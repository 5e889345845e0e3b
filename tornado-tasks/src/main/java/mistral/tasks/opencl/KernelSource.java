package mistral.tasks.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The device code from kernels-opencl, packaged as class-path resources, as one program source. */
public final class KernelSource {
    public static final List<String> FILES = List.of("common.h", "matmul.cl", "norm.cl", "rope.cl", "attention.cl", "elementwise.cl");

    private KernelSource() {
    }

    public static String program() {
        StringBuilder sb = new StringBuilder();
        for (String f : FILES) sb.append("// ---- ").append(f).append('\n').append(read(f)).append('\n');
        return sb.toString();
    }

    static String read(String file) {
        try (InputStream in = KernelSource.class.getResourceAsStream("/mistral/kernels/" + file)) {
            if (in == null) throw new IllegalStateException("kernel source " + file + " is missing from the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
