package mistral.tasks.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import mistral.tasks.graph.Buffer;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.I32Buffer;
import mistral.tasks.graph.Profile;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.DequantLayouts;
import mistral.tasks.kernels.ReferenceKernels;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.ByteArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.ShortArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;
import uk.ac.manchester.tornado.api.types.arrays.TornadoNativeArray;

/**
 * A plan as one TornadoVM TaskGraph, frozen into an ImmutableTaskGraph and a TornadoExecutionPlan.
 * The weights' arrays are the model's ({@link TornadoWeights}); they and the device-resident state
 * (activations, KV cache) transfer once (FIRST_EXECUTION);
 * per run only the token ids and params = [pos, n] go in and the output comes back.
 */
final class TornadoExecutor implements Executor {
    private final ExecutionPlan plan;
    private final Map<Buffer, Object> arrays = new HashMap<>();
    private final IntArray params = new IntArray(2);
    private final TornadoExecutionPlan executionPlan;
    private final Profile profile;
    private long deviceBytes;

    TornadoExecutor(TornadoDevice device, ExecutionPlan plan, TornadoWeights weights, boolean profiling) {
        this.plan = plan;
        this.profile = profiling ? new Profile() : null;
        for (Buffer b : plan.buffers()) {
            deviceBytes += b.byteSize();
            Object loaded = b instanceof WeightTensor w ? weights.array(w) : null;
            arrays.put(b, loaded != null ? loaded : toArray(b));
        }
        TaskGraph g = new TaskGraph("mistral");
        List<Object> once = new ArrayList<>();
        for (Buffer b : plan.buffers()) {
            if (b.equals(plan.input())) continue;
            Object a = arrays.get(b);
            if (a instanceof Object[] pair) once.addAll(List.of(pair));
            else once.add(a);
        }
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays.get(plan.input()), params);
        GridScheduler grids = new GridScheduler();
        int id = 0;
        for (Task t : plan.tasks()) {
            String name = "t" + id++;
            grids.addWorkerGrid("mistral." + name, add(g, name, t));
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays.get(plan.output()));
        ImmutableTaskGraph frozen = g.snapshot();
        this.executionPlan = new TornadoExecutionPlan(frozen).withDevice(device).withGridScheduler(grids);
    }

    /** F32 buffers and F32/F16 weights map to one array; Q8_0/Q4_0 to {scales, bytes}; BF16 widens to F32. */
    static Object toArray(Buffer b) {
        return switch (b) {
            case F32Buffer f -> new FloatArray(Math.toIntExact(f.length()));
            case I32Buffer i -> new IntArray(i.length());
            case WeightTensor w -> switch (w.type()) {
                case F32 -> FloatArray.fromSegment(w.data());
                case F16 -> w.rows() == 1 ? floats(w) : ShortArray.fromSegment(w.data());
                case BF16 -> floats(w);
                case Q8_0, Q4_0 -> w.rows() == 1 ? floats(w) : repack(w);
                case Q4_0_X4, Q4_K_X4, Q4_K_X4_S8, Q5_K_X4, Q6_K_I8, Q8_0_X16 -> throw new IllegalArgumentException(w.name() + ": " + w.type() + " is the Java backend's layout");
                case Q4_K, Q5_K, Q6_K -> {
                    if (w.rows() > 1) throw new IllegalArgumentException(w.name() + ": no TornadoVM kernels for " + w.type() + " yet; use --device java");
                    yield floats(w);
                }
            };
        };
    }

    private static FloatArray floats(WeightTensor w) {
        FloatArray a = new FloatArray(Math.multiplyExact(w.rows(), w.cols()));
        for (int r = 0; r < w.rows(); r++) {
            float[] row = ReferenceKernels.weightRow(w, r);
            for (int i = 0; i < row.length; i++) a.set(r * w.cols() + i, row[i]);
        }
        return a;
    }

    /** Splits GGUF blocks into a float scale per block and the block's quant bytes. */
    private static Object[] repack(WeightTensor w) {
        int blocks = Math.multiplyExact(w.rows(), w.cols() / 32);
        int quantBytes = w.type().blockBytes - 2;
        FloatArray scales = new FloatArray(blocks);
        ByteArray q = new ByteArray(Math.multiplyExact(blocks, quantBytes));
        MemorySegment src = w.data();
        for (int b = 0; b < blocks; b++) {
            long off = (long) b * w.type().blockBytes;
            scales.set(b, Float.float16ToFloat(src.get(DequantLayouts.SHORT, off)));
            for (int i = 0; i < quantBytes; i++) q.set(b * quantBytes + i, src.get(ValueLayout.JAVA_BYTE, off + 2 + i));
        }
        return new Object[] {scales, q};
    }

    private FloatArray f(Buffer b) {
        return (FloatArray) arrays.get(b);
    }

    private WorkerGrid add(TaskGraph g, String name, Task task) {
        int cap = plan.capacity();
        int lws = TornadoKernels.LWS;
        KernelContext ctx = new KernelContext();
        switch (task) {
            case Task.Embed e -> {
                int dim = e.table().cols();
                Object table = arrays.get(e.table());
                IntArray tokens = (IntArray) arrays.get(e.tokens());
                switch (e.table().type()) {
                    case F32, BF16 -> g.task(name, TornadoKernels::embedF32, ctx, tokens, (FloatArray) table, f(e.out()), dim, params);
                    case F16 -> g.task(name, TornadoKernels::embedF16, ctx, tokens, (ShortArray) table, f(e.out()), dim, params);
                    case Q8_0 -> g.task(name, TornadoKernels::embedQ8, ctx, tokens, (FloatArray) ((Object[]) table)[0],
                            (ByteArray) ((Object[]) table)[1], f(e.out()), dim, params);
                    case Q4_0 -> g.task(name, TornadoKernels::embedQ4, ctx, tokens, (FloatArray) ((Object[]) table)[0],
                            (ByteArray) ((Object[]) table)[1], f(e.out()), dim, params);
                }
                return grid2(dim, cap, 0, 0);
            }
            case Task.RmsNorm r -> {
                g.task(name, TornadoKernels::rmsnorm, ctx, f(r.x()), f(r.weight()), f(r.out()), r.dim(), r.eps(), params);
                return grid1(lws * cap, lws);
            }
            case Task.MatMul m -> {
                Object w = arrays.get(m.w());
                int rows = m.w().rows(), cols = m.w().cols();
                int last = m.rows() == Task.Rows.LAST ? 1 : 0;
                switch (m.w().type()) {
                    case F32, BF16 -> g.task(name, TornadoKernels::matmulF32, ctx, (FloatArray) w, f(m.x()), f(m.out()), rows, cols, params, last);
                    case F16 -> g.task(name, TornadoKernels::matmulF16, ctx, (ShortArray) w, f(m.x()), f(m.out()), rows, cols, params, last);
                    case Q8_0 -> g.task(name, TornadoKernels::matmulQ8, ctx, (FloatArray) ((Object[]) w)[0], (ByteArray) ((Object[]) w)[1],
                            f(m.x()), f(m.out()), rows, cols, params, last);
                    case Q4_0 -> g.task(name, TornadoKernels::matmulQ4, ctx, (FloatArray) ((Object[]) w)[0], (ByteArray) ((Object[]) w)[1],
                            f(m.x()), f(m.out()), rows, cols, params, last);
                }
                return grid2(rows * lws, last == 1 ? 1 : cap, lws, 1);
            }
            case Task.Rope r -> {
                g.task(name, TornadoKernels::rope, ctx, f(r.x()), f(r.freqs()), r.heads(), r.headDim(), params);
                return grid2(r.heads() * r.headDim() / 2, cap, 0, 0);
            }
            case Task.Attention a -> {
                if (a.headDim() > TornadoKernels.MAX_HEAD_DIM) throw new IllegalArgumentException("head_dim " + a.headDim() + " > " + TornadoKernels.MAX_HEAD_DIM);
                g.task(name, TornadoKernels::attention, ctx, f(a.q()), f(a.k()), f(a.v()), f(a.cache().keys()), f(a.cache().values()),
                        f(a.out()), a.heads(), a.kvHeads(), a.headDim(), a.window(), a.cache().slots(), params);
                return grid2(a.heads() * a.headDim(), cap, a.headDim(), 1);
            }
            case Task.KvStore k -> {
                g.task(name, TornadoKernels::kvStore, ctx, f(k.k()), f(k.v()), f(k.cache().keys()), f(k.cache().values()),
                        k.cache().kvDim(), k.cache().slots(), params);
                return grid2(k.cache().kvDim(), cap, 0, 0);
            }
            case Task.SwiGlu s -> {
                g.task(name, TornadoKernels::swiglu, ctx, f(s.gate()), f(s.up()), s.hidden(), params);
                return grid1(cap * s.hidden(), 0);
            }
            case Task.Add a -> {
                g.task(name, TornadoKernels::add, ctx, f(a.x()), f(a.delta()), a.dim(), params);
                return grid1(cap * a.dim(), 0);
            }
        }
    }

    private static WorkerGrid grid1(int global, int local) {
        WorkerGrid1D w = new WorkerGrid1D(global);
        if (local > 0) w.setLocalWork(local, 1, 1);
        return w;
    }

    private static WorkerGrid grid2(int x, int y, int lx, int ly) {
        WorkerGrid2D w = new WorkerGrid2D(x, y);
        if (lx > 0) w.setLocalWork(lx, ly, 1);
        return w;
    }

    @Override
    public void writeInput(int[] tokens, int offset, int count) {
        IntArray in = (IntArray) arrays.get(plan.input());
        for (int i = 0; i < count; i++) in.set(i, tokens[offset + i]);
    }

    @Override
    public void run(Step s) {
        if (s.n() > plan.capacity()) throw new IllegalArgumentException("chunk of " + s.n() + " > capacity " + plan.capacity());
        params.set(0, s.pos());
        params.set(1, s.n());
        long t0 = System.nanoTime();
        executionPlan.execute();
        if (profile != null) profile.record("tornado_plan", System.nanoTime() - t0, 0);
    }

    @Override
    public void readOutput(float[] dst, int count) {
        FloatArray out = f(plan.output());
        for (int i = 0; i < count; i++) dst[i] = out.get(i);
    }

    @Override
    public void reset() {
        // every activation is written before it is read, and attention reads only cache slots of
        // positions already stored, so a new sequence needs no clearing on the device
    }

    @Override
    public long deviceBytes() {
        return deviceBytes;
    }

    @Override
    public long allocatedBytes(Buffer buffer) {
        Object a = arrays.get(buffer);
        return a instanceof TornadoNativeArray t ? t.getNumBytesOfSegment() : 0;
    }

    @Override
    public Profile profile() {
        return profile == null ? new Profile() : profile;
    }

    @Override
    public void close() {
        try {
            executionPlan.freeDeviceMemory();
            executionPlan.close();
        } catch (Exception e) {
            // closing after a failure: nothing more to free
        }
    }
}
