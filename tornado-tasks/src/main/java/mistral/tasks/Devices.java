package mistral.tasks;

import java.util.ArrayList;
import java.util.List;
import mistral.tasks.graph.Backend;
import java.util.Optional;
import mistral.tasks.java.JavaBackend;
import mistral.tasks.opencl.ClDevice;
import mistral.tasks.opencl.OpenClBackend;
import mistral.tasks.opencl.OpenClException;

/** Turns a {@code --device} spec into a backend, and lists what this machine offers. */
public final class Devices {
    private Devices() {
    }

    public static Backend open(String spec, int threads, boolean profile) {
        return open(spec, threads, profile, false, null);
    }

    /**
     * @param javaInPlace  the Java backend reads weights where they are (the file mapping) instead of copying them
     * @param kernelBinary an OpenCL program binary built offline, loaded instead of compiling source (opencl only)
     */
    public static Backend open(String spec, int threads, boolean profile, boolean javaInPlace, java.nio.file.Path kernelBinary) {
        boolean opencl = spec != null && (spec.equals("opencl") || spec.startsWith("opencl:"));
        if (kernelBinary != null && !opencl) throw new IllegalArgumentException("--kernel-binary applies to --device opencl[:N], not " + spec);
        if (spec == null || spec.equals("java") || spec.equals("cpu")) return new JavaBackend(threads, profile, javaInPlace);
        if (opencl) return OpenClBackend.open(index(spec, "opencl"), profile, kernelBinary);
        if (spec.equals("tornado") || spec.startsWith("tornado:")) return TornadoLoader.open(index(spec, "tornado"), profile);
        throw new IllegalArgumentException("unknown device '" + spec + "' (available: " + String.join(", ", ids()) + ")");
    }

    /** N of "kind:N", or null for a bare "kind" (the backend's default device). */
    public static Integer index(String spec, String kind) {
        if (spec.equals(kind)) return null;
        try {
            return Integer.parseInt(spec.substring(kind.length() + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad device '" + spec + "': expected " + kind + ":N with N a number");
        }
    }

    public static List<String> ids() {
        List<String> ids = new ArrayList<>();
        ids.add("java");
        for (ClDevice d : openClDevices()) ids.add("opencl:" + d.index());
        if (TornadoLoader.unavailable().isEmpty()) {
            for (int i = 0; i < TornadoLoader.describe().size(); i++) ids.add("tornado:" + i);
        }
        return ids;
    }

    private static List<ClDevice> openClDevices() {
        try {
            return ClDevice.all();
        } catch (OpenClException e) {
            return List.of();
        }
    }

    /** Why {@code --device tornado} cannot be used in this JVM, if it cannot. */
    public static Optional<String> tornadoUnavailable() {
        return TornadoLoader.unavailable();
    }

    /** One line per device, for {@code mistral devices}; says why OpenCL is absent when it is. */
    public static List<String> describe(int threads) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-10s %s", "java", new JavaBackend(threads, false).description()));
        Optional<String> noOpenCl = OpenClBackend.unavailable();
        if (noOpenCl.isPresent()) {
            lines.add(String.format("%-10s %s", "opencl", "not available: " + noOpenCl.get()));
        } else {
            for (ClDevice d : ClDevice.all()) {
                String note = d.typeName().equals("accelerator") ? "  (compiles offline: needs --kernel-binary, see kernels --export)" : "";
                lines.add(String.format("%-10s %s%s", "opencl:" + d.index(), d.describe(), note));
            }
        }
        Optional<String> noTornado = TornadoLoader.unavailable();
        if (noTornado.isPresent()) lines.add(String.format("%-10s %s", "tornado", "not available: " + noTornado.get()));
        else lines.addAll(TornadoLoader.describe());
        return lines;
    }
}
