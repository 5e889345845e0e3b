package mistral.tasks.opencl;

import java.util.List;
import java.util.Optional;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.WeightTensor;

/** Runs plans on an OpenCL device through the project's own FFM binding. */
public final class OpenClBackend implements Backend {
    private final ClDevice device;
    private final boolean profile;
    private final java.nio.file.Path kernelBinary;

    private OpenClBackend(ClDevice device, boolean profile, java.nio.file.Path kernelBinary) {
        this.device = device;
        this.profile = profile;
        this.kernelBinary = kernelBinary;
    }

    /** {@code index} null: the first GPU, else the first device. */
    public static OpenClBackend open(Integer index, boolean profile) {
        return open(index, profile, null);
    }

    /** @param kernelBinary a program binary built offline for this device (an FPGA's), loaded instead of compiling source */
    public static OpenClBackend open(Integer index, boolean profile, java.nio.file.Path kernelBinary) {
        return new OpenClBackend(pick(index), profile, kernelBinary);
    }

    /** Device {@code index}, or with null the first GPU, else the first device. */
    public static ClDevice pick(Integer index) {
        Optional<String> why = OpenCl.unavailable();
        if (why.isPresent()) throw new OpenClException(why.get());
        List<ClDevice> all = ClDevice.all();
        if (all.isEmpty()) throw new OpenClException("no OpenCL device found (the ICD loader is installed, but no platform reports a device)");
        if (index == null) return all.stream().filter(ClDevice::isGpu).findFirst().orElse(all.get(0));
        if (index < 0 || index >= all.size()) {
            throw new OpenClException("no OpenCL device " + index + " (there are " + all.size() + ": 0.." + (all.size() - 1) + ")");
        }
        return all.get(index);
    }

    /** Why OpenCL cannot be used on this machine (no loader, or no device), if it cannot. */
    public static Optional<String> unavailable() {
        Optional<String> why = OpenCl.unavailable();
        if (why.isPresent()) return why;
        try {
            return ClDevice.all().isEmpty() ? Optional.of("no OpenCL platform reports a device") : Optional.empty();
        } catch (OpenClException e) {
            return Optional.of(e.getMessage());
        }
    }

    public ClDevice device() {
        return device;
    }

    @Override
    public String id() {
        return "opencl:" + device.index();
    }

    @Override
    public String description() {
        return "OpenCL " + device.describe();
    }

    @Override
    public String driver() {
        return device.platformName() + " " + device.driver();
    }

    /** Creates the model's context, builds (or takes from the cache) the program and uploads every weight once. */
    @Override
    public DeviceWeights load(List<WeightTensor> weights) {
        return new ClWeights(device, weights, kernelBinary);
    }

    @Override
    public Executor compile(ExecutionPlan plan, DeviceWeights weights) {
        if (!(weights instanceof ClWeights cl) || cl.device.device().address() != device.device().address()) {
            throw new IllegalArgumentException("these weights were loaded by another backend than " + id());
        }
        return new OpenClExecutor(cl, plan, profile);
    }
}
