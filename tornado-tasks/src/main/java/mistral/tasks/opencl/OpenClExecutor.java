package mistral.tasks.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import mistral.tasks.graph.Buffer;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.Profile;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.WeightTensor;

import static mistral.tasks.opencl.OpenCl.*;

/**
 * A plan on an OpenCL device, in the context of the model's {@link ClWeights}: every buffer lives
 * on the device (the weights are the model's, shared by every session; the KV cache never
 * leaves), each task is a kernel whose buffer arguments are bound once at compile
 * time; a run sets only the scalars (pos, n) and enqueues on one in-order queue. Only the token ids
 * go in and the logits come out.
 */
final class OpenClExecutor implements Executor {
    /** Decode attention: a work-group folds at least ATT_MIN_SPAN keys; at most ATT_MAX_SPLITS per head. */
    static final int ATT_MIN_SPAN = 64, ATT_MAX_SPLITS = 32;
    private final ClDevice device;
    private final ClWeights weights;
    private final ExecutionPlan plan;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment context, queue, program;
    private final Map<Buffer, MemorySegment> mems = new HashMap<>();
    private final List<Launch> launches = new ArrayList<>();
    /** Per logits matmul: where a batched step gathers the last token of each segment. */
    private final Map<Task, MemorySegment> lastRows = new HashMap<>();
    /** Buffers this executor created (its activations, cache, scratch and unloaded weights): released on close. */
    private final List<MemorySegment> owned = new ArrayList<>();
    private final int mvLanes, mvRows, gemmTile, normLws;
    private final MemorySegment scalar, event, tokensHost, outputHost;
    private final Profile profile;
    private long deviceBytes;
    private boolean closed;

    /**
     * One task as a kernel launch: buffer args already bound; per run, scalars and sizes. Matmul and
     * attention run other kernels for a single token, in {@code decode}: the matvec instead of the
     * GEMM, and the window split over work-groups then merged (attention_part, attention_combine).
     */
    private final class Launch {
        final String name;
        final MemorySegment kernel;
        final Task task;
        final List<Launch> decode;
        final MemorySegment global = arena.allocate(ValueLayout.JAVA_LONG, 2);
        final MemorySegment local = arena.allocate(ValueLayout.JAVA_LONG, 2);

        Launch(Task task, Object... bufferArgs) {
            this(task.kernel(), List.of(), task, bufferArgs);
        }

        Launch(String name, List<Launch> decode, Task task, Object... bufferArgs) {
            this.task = task;
            this.name = name;
            this.decode = decode;
            this.kernel = create(clCreateKernel, "clCreateKernel(" + name + ")", arena, program, arena.allocateFrom(name));
            for (int i = 0; i < bufferArgs.length; i++) bind(i, bufferArgs[i]);
        }

        void bind(int index, Object value) {
            switch (value) {
                case Buffer b -> bind(index, mems.get(b));
                case MemorySegment mem -> {
                    MemorySegment handle = arena.allocate(ValueLayout.ADDRESS);
                    handle.set(ValueLayout.ADDRESS, 0, mem);
                    setArg(kernel, index, ValueLayout.ADDRESS.byteSize(), handle);
                }
                case Integer v -> {
                    scalar.set(ValueLayout.JAVA_INT, 0, v);
                    setArg(kernel, index, 4, scalar);
                }
                case Float v -> {
                    scalar.set(ValueLayout.JAVA_FLOAT, 0, v);
                    setArg(kernel, index, 4, scalar);
                }
                default -> throw new IllegalArgumentException("bad kernel argument " + value);
            }
        }

        void enqueue(int dims, long g0, long g1, long l0, long l1) {
            global.set(ValueLayout.JAVA_LONG, 0, g0);
            global.set(ValueLayout.JAVA_LONG, 8, g1);
            local.set(ValueLayout.JAVA_LONG, 0, l0);
            local.set(ValueLayout.JAVA_LONG, 8, l1);
            enqueueKernel(queue, kernel, dims, global, l0 == 0 ? MemorySegment.NULL : local,
                    profile == null ? MemorySegment.NULL : event, name);
            if (profile != null) recordEvent(name, task);
        }
    }

    OpenClExecutor(ClWeights weights, ExecutionPlan plan, boolean profiling) {
        this.device = weights.device;
        this.weights = weights;
        this.plan = plan;
        this.profile = profiling ? new Profile() : null;
        this.scalar = arena.allocate(8);
        this.event = arena.allocate(ValueLayout.ADDRESS);
        ClLaunchShape shape = weights.shape;
        this.mvLanes = shape.mvLanes();
        this.mvRows = shape.mvRows();
        this.gemmTile = shape.gemmTile();
        this.normLws = shape.normLws();
        this.context = weights.context;
        this.program = weights.program;
        checkFits(plan);
        try {
            this.queue = create(clCreateCommandQueue, "clCreateCommandQueue", arena, context, device.device(),
                    profiling ? CL_QUEUE_PROFILING_ENABLE : 0L);
            this.tokensHost = arena.allocate((long) plan.input().length() * Integer.BYTES);
            this.outputHost = arena.allocate(plan.output().byteSize());
            allocate();
            for (Task t : plan.tasks()) launches.add(launch(t));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    boolean programFromCache() {
        return weights.programFromCache;
    }

    /** This session's own buffers, one at a time and together with the model's weights already on the device. */
    private void checkFits(ExecutionPlan plan) {
        long total = weights.bytes();
        for (Buffer b : plan.buffers()) {
            if (b instanceof WeightTensor w && weights.mem(w) != null) continue;
            ClWeights.checkAlloc(device, b.name(), b.byteSize());
            total += b.byteSize();
        }
        if (total > device.globalMemory()) {
            throw new OpenClException(String.format(Locale.ROOT, "the model and this session need %.2f GiB on the device; %s has %.2f GiB",
                    total / 1073741824.0, device.name(), device.globalMemory() / 1073741824.0));
        }
    }

    /** Activations and cache of this session; the model's weights are bound, unloaded ones (RoPE's table) uploaded here. */
    private void allocate() {
        for (Buffer b : plan.buffers()) {
            MemorySegment shared = b instanceof WeightTensor w ? weights.mem(w) : null;
            if (shared != null) {
                mems.put(b, shared);
                continue;
            }
            MemorySegment mem = switch (b) {
                case WeightTensor w -> ClWeights.upload(context, w, arena);
                default -> create(clCreateBuffer, "clCreateBuffer(" + b.name() + ")", arena, context, CL_MEM_READ_WRITE,
                        b.byteSize(), MemorySegment.NULL);
            };
            mems.put(b, mem);
            owned.add(mem);
            deviceBytes += b.byteSize();
        }
        reset();
    }

    private Launch launch(Task task) {
        return switch (task) {
            case Task.Embed e -> new Launch(e, e.tokens(), e.table(), e.out(), e.table().cols());
            case Task.RmsNorm r -> new Launch(r, r.x(), r.weight(), r.out(), r.dim(), r.eps());
            case Task.MatMul m -> {
                String type = m.w().type().name().toLowerCase(Locale.ROOT);
                Launch matvec = new Launch("matvec_" + type, List.of(), m, m.w(), m.x(), m.out(), m.w().rows(), m.w().cols());
                Launch few = new Launch("matvec_few_" + type, List.of(), m, m.w(), m.x(), m.out(), m.w().rows(), m.w().cols());
                if (m.rows() == Task.Rows.ALL || plan.sequences() == 1) {
                    yield new Launch("gemm_" + type, List.of(matvec, few), m, m.w(), m.x(), m.out(), m.w().rows(), m.w().cols());
                }
                // the last token of each segment of a batched step, gathered side by side
                MemorySegment rowsOfX = scratch("last rows of " + m.x().name(), (long) plan.sequences() * m.w().cols() * Float.BYTES);
                lastRows.put(m, rowsOfX);
                Launch gathered = new Launch("gemm_" + type, List.of(), m, m.w(), rowsOfX, m.out(), m.w().rows(), m.w().cols());
                Launch gatheredFew = new Launch("matvec_few_" + type, List.of(), m, m.w(), rowsOfX, m.out(), m.w().rows(), m.w().cols());
                yield new Launch("gemm_" + type, List.of(matvec, few, gathered, gatheredFew), m, m.w(), m.x(), m.out(), m.w().rows(), m.w().cols());
            }
            case Task.Rope r -> new Launch(r, r.x(), r.freqs(), r.heads(), r.headDim());
            case Task.Attention a -> {
                if (a.headDim() > 256 || a.headDim() > device.maxWorkGroup()) {
                    throw new OpenClException("head_dim " + a.headDim() + " exceeds the attention kernel's work-group limit on " + device.name());
                }
                MemorySegment parts = scratch("attention parts", (long) a.heads() * ATT_MAX_SPLITS * (a.headDim() + 2) * Float.BYTES);
                Launch part = new Launch("attention_part", List.of(), a, a.q(), a.k(), a.v(), a.cache().keys(), a.cache().values(), parts,
                        a.heads(), a.kvHeads(), a.headDim(), a.window(), a.cache().slots());
                Launch combine = new Launch("attention_combine", List.of(), a, parts, a.out(), a.headDim());
                yield new Launch("attention", List.of(part, combine), a, a.q(), a.k(), a.v(), a.cache().keys(), a.cache().values(), a.out(),
                        a.heads(), a.kvHeads(), a.headDim(), a.window(), a.cache().slots());
            }
            case Task.KvStore k -> new Launch(k, k.k(), k.v(), k.cache().keys(), k.cache().values(), k.cache().kvDim(), k.cache().slots());
            case Task.SwiGlu g -> new Launch(g, g.gate(), g.up());
            case Task.Add a -> new Launch(a, a.x(), a.delta());
        };
    }

    @Override
    public void writeInput(int[] tokens, int offset, int count) {
        MemorySegment.copy(tokens, offset, tokensHost, ValueLayout.JAVA_INT, 0, count);
        call(clEnqueueWriteBuffer, "clEnqueueWriteBuffer(tokens)", queue, mems.get(plan.input()), 1, 0L,
                (long) count * Integer.BYTES, tokensHost, 0, MemorySegment.NULL, MemorySegment.NULL);
    }

    @Override
    public void run(Step s) {
        if (s.n() > plan.capacity()) throw new IllegalArgumentException("chunk of " + s.n() + " > capacity " + plan.capacity());
        int n = s.n();
        List<Step.Segment> segments = s.segments();
        for (Launch l : launches) {
            switch (l.task) {
                case Task.Embed e -> l.enqueue(2, e.table().cols() / 32, n, 0, 0);
                case Task.RmsNorm r -> l.enqueue(1, (long) normLws * n, 1, normLws, 1);
                case Task.MatMul m -> {
                    boolean last = m.rows() == Task.Rows.LAST;
                    long rows = m.w().rows();
                    if (last && segments.size() > 1) {
                        long rowBytes = (long) m.w().cols() * Float.BYTES;
                        for (int i = 0; i < segments.size(); i++) {
                            Step.Segment g = segments.get(i);
                            call(clEnqueueCopyBuffer, "clEnqueueCopyBuffer(last rows)", queue, mems.get(m.x()), lastRows.get(m),
                                    (g.first() + g.n() - 1) * rowBytes, i * rowBytes, rowBytes, 0, MemorySegment.NULL, MemorySegment.NULL);
                        }
                        boolean few = segments.size() <= FEW_TOKENS;
                        matMul(few ? l.decode.get(3) : l.decode.get(2), few, segments.size(), rows);
                    } else if (last || n == 1) {
                        Launch matvec = l.decode.getFirst();
                        matvec.bind(5, last ? (n - 1) * m.w().cols() : 0);
                        matvec.enqueue(2, ceil(rows, mvRows) * mvLanes, mvRows, mvLanes, mvRows);
                    } else {
                        boolean few = n <= FEW_TOKENS;
                        matMul(few ? l.decode.get(1) : l, few, n, rows);
                    }
                }
                case Task.Rope r -> {
                    for (Step.Segment g : segments) {
                        l.bind(4, g.pos());
                        l.bind(5, g.first());
                        l.enqueue(2, (long) r.heads() * r.headDim() / 2, g.n(), 0, 0);
                    }
                }
                case Task.Attention a -> {
                    for (Step.Segment g : segments) attention(l, a, g);
                }
                case Task.KvStore k -> {
                    for (Step.Segment g : segments) {
                        l.bind(6, g.pos());
                        l.bind(7, g.n());
                        l.bind(8, g.first());
                        l.bind(9, k.cache().base(g.sequence()));
                        l.enqueue(2, k.cache().kvDim(), g.n(), 0, 0);
                    }
                }
                case Task.SwiGlu g -> l.enqueue(1, (long) n * g.hidden(), 1, 0, 0);
                case Task.Add a -> l.enqueue(1, (long) n * a.dim(), 1, 0, 0);
            }
        }
    }

    /** Up to this many tokens a matmul runs matvec_few (rows read once, a partial sum per token), more the GEMM's tiles. */
    static final int FEW_TOKENS = 8;

    /** n tokens through a matvec_few_T (few) or gemm_T launch: both take n as argument 5. */
    private void matMul(Launch l, boolean few, int n, long rows) {
        l.bind(5, n);
        if (few) {
            l.enqueue(2, ceil(rows, mvRows) * mvLanes, mvRows, mvLanes, mvRows);
        } else {
            int side = gemmTile / 4;
            l.enqueue(2, ceil(rows, gemmTile) * side, ceil(n, gemmTile) * side, side, side);
        }
    }

    /** One segment's attention: a one-token segment split over the window, a longer one a work-group per (head, token). */
    private void attention(Launch l, Task.Attention a, Step.Segment g) {
        int base = a.cache().base(g.sequence());
        if (g.n() == 1) {
            int keys = a.window() > 0 ? Math.min(g.pos() + 1, a.window()) : g.pos() + 1;
            int span = (int) Math.max(ATT_MIN_SPAN, ceil(keys, ATT_MAX_SPLITS));
            int splits = (int) ceil(keys, span);
            Launch part = l.decode.get(0), combine = l.decode.get(1);
            part.bind(11, g.pos());
            part.bind(12, span);
            part.bind(13, g.first());
            part.bind(14, base);
            part.enqueue(2, (long) a.heads() * a.headDim(), splits, a.headDim(), 1);
            combine.bind(3, splits);
            combine.bind(4, g.first());
            combine.enqueue(1, (long) a.heads() * a.headDim(), 1, a.headDim(), 1);
        } else {
            l.bind(11, g.pos());
            l.bind(12, g.first());
            l.bind(13, base);
            l.enqueue(2, (long) a.heads() * a.headDim(), g.n(), a.headDim(), 1);
        }
    }

    /** A device buffer of the executor's own (not in the plan), freed on close. */
    private MemorySegment scratch(String name, long bytes) {
        MemorySegment mem = create(clCreateBuffer, "clCreateBuffer(" + name + ")", arena, context, CL_MEM_READ_WRITE, bytes, MemorySegment.NULL);
        owned.add(mem);
        deviceBytes += bytes;
        return mem;
    }

    private static long ceil(long n, long unit) {
        return (n + unit - 1) / unit;
    }

    private void recordEvent(String name, Task task) {
        MemorySegment ev = event.get(ValueLayout.ADDRESS, 0);
        try (Arena a = Arena.ofConfined()) {
            call(clFinish, "clFinish", queue);
            MemorySegment start = a.allocate(ValueLayout.JAVA_LONG), end = a.allocate(ValueLayout.JAVA_LONG);
            call(clGetEventProfilingInfo, "clGetEventProfilingInfo", ev, CL_PROFILING_COMMAND_START, 8L, start, MemorySegment.NULL);
            call(clGetEventProfilingInfo, "clGetEventProfilingInfo", ev, CL_PROFILING_COMMAND_END, 8L, end, MemorySegment.NULL);
            profile.record(name, end.get(ValueLayout.JAVA_LONG, 0) - start.get(ValueLayout.JAVA_LONG, 0),
                    task instanceof Task.MatMul m ? m.w().byteSize() : 0);
        } finally {
            release(clReleaseEvent, ev);
        }
    }

    @Override
    public void readOutput(float[] dst, int count) {
        call(clEnqueueReadBuffer, "clEnqueueReadBuffer(output)", queue, mems.get(plan.output()), 1, 0L,
                (long) count * Float.BYTES, outputHost, 0, MemorySegment.NULL, MemorySegment.NULL);
        MemorySegment.copy(outputHost, ValueLayout.JAVA_FLOAT, 0, dst, 0, count);
    }

    @Override
    public void reset() {
        MemorySegment zero = arena.allocate(4);
        for (Buffer b : plan.buffers()) {
            if (b instanceof WeightTensor) continue;
            call(clEnqueueFillBuffer, "clEnqueueFillBuffer(" + b.name() + ")", queue, mems.get(b), zero, 4L, 0L,
                    b.byteSize(), 0, MemorySegment.NULL, MemorySegment.NULL);
        }
        call(clFinish, "clFinish", queue);
    }

    @Override
    public long deviceBytes() {
        return deviceBytes;
    }

    @Override
    public long allocatedBytes(Buffer buffer) {
        MemorySegment mem = mems.get(buffer);
        if (mem == null) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
            call(clGetMemObjectInfo, "clGetMemObjectInfo", mem, CL_MEM_SIZE, 8L, size, MemorySegment.NULL);
            return size.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    @Override
    public Profile profile() {
        return profile == null ? new Profile() : profile;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (queue != null) {
            try {
                call(clFinish, "clFinish", queue);
            } catch (OpenClException ignored) {
                // closing after a device failure: release what we can
            }
        }
        for (Launch l : launches) {
            release(clReleaseKernel, l.kernel);
            for (Launch d : l.decode) release(clReleaseKernel, d.kernel);
        }
        for (MemorySegment m : owned) release(clReleaseMemObject, m);
        release(clReleaseCommandQueue, queue);
        arena.close();
    }
}
