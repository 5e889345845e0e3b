package mistral.tasks.java;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import mistral.tasks.TensorType;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.DeviceWeights;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.Q4_0X4;
import mistral.tasks.kernels.Q4_KX4;
import mistral.tasks.kernels.Q5_KX4;
import mistral.tasks.kernels.Q6_KI8;
import mistral.tasks.kernels.Q8_0X16;

/** Runs plans on the CPU: Vector API kernels on a pool of threads, over weights in host memory. */
public final class JavaBackend implements Backend {
    private final int threads;
    private final boolean profile;
    private final boolean inPlace;

    public JavaBackend(int threads, boolean profile) {
        this(threads, profile, false);
    }

    /** @param inPlace read the weights where they are (the file mapping) instead of copying them: less memory, slower decoding */
    public JavaBackend(int threads, boolean profile, boolean inPlace) {
        this.threads = threads;
        this.profile = profile;
        this.inPlace = inPlace;
    }

    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    @Override
    public String id() {
        return "java";
    }

    @Override
    public String description() {
        return "Java CPU backend (Vector API " + Simd.F.vectorBitSize() + "-bit, " + threads + " threads)";
    }

    @Override
    public String driver() {
        return "Java " + Runtime.version();
    }

    /**
     * Copies the weight out of the file mapping: a decode-like sweep over a 7B Q8_0 model read
     * 21 GB/s from anonymous memory against 12 GB/s from the mapped page cache (TLB misses on
     * 4 KiB file pages in a VM). Q4_0, Q4_K, Q5_K and Q6_K matrices are regrouped on the way
     * ({@link Q4_0X4}, {@link Q4_KX4}, {@link Q5_KX4}, {@link Q6_KI8}): the decode matvecs run two
     * to four times as fast on those layouts; Q8_0 too ({@link Q8_0X16}). The copies go into {@link PopulatedMemory}.
     */
    public WeightTensor prepare(WeightTensor w, Arena arena) {
        Layout layout = layoutFor(w);
        if (layout != null) return regroup(w, layout, arena);
        MemorySegment copy = PopulatedMemory.allocate(w.byteSize(), arena);
        copy.copyFrom(w.data());
        return new WeightTensor(w.name(), w.type(), w.rows(), w.cols(), copy);
    }

    /** Rewrites rows [firstRow, firstRow + rows) of src (cols columns) into dst in another layout. */
    private interface Regrouping {
        void regroup(MemorySegment src, MemorySegment dst, int firstRow, int rows, int cols);
    }

    private record Layout(TensorType type, Regrouping regrouping) {
    }

    /** The layout the decode kernels want for this weight, or null where the file's serves. */
    private static Layout layoutFor(WeightTensor w) {
        return switch (w.type()) {
            case Q4_0 -> Q4_0X4.fits(w.cols()) ? new Layout(TensorType.Q4_0_X4, Q4_0X4::regroup) : null;
            case Q4_K -> Simd.WIDE ? new Layout(TensorType.Q4_K_X4, Q4_KX4::regroup) : new Layout(TensorType.Q4_K_X4_S8, Q4_KX4::regroupS8);
            case Q5_K -> new Layout(TensorType.Q5_K_X4, Q5_KX4::regroup);
            case Q6_K -> new Layout(TensorType.Q6_K_I8, Q6_KI8::regroup);
            case Q8_0 -> Q8_0X16.fits(w.cols()) ? new Layout(TensorType.Q8_0_X16, Q8_0X16::regroup) : null;
            default -> null;
        };
    }

    /** The weight in the layout, regrouped in 64 slices of rows on all cores (where the arena allows other threads). */
    private static WeightTensor regroup(WeightTensor w, Layout layout, Arena arena) {
        MemorySegment regrouped = PopulatedMemory.allocate((long) w.rows() * layout.type().bytesFor(w.cols()), arena);
        int slices = Math.max(1, Math.min(w.rows(), 64));
        Thread other = Thread.ofVirtual().unstarted(() -> { });
        boolean shared = regrouped.isAccessibleBy(other) && w.data().isAccessibleBy(other); // else a confined arena
        IntStream range = IntStream.range(0, slices);
        (shared ? range.parallel() : range).forEach(i -> {
            int first = (int) ((long) w.rows() * i / slices), end = (int) ((long) w.rows() * (i + 1) / slices);
            layout.regrouping().regroup(w.data(), regrouped, first, end - first, w.cols());
        });
        return new WeightTensor(w.name(), layout.type(), w.rows(), w.cols(), regrouped);
    }

    /** Each weight once through {@link #prepare} into one shared arena, or as it is when reading in place. */
    @Override
    public DeviceWeights load(List<WeightTensor> weights) {
        Map<String, WeightTensor> byName = new LinkedHashMap<>();
        if (inPlace) {
            for (WeightTensor w : weights) byName.put(w.name(), w);
            return new JavaWeights(byName, null);
        }
        checkFitsInMemory(weights);
        Arena arena = Arena.ofShared();
        try {
            for (WeightTensor w : weights) {
                byName.computeIfAbsent(w.name(), n -> {
                    WeightTensor copy = prepare(w, arena);
                    FilePages.release(w.data()); // the file's pages leave this process once copied
                    return copy;
                });
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        return new JavaWeights(byName, arena);
    }

    /** Bytes {@link #prepare} allocates for the weight: its regrouped layout's, or a plain copy's. */
    static long preparedBytes(WeightTensor w) {
        Layout layout = layoutFor(w);
        return layout == null ? w.byteSize() : (long) w.rows() * layout.type().bytesFor(w.cols());
    }

    /** A copy larger than the memory the machine has left is a clear error before anything is allocated. */
    private static void checkFitsInMemory(List<WeightTensor> weights) {
        long need = weights.stream().distinct().mapToLong(JavaBackend::preparedBytes).sum();
        long available = HostMemory.availableBytes();
        if (need > available) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                    "the Java backend's copy of the weights needs %.2f GiB of memory and this machine has %.2f GiB available;"
                            + " use --mmap to read them from the file instead (slower decoding), or free memory",
                    need / 1073741824.0, available / 1073741824.0));
        }
    }

    /** The plan already names the tensors the kernels read (those of {@code weights}, or the file's). */
    @Override
    public Executor compile(ExecutionPlan plan, DeviceWeights weights) {
        return new JavaExecutor(plan, threads, profile);
    }

    /** A one-off plan runs on the tensors it names, as they are. */
    @Override
    public Executor compile(ExecutionPlan plan) {
        return new JavaExecutor(plan, threads, profile);
    }
}
