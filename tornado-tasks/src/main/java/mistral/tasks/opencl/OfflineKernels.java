package mistral.tasks.opencl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static mistral.tasks.opencl.OpenCl.*;

/**
 * The kernels for devices that compile offline (FPGAs: Intel's {@code aoc}, AMD/Xilinx's
 * {@code v++}): the whole program and its build options for an offline compiler, a manifest of
 * the kernels and their arguments, and, on a device that can compile, the driver's own binary.
 */
public final class OfflineKernels {
    /** One kernel argument as the compiler sees it. */
    public record Arg(String name, String addressSpace, String type) {
    }

    /** One kernel of the program. */
    public record Kernel(String name, List<Arg> args) {
    }

    public static final String SOURCE_FILE = "mistral-kernels.cl", OPTIONS_FILE = "build-options.txt", MANIFEST_FILE = "manifest.json";

    private OfflineKernels() {
    }

    /**
     * Writes {@link #SOURCE_FILE}, {@link #OPTIONS_FILE} (what the engine passes to clBuildProgram
     * for this device) and {@link #MANIFEST_FILE} (every kernel, read back from the device's compiler).
     */
    public static List<Kernel> export(ClDevice device, Path dir) {
        String options = ClLaunchShape.of(device).buildOptions();
        List<Kernel> kernels = kernels(device, options);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(SOURCE_FILE), KernelSource.program());
            Files.writeString(dir.resolve(OPTIONS_FILE), options + "\n");
            Files.writeString(dir.resolve(MANIFEST_FILE), manifest(device, options, kernels));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + dir + ": " + e.getMessage(), e);
        }
        return kernels;
    }

    /**
     * Compiles the program for the device and writes the driver's binary behind a header that
     * names the device and the build options ({@link KernelBinaryFile}): what {@code --kernel-binary} loads.
     */
    public static long buildBinary(ClDevice device, Path out) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment context = context(device, a);
            try {
                String options = ClLaunchShape.of(device).buildOptions();
                MemorySegment program = ClProgram.fromSource(device, context, KernelSource.program(), options);
                try {
                    byte[] binary = ClProgram.binary(program);
                    if (binary.length == 0) throw new OpenClException(device.name() + " returns no program binary");
                    Path parent = out.toAbsolutePath().getParent();
                    if (parent != null) Files.createDirectories(parent);
                    byte[] file = KernelBinaryFile.wrap(device, options, binary);
                    Files.write(out, file);
                    return file.length;
                } finally {
                    release(clReleaseProgram, program);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
            } finally {
                release(clReleaseContext, context);
            }
        }
    }

    private static MemorySegment context(ClDevice device, Arena a) {
        MemorySegment devs = a.allocate(ValueLayout.ADDRESS);
        devs.set(ValueLayout.ADDRESS, 0, device.device());
        return create(clCreateContext, "clCreateContext", a, MemorySegment.NULL, 1, devs, MemorySegment.NULL, MemorySegment.NULL);
    }

    /** The program's kernels and their arguments, from the device's compiler ({@code -cl-kernel-arg-info}). */
    static List<Kernel> kernels(ClDevice device, String options) {
        List<Kernel> out = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment context = context(device, a);
            MemorySegment program = null;
            try {
                program = ClProgram.fromSource(device, context, KernelSource.program(), options + " -cl-kernel-arg-info");
                MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
                call(clCreateKernelsInProgram, "clCreateKernelsInProgram", program, 0, MemorySegment.NULL, count);
                int n = count.get(ValueLayout.JAVA_INT, 0);
                MemorySegment handles = a.allocate(ValueLayout.ADDRESS, Math.max(1, n));
                call(clCreateKernelsInProgram, "clCreateKernelsInProgram", program, n, handles, MemorySegment.NULL);
                for (int i = 0; i < n; i++) {
                    MemorySegment k = handles.getAtIndex(ValueLayout.ADDRESS, i);
                    try {
                        String name = kernelString(k, a);
                        MemorySegment nargs = a.allocate(ValueLayout.JAVA_INT);
                        call(clGetKernelInfo, "clGetKernelInfo", k, CL_KERNEL_NUM_ARGS, 4L, nargs, MemorySegment.NULL);
                        List<Arg> args = new ArrayList<>();
                        for (int j = 0; j < nargs.get(ValueLayout.JAVA_INT, 0); j++) {
                            MemorySegment q = a.allocate(ValueLayout.JAVA_INT);
                            call(clGetKernelArgInfo, "clGetKernelArgInfo", k, j, CL_KERNEL_ARG_ADDRESS_QUALIFIER, 4L, q, MemorySegment.NULL);
                            args.add(new Arg(argString(k, j, CL_KERNEL_ARG_NAME, a), space(q.get(ValueLayout.JAVA_INT, 0)),
                                    argString(k, j, CL_KERNEL_ARG_TYPE_NAME, a)));
                        }
                        out.add(new Kernel(name, List.copyOf(args)));
                    } finally {
                        release(clReleaseKernel, k);
                    }
                }
            } finally {
                if (program != null) release(clReleaseProgram, program);
                release(clReleaseContext, context);
            }
        }
        out.sort(java.util.Comparator.comparing(Kernel::name));
        return out;
    }

    private static String space(int q) {
        return switch (q) {
            case CL_KERNEL_ARG_ADDRESS_GLOBAL -> "global";
            case CL_KERNEL_ARG_ADDRESS_LOCAL -> "local";
            case CL_KERNEL_ARG_ADDRESS_CONSTANT -> "constant";
            default -> "private";
        };
    }

    private static String kernelString(MemorySegment k, Arena a) {
        MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
        call(clGetKernelInfo, "clGetKernelInfo", k, CL_KERNEL_FUNCTION_NAME, 0L, MemorySegment.NULL, size);
        MemorySegment s = a.allocate(Math.max(1, size.get(ValueLayout.JAVA_LONG, 0)));
        call(clGetKernelInfo, "clGetKernelInfo", k, CL_KERNEL_FUNCTION_NAME, s.byteSize(), s, MemorySegment.NULL);
        return s.getString(0, StandardCharsets.UTF_8);
    }

    private static String argString(MemorySegment k, int index, int param, Arena a) {
        MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
        call(clGetKernelArgInfo, "clGetKernelArgInfo", k, index, param, 0L, MemorySegment.NULL, size);
        MemorySegment s = a.allocate(Math.max(1, size.get(ValueLayout.JAVA_LONG, 0)));
        call(clGetKernelArgInfo, "clGetKernelArgInfo", k, index, param, s.byteSize(), s, MemorySegment.NULL);
        return s.getString(0, StandardCharsets.UTF_8);
    }

    /** JSON by hand: this module has no JSON library, and the manifest is a flat list of strings. */
    private static String manifest(ClDevice device, String options, List<Kernel> kernels) {
        StringBuilder sb = new StringBuilder("{\n");
        sb.append("  \"source\": ").append(q(SOURCE_FILE)).append(",\n");
        sb.append("  \"build_options\": ").append(q(options)).append(",\n");
        sb.append("  \"exported_on\": ").append(q(device.name() + " (" + device.platformName() + " " + device.driver() + ")")).append(",\n");
        sb.append("  \"note\": ").append(q("the engine's graph runs matvec_/gemm_/embed_ kernels of its weight types and every other kernel"))
                .append(",\n  \"kernels\": [\n");
        for (int i = 0; i < kernels.size(); i++) {
            Kernel k = kernels.get(i);
            sb.append("    {\"name\": ").append(q(k.name())).append(", \"args\": [");
            for (int j = 0; j < k.args().size(); j++) {
                Arg x = k.args().get(j);
                sb.append(j == 0 ? "" : ", ").append("{\"name\": ").append(q(x.name())).append(", \"address_space\": ")
                        .append(q(x.addressSpace())).append(", \"type\": ").append(q(x.type())).append('}');
            }
            sb.append("]}").append(i + 1 < kernels.size() ? "," : "").append('\n');
        }
        return sb.append("  ]\n}\n").toString();
    }

    private static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') sb.append('\\').append(c);
            else if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        return sb.append('"').toString();
    }
}
