package mistral.tasks.opencl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import static mistral.tasks.opencl.OpenCl.*;

/**
 * Builds the kernel program for a device. The compiled binary is cached on disk under a hash of
 * source, options, device and driver, so later runs skip the driver's compiler (and a device that
 * only takes offline-compiled binaries, like an FPGA, can be served the same way).
 */
final class ClProgram {
    private ClProgram() {
    }

    static Path cacheDir() {
        String dir = System.getProperty("mistral.kernelCache", System.getenv("MISTRAL_KERNEL_CACHE"));
        if (dir != null && !dir.isBlank()) return Path.of(dir);
        return Path.of(System.getProperty("user.home"), ".cache", "mistral-java", "opencl");
    }

    static String key(ClDevice d, String source, String options) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : new String[] {source, options, d.name(), d.vendor(), d.driver(), d.version()}) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the built program; {@code fromCache} tells the caller where it came from (for tests and --verbose) */
    static MemorySegment build(ClDevice d, MemorySegment context, String source, String options, boolean[] fromCache) {
        Path file = cacheDir().resolve(key(d, source, options) + ".bin");
        if (Files.isRegularFile(file)) {
            try {
                MemorySegment p = fromBinary(d, context, Files.readAllBytes(file), options);
                fromCache[0] = true;
                return p;
            } catch (IOException | OpenClException e) {
                // a stale or foreign binary: rebuild from source below
            }
        }
        fromCache[0] = false;
        MemorySegment program = fromSource(d, context, source, options);
        try {
            byte[] binary = binary(program);
            if (binary.length > 0) {
                Files.createDirectories(file.getParent());
                Path tmp = Files.createTempFile(file.getParent(), "build", ".tmp");
                Files.write(tmp, binary);
                Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | OpenClException e) {
            // the cache is an optimization; a read-only home directory must not stop inference
        }
        return program;
    }

    /** Set (system property {@code mistral.opencl.noCompile=true} or MISTRAL_OPENCL_NO_COMPILE=1): never compile source, as on an FPGA. */
    static boolean compilingDisabled() {
        return Boolean.getBoolean("mistral.opencl.noCompile") || "1".equals(System.getenv("MISTRAL_OPENCL_NO_COMPILE"));
    }

    static MemorySegment fromSource(ClDevice d, MemorySegment context, String source, String options) {
        if (compilingDisabled()) {
            throw new OpenClException("compiling OpenCL source is disabled (MISTRAL_OPENCL_NO_COMPILE): give a prebuilt kernel binary with --kernel-binary");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment src = a.allocateFrom(source);
            MemorySegment strings = a.allocate(ValueLayout.ADDRESS);
            strings.set(ValueLayout.ADDRESS, 0, src);
            MemorySegment program = create(clCreateProgramWithSource, "clCreateProgramWithSource", a, context, 1, strings, MemorySegment.NULL);
            compile(d, program, options, a);
            return program;
        }
    }

    /**
     * The program from a binary built offline (an FPGA's {@code aoc}/{@code v++} output, or
     * {@code kernels --build-binary}): never compiled from source, never from the cache. A binary
     * the device rejects is an error that names the file.
     */
    static MemorySegment fromBinaryFile(ClDevice d, MemorySegment context, Path file, String options) {
        byte[] binary;
        try {
            binary = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new OpenClException(file + ": no such kernel binary");
        } catch (IOException e) {
            throw new OpenClException(file + ": cannot read the kernel binary: " + e.getMessage());
        }
        if (binary.length == 0) throw new OpenClException(file + ": the kernel binary is empty");
        binary = KernelBinaryFile.unwrap(file, binary, d, options);
        try {
            return fromBinary(d, context, binary, options);
        } catch (OpenClException e) {
            throw new OpenClException(file + ": not a kernel binary for " + d.name() + " (" + d.platformName() + " " + d.driver() + "): "
                    + e.getMessage());
        }
    }

    private static MemorySegment fromBinary(ClDevice d, MemorySegment context, byte[] binary, String options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment devs = a.allocate(ValueLayout.ADDRESS);
            devs.set(ValueLayout.ADDRESS, 0, d.device());
            MemorySegment lengths = a.allocate(ValueLayout.JAVA_LONG);
            lengths.set(ValueLayout.JAVA_LONG, 0, binary.length);
            MemorySegment bin = a.allocateFrom(ValueLayout.JAVA_BYTE, binary);
            MemorySegment bins = a.allocate(ValueLayout.ADDRESS);
            bins.set(ValueLayout.ADDRESS, 0, bin);
            MemorySegment binStatus = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment program = create(clCreateProgramWithBinary, "clCreateProgramWithBinary", a, context, 1, devs, lengths, bins, binStatus);
            if (binStatus.get(ValueLayout.JAVA_INT, 0) != CL_SUCCESS) {
                release(clReleaseProgram, program);
                throw new OpenClException("the device rejected the binary (" + errorName(binStatus.get(ValueLayout.JAVA_INT, 0)) + ")");
            }
            compile(d, program, options, a);
            return program;
        }
    }

    private static void compile(ClDevice d, MemorySegment program, String options, Arena a) {
        MemorySegment devs = a.allocate(ValueLayout.ADDRESS);
        devs.set(ValueLayout.ADDRESS, 0, d.device());
        int status;
        try {
            status = (int) clBuildProgram.invokeExact(program, 1, devs, a.allocateFrom(options), MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new OpenClException("clBuildProgram failed: " + t);
        }
        if (status != CL_SUCCESS) {
            String log = buildLog(d, program);
            release(clReleaseProgram, program);
            throw new OpenClException("kernel build failed on " + d.name() + ": " + errorName(status) + "\n" + log);
        }
    }

    static String buildLog(ClDevice d, MemorySegment program) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
            call(clGetProgramBuildInfo, "clGetProgramBuildInfo", program, d.device(), CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size);
            MemorySegment log = a.allocate(Math.max(1, size.get(ValueLayout.JAVA_LONG, 0)));
            call(clGetProgramBuildInfo, "clGetProgramBuildInfo", program, d.device(), CL_PROGRAM_BUILD_LOG, log.byteSize(), log, MemorySegment.NULL);
            return log.getString(0, StandardCharsets.UTF_8);
        } catch (OpenClException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    static byte[] binary(MemorySegment program) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
            call(clGetProgramInfo, "clGetProgramInfo", program, CL_PROGRAM_BINARY_SIZES, 8L, size, MemorySegment.NULL);
            long n = size.get(ValueLayout.JAVA_LONG, 0);
            if (n <= 0 || n > Integer.MAX_VALUE) return new byte[0];
            MemorySegment bin = a.allocate(n);
            MemorySegment ptrs = a.allocate(ValueLayout.ADDRESS);
            ptrs.set(ValueLayout.ADDRESS, 0, bin);
            call(clGetProgramInfo, "clGetProgramInfo", program, CL_PROGRAM_BINARIES, 8L, ptrs, MemorySegment.NULL);
            return bin.toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
