package mistral.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Weight storage formats, with their GGML type ids. Q8_0 and Q4_0 store blocks of 32 weights, the
 * K-quants (Q4_K, Q5_K, Q6_K: what most downloaded Mistral files use) super-blocks of 256;
 * {@link #Q4_0_X4}, {@link #Q4_K_X4} and {@link #Q4_K_X4_S8}, {@link #Q5_K_X4}, {@link #Q6_K_I8} and {@link #Q8_0_X16} are not file
 * formats but the Java backend's in-memory layouts of Q4_0, Q4_K (for 512- and 256-bit vectors), Q5_K, Q6_K and Q8_0 ({@link mistral.tasks.kernels.Q4_0X4},
 * {@link mistral.tasks.kernels.Q4_KX4}, {@link mistral.tasks.kernels.Q5_KX4}, {@link mistral.tasks.kernels.Q6_KI8},
 * {@link mistral.tasks.kernels.Q8_0X16}),
 * with no GGML id.
 */
public enum TensorType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q8_0(8, 32, 34),
    BF16(30, 1, 2),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q4_0_X4(-1, 128, 80),
    Q4_K_X4(-1, 128, 96),
    Q4_K_X4_S8(-1, 128, 80),
    Q5_K_X4(-1, 128, 112),
    Q6_K_I8(-1, 256, 280),
    Q8_0_X16(-1, 512, 576);

    public final int ggmlId;
    public final int blockSize;
    public final int blockBytes;

    TensorType(int ggmlId, int blockSize, int blockBytes) {
        this.ggmlId = ggmlId;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Bytes taken by {@code elements} weights; elements must be a multiple of the block size. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(name() + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }

    public static Optional<TensorType> fromGgml(int id) {
        for (TensorType t : values()) {
            if (t.inFiles() && t.ggmlId == id) return Optional.of(t);
        }
        return Optional.empty();
    }

    /** Whether this is a K-quant (256-weight super-blocks with sub-block scales). */
    public boolean isKQuant() {
        return this == Q4_K || this == Q5_K || this == Q6_K;
    }

    /** Whether GGUF files store this type (every type but the Java backend's own layouts). */
    public boolean inFiles() {
        return ggmlId >= 0;
    }

    /** The types a GGUF file may use, for messages and option parsing. */
    public static List<TensorType> fileTypes() {
        return Arrays.stream(values()).filter(TensorType::inFiles).toList();
    }

    private static final Map<Integer, String> GGML_NAMES = Map.ofEntries(
            Map.entry(0, "F32"), Map.entry(1, "F16"), Map.entry(2, "Q4_0"), Map.entry(3, "Q4_1"),
            Map.entry(6, "Q5_0"), Map.entry(7, "Q5_1"), Map.entry(8, "Q8_0"), Map.entry(9, "Q8_1"),
            Map.entry(10, "Q2_K"), Map.entry(11, "Q3_K"), Map.entry(12, "Q4_K"), Map.entry(13, "Q5_K"),
            Map.entry(14, "Q6_K"), Map.entry(15, "Q8_K"), Map.entry(16, "IQ2_XXS"), Map.entry(17, "IQ2_XS"),
            Map.entry(18, "IQ3_XXS"), Map.entry(19, "IQ1_S"), Map.entry(20, "IQ4_NL"), Map.entry(21, "IQ3_S"),
            Map.entry(22, "IQ2_S"), Map.entry(23, "IQ4_XS"), Map.entry(24, "I8"), Map.entry(25, "I16"),
            Map.entry(26, "I32"), Map.entry(27, "I64"), Map.entry(28, "F64"), Map.entry(29, "IQ1_M"),
            Map.entry(30, "BF16"), Map.entry(34, "TQ1_0"), Map.entry(35, "TQ2_0"));

    /** A readable name for any GGML type id, supported or not (for error messages). */
    public static String ggmlName(int id) {
        return GGML_NAMES.getOrDefault(id, "unknown type " + id);
    }
}
