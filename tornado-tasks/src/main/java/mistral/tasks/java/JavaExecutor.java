package mistral.tasks.java;

import java.util.Arrays;
import java.util.HashMap;
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
import mistral.tasks.kernels.ReferenceKernels;

/** The Java backend's "device": heap arrays for activations and cache; the weights are read where the plan's tensors point. */
final class JavaExecutor implements Executor {
    private final ExecutionPlan plan;
    private final ParallelFor parallel;
    private final JavaKernels kernels;
    private final Map<Buffer, float[]> floats = new HashMap<>();
    private final Map<Buffer, int[]> ints = new HashMap<>();
    /** Small F32 weights (norms) are dequantized once. */
    private final Map<Buffer, float[]> vectors = new HashMap<>();
    private final Profile profile;

    JavaExecutor(ExecutionPlan plan, int threads, boolean profiling) {
        this.plan = plan;
        this.parallel = new ParallelFor(threads);
        this.kernels = new JavaKernels(parallel);
        this.profile = profiling ? new Profile() : null;
        for (Buffer b : plan.buffers()) {
            switch (b) {
                case F32Buffer f -> {
                    if (f.length() > Integer.MAX_VALUE - 8) {
                        throw new IllegalArgumentException(f.name() + ": " + f.length() + " floats is more than one Java array holds");
                    }
                    floats.put(f, new float[(int) f.length()]);
                }
                case I32Buffer i -> ints.put(i, new int[i.length()]);
                case WeightTensor w -> {
                    if (w.rows() == 1) vectors.put(w, ReferenceKernels.weightRow(w, 0));
                }
            }
        }
    }

    private float[] f(F32Buffer b) {
        return floats.get(b);
    }

    @Override
    public void writeInput(int[] tokens, int offset, int count) {
        System.arraycopy(tokens, offset, ints.get(plan.input()), 0, count);
    }

    @Override
    public void run(Step s) {
        if (s.n() > plan.capacity()) throw new IllegalArgumentException("chunk of " + s.n() + " > capacity " + plan.capacity());
        for (Task task : plan.tasks()) {
            long t0 = profile == null ? 0 : System.nanoTime();
            execute(task, s);
            if (profile != null) profile.record(task.kernel(), System.nanoTime() - t0, bytesRead(task));
        }
    }

    private static long bytesRead(Task task) {
        return task instanceof Task.MatMul m ? m.w().byteSize() : 0;
    }

    private void execute(Task task, Step s) {
        switch (task) {
            case Task.Embed e -> ReferenceKernels.embed(ints.get(e.tokens()), e.table(), f(e.out()), s);
            case Task.RmsNorm r -> kernels.rmsNorm(f(r.x()), vectors.get(r.weight()), f(r.out()), r.dim(), r.eps(), s);
            case Task.MatMul m -> kernels.matMul(m.w(), f(m.x()), f(m.out()), m.rows(), s);
            case Task.Rope r -> kernels.rope(f(r.x()), vectors.get(r.freqs()), r.heads(), r.headDim(), s);
            case Task.Attention a -> kernels.attention(f(a.q()), f(a.k()), f(a.v()), f(a.cache().keys()),
                    f(a.cache().values()), a.cache(), f(a.out()), a.heads(), a.kvHeads(), a.headDim(), a.window(), s);
            case Task.KvStore k -> ReferenceKernels.kvStore(f(k.k()), f(k.v()), f(k.cache().keys()),
                    f(k.cache().values()), k.cache(), s);
            case Task.SwiGlu g -> kernels.swiGlu(f(g.gate()), f(g.up()), g.hidden(), s);
            case Task.Add a -> ReferenceKernels.add(f(a.x()), f(a.delta()), a.dim(), s);
        }
    }

    @Override
    public void readOutput(float[] dst, int count) {
        System.arraycopy(f(plan.output()), 0, dst, 0, count);
    }

    @Override
    public void reset() {
        floats.values().forEach(a -> Arrays.fill(a, 0f));
    }

    @Override
    public long deviceBytes() {
        return plan.bytes(F32Buffer.class) + plan.bytes(I32Buffer.class);
    }

    @Override
    public long allocatedBytes(Buffer buffer) {
        if (floats.containsKey(buffer)) return (long) floats.get(buffer).length * Float.BYTES;
        if (ints.containsKey(buffer)) return (long) ints.get(buffer).length * Integer.BYTES;
        return 0; // weights belong to the model, not to the executor
    }

    @Override
    public Profile profile() {
        return profile == null ? new Profile() : profile;
    }

    @Override
    public void close() {
        parallel.close();
    }
}
