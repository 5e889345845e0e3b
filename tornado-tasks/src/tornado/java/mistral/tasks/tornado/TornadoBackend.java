package mistral.tasks.tornado;

import java.util.ArrayList;
import java.util.List;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.WeightTensor;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/** Runs plans through TornadoVM on any device it drives (OpenCL, PTX, ...): {@code --device tornado[:N]}. */
public final class TornadoBackend implements Backend {
    static {
        // the whole model is one task graph (17 tasks a layer); TornadoVM's default bytecode
        // buffer (4 KB) holds a few dozen tasks
        if (System.getProperty("tornado.tvm.maxbytecodesize") == null) System.setProperty("tornado.tvm.maxbytecodesize", "4194304");
    }

    private final int index;
    private final TornadoDevice device;
    private final boolean profile;

    public TornadoBackend(Integer index, boolean profile) {
        List<TornadoDevice> all = devices();
        if (all.isEmpty()) throw new IllegalStateException("TornadoVM reports no device");
        int i = index == null ? 0 : index;
        if (i < 0 || i >= all.size()) throw new IllegalArgumentException("no TornadoVM device " + i + " (there are " + all.size() + ")");
        this.index = i;
        this.device = all.get(i);
        this.profile = profile;
    }

    /** Every device of every TornadoVM backend, in order (the N of tornado:N). */
    public static List<TornadoDevice> devices() {
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        List<TornadoDevice> out = new ArrayList<>();
        for (int b = 0; b < rt.getNumBackends(); b++) {
            for (int d = 0; d < rt.getBackend(b).getNumDevices(); d++) out.add(TornadoExecutionPlan.getDevice(b, d));
        }
        return out;
    }

    /** One line per device, for {@code mistral devices}. */
    public static List<String> describe() {
        List<String> lines = new ArrayList<>();
        List<TornadoDevice> all = devices();
        for (int i = 0; i < all.size(); i++) lines.add(String.format("%-10s TornadoVM %s", "tornado:" + i, all.get(i).getDescription()));
        return lines;
    }

    @Override
    public String id() {
        return "tornado:" + index;
    }

    @Override
    public String description() {
        return "TornadoVM " + device.getDescription();
    }

    @Override
    public String driver() {
        return "TornadoVM " + System.getProperty("tornado.version", "") + " " + device.getDeviceName();
    }

    @Override
    public DeviceWeights load(List<WeightTensor> weights) {
        return new TornadoWeights(weights);
    }

    /** Its task graph binds one position per run, so a step holds one sequence. */
    @Override
    public boolean batches() {
        return false;
    }

    @Override
    public Executor compile(ExecutionPlan plan, DeviceWeights weights) {
        if (!(weights instanceof TornadoWeights t)) throw new IllegalArgumentException("these weights were loaded by another backend than " + id());
        if (plan.sequences() > 1) {
            throw new UnsupportedOperationException("the TornadoVM backend runs one sequence per step; batched steps of "
                    + plan.sequences() + " sequences run on the java and opencl devices");
        }
        return new TornadoExecutor(device, plan, t, profile);
    }
}
