package mistral.tasks.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mistral.tasks.TensorType;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.ReferenceKernels;

import static mistral.tasks.opencl.OpenCl.*;

/**
 * A model on one OpenCL device: the context, the built program and every weight's buffer, made
 * once. Each session's executor creates its own queue, kernels and activation buffers in this
 * context and binds these weight buffers.
 */
final class ClWeights implements DeviceWeights {
    final ClDevice device;
    final ClLaunchShape shape;
    final MemorySegment context, program;
    final boolean programFromCache;
    private final Arena arena = Arena.ofShared();
    private final Map<String, MemorySegment> mems = new HashMap<>();
    private long bytes;
    private boolean closed;

    ClWeights(ClDevice device, List<WeightTensor> weights) {
        this(device, weights, null);
    }

    /** @param kernelBinary a program binary built offline, loaded instead of compiling (or the cache); null: from source */
    ClWeights(ClDevice device, List<WeightTensor> weights, java.nio.file.Path kernelBinary) {
        this.device = device;
        this.shape = ClLaunchShape.of(device);
        checkFits(device, weights);
        MemorySegment devs = arena.allocate(ValueLayout.ADDRESS);
        devs.set(ValueLayout.ADDRESS, 0, device.device());
        MemorySegment ctx = null, prog = null;
        boolean[] cached = new boolean[1];
        try {
            ctx = create(clCreateContext, "clCreateContext", arena, MemorySegment.NULL, 1, devs, MemorySegment.NULL, MemorySegment.NULL);
            prog = kernelBinary != null ? ClProgram.fromBinaryFile(device, ctx, kernelBinary, shape.buildOptions())
                    : ClProgram.build(device, ctx, KernelSource.program(), shape.buildOptions(), cached);
            for (WeightTensor w : weights) {
                if (!mems.containsKey(w.name())) {
                    mems.put(w.name(), upload(ctx, w, arena));
                    bytes += w.byteSize();
                }
            }
        } catch (RuntimeException e) {
            for (MemorySegment m : mems.values()) release(clReleaseMemObject, m);
            if (prog != null) release(clReleaseProgram, prog);
            if (ctx != null) release(clReleaseContext, ctx);
            arena.close();
            throw e;
        }
        this.context = ctx;
        this.program = prog;
        this.programFromCache = cached[0];
    }

    private static void checkFits(ClDevice device, List<WeightTensor> weights) {
        long total = 0;
        for (WeightTensor w : weights) {
            checkAlloc(device, w.name(), w.byteSize());
            total += w.byteSize();
        }
        if (total > device.globalMemory()) {
            throw new OpenClException(String.format(Locale.ROOT, "the model's weights need %.2f GiB on the device; %s has %.2f GiB",
                    total / 1073741824.0, device.name(), device.globalMemory() / 1073741824.0));
        }
    }

    static void checkAlloc(ClDevice device, String name, long bytes) {
        if (bytes > device.maxAlloc()) {
            throw new OpenClException(String.format(Locale.ROOT, "%s needs %.2f GiB in one buffer; %s allows at most %.2f GiB",
                    name, bytes / 1073741824.0, device.name(), device.maxAlloc() / 1073741824.0));
        }
    }

    /** Vectors (norm weights, RoPE frequencies) go up as float32; matrices as their raw GGUF blocks. */
    static MemorySegment upload(MemorySegment context, WeightTensor w, Arena arena) {
        MemorySegment host = w.data();
        if (w.rows() == 1 && w.type() != TensorType.F32) {
            float[] f = ReferenceKernels.weightRow(w, 0);
            host = arena.allocate((long) f.length * 4);
            MemorySegment.copy(f, 0, host, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, f.length);
        } else if (w.rows() > 1 && w.cols() % 32 != 0) {
            throw new OpenClException(w.name() + ": " + w.cols() + " columns; the OpenCL kernels need a multiple of 32");
        }
        return create(clCreateBuffer, "clCreateBuffer(" + w.name() + ")", arena, context,
                CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, host.byteSize(), host);
    }

    /** The device buffer of a loaded weight, or null if it was not loaded. */
    MemorySegment mem(WeightTensor w) {
        return mems.get(w.name());
    }

    @Override
    public WeightTensor tensor(WeightTensor w) {
        return w;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (MemorySegment m : mems.values()) release(clReleaseMemObject, m);
        mems.clear();
        release(clReleaseProgram, program);
        release(clReleaseContext, context);
        arena.close();
    }
}
