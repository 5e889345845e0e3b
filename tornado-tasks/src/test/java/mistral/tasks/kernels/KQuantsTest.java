package mistral.tasks.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import mistral.tasks.TensorType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** K-quant dequantization against llama.cpp's own reference (gguf-py), bit for bit, and the synth quantizers' round trip. */
class KQuantsTest {
    /** Random super-blocks (every bit but the scales random) as gguf-py dequantizes them: kquants-gguf-py.txt. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void dequantizationIsBitIdenticalToGgufPy(TensorType type) throws IOException {
        List<String> lines;
        try (InputStream in = KQuantsTest.class.getResourceAsStream("/kquants-gguf-py.txt")) {
            lines = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().filter(l -> !l.startsWith("#")).toList();
        }
        int at = lines.indexOf(type + " 4");
        assertTrue(at >= 0, "no " + type + " cases");
        HexFormat hex = HexFormat.of();
        for (int b = 0; b < 4; b++) {
            byte[] bytes = hex.parseHex(lines.get(at + 1 + 2 * b));
            String bits = lines.get(at + 2 + 2 * b);
            MemorySegment block = Arena.ofAuto().allocate(bytes.length);
            MemorySegment.copy(bytes, 0, block, ValueLayout.JAVA_BYTE, 0, bytes.length);
            float[] actual = new float[KQuants.QK];
            Dequant.row(type, block, 0, KQuants.QK, actual, 0);
            for (int i = 0; i < KQuants.QK; i++) {
                float expected = Float.intBitsToFloat(Integer.parseUnsignedInt(bits.substring(8 * i, 8 * i + 8), 16));
                assertEquals(expected, actual[i], 0f, type + " block " + b + " weight " + i);
            }
        }
    }

    /** Quantize then dequantize: within half a quantization step plus the scales' own rounding. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void synthQuantizersRoundTrip(TensorType type) {
        Random r = new Random(5);
        float[] x = new float[2 * KQuants.QK];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 0.02f;
        MemorySegment seg = Arena.ofAuto().allocate(type.bytesFor(x.length));
        Quantize.row(type, x, 0, x.length, seg, 0);
        float[] back = new float[x.length];
        Dequant.row(type, seg, 0, x.length, back, 0);
        double worst = 0;
        for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - back[i]));
        // a sub-block spans about 5 std: Q4_K steps of 0.1/15, Q5_K of 0.1/31, Q6_K of 0.05/31
        assertTrue(worst < (type == TensorType.Q4_K ? 0.006 : type == TensorType.Q5_K ? 0.003 : 0.0015), type + " worst error " + worst);
    }

    /** The Java backend's regroupings of Q4_K (both formats), Q5_K and Q6_K dequantize to exactly the file's weights. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q4_K_X4", "Q4_K_X4_S8", "Q5_K_X4", "Q6_K_I8"})
    void regroupedKQuantsHaveTheSameWeights(TensorType layout) {
        TensorType type = switch (layout) {
            case Q4_K_X4, Q4_K_X4_S8 -> TensorType.Q4_K;
            case Q5_K_X4 -> TensorType.Q5_K;
            default -> TensorType.Q6_K;
        };
        int rows = 3, cols = 2 * KQuants.QK;
        Random r = new Random(6);
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 0.02f;
        long fileRow = type.bytesFor(cols), x4Row = layout.bytesFor(cols);
        MemorySegment file = Arena.ofAuto().allocate(rows * fileRow), regrouped = Arena.ofAuto().allocate(rows * x4Row);
        for (int row = 0; row < rows; row++) Quantize.row(type, x, row * cols, cols, file, row * fileRow);
        switch (layout) {
            case Q4_K_X4 -> Q4_KX4.regroup(file, regrouped, 0, rows, cols);
            case Q4_K_X4_S8 -> Q4_KX4.regroupS8(file, regrouped, 0, rows, cols);
            case Q5_K_X4 -> Q5_KX4.regroup(file, regrouped, 0, rows, cols);
            default -> Q6_KI8.regroup(file, regrouped, 0, rows, cols);
        }
        RegroupedRows.assertSameWeights(type, file, layout, regrouped, rows, cols);
    }
}
