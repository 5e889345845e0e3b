package mistral.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import mistral.tasks.Devices;
import mistral.tasks.opencl.ClDevice;
import mistral.tasks.opencl.OfflineKernels;
import mistral.tasks.opencl.OpenClBackend;

/** The OpenCL kernels for offline compilation (FPGAs), and a program binary built by a device that compiles. */
final class KernelsCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral kernels --export DIR [--device opencl:N]
                       mistral kernels --build-binary --device opencl:N --out FILE
                  --export DIR         write mistral-kernels.cl (the whole program), build-options.txt (what the
                                       engine passes to the compiler for that device) and manifest.json (every
                                       kernel and its arguments) for an offline compiler (Intel aoc, AMD/Xilinx v++)
                  --build-binary       compile the program on the device and write its binary to --out: what
                                       --kernel-binary loads (the same flow as an offline compile, on a device
                                       that can compile)
                  --device opencl:N    the device (default: the first GPU, else the first device)""";
    }

    @Override
    Set<String> valued() {
        return Set.of("--export", "--device", "--out");
    }

    @Override
    Set<String> switches() {
        return Set.of("--build-binary");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        if (a.has("--export") == a.has("--build-binary")) throw new UsageException("kernels: give exactly one of --export and --build-binary");
        String spec = a.string("--device", "opencl");
        if (!spec.equals("opencl") && !spec.startsWith("opencl:")) throw new UsageException("kernels: --device must be opencl or opencl:N, got " + spec);
        ClDevice device = OpenClBackend.pick(Devices.index(spec, "opencl"));
        if (a.has("--export")) {
            Path dir = Path.of(a.required("--export"));
            List<OfflineKernels.Kernel> kernels = OfflineKernels.export(device, dir);
            out.println("wrote " + dir.resolve(OfflineKernels.SOURCE_FILE) + ", " + OfflineKernels.OPTIONS_FILE + " and "
                    + OfflineKernels.MANIFEST_FILE + " (" + kernels.size() + " kernels, options for " + device.name() + ")");
        } else {
            if (!a.has("--out")) throw new UsageException("kernels: --build-binary needs --out FILE");
            Path file = Path.of(a.required("--out"));
            long bytes = OfflineKernels.buildBinary(device, file);
            out.println("wrote " + file + " (" + bytes + " bytes, for " + device.name() + "); run with --device opencl:" + device.index()
                    + " --kernel-binary " + file);
        }
    }
}
