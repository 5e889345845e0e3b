package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/** Plain dequantization of one row: the ground truth every fast kernel is compared with. */
public final class Dequant {
    private static final ValueLayout.OfShort SHORT = DequantLayouts.SHORT;
    private static final ValueLayout.OfFloat FLOAT = DequantLayouts.FLOAT;

    private Dequant() {
    }

    /** BF16 is the top half of an IEEE float. */
    public static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Writes {@code cols} weights of the row starting at byte {@code offset} into dst[dstOff..]. */
    public static void row(TensorType type, MemorySegment w, long offset, int cols, float[] dst, int dstOff) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < cols; i++) dst[dstOff + i] = w.get(FLOAT, offset + 4L * i);
            }
            case F16 -> {
                for (int i = 0; i < cols; i++) dst[dstOff + i] = Float.float16ToFloat(w.get(SHORT, offset + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) dst[dstOff + i] = bf16(w.get(SHORT, offset + 2L * i));
            }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long block = offset + 34L * b;
                    float d = Float.float16ToFloat(w.get(SHORT, block));
                    for (int i = 0; i < 32; i++) dst[dstOff + 32 * b + i] = d * w.get(ValueLayout.JAVA_BYTE, block + 2 + i);
                }
            }
            case Q4_0 -> {
                // byte i holds weight i (low nibble) and weight i + 16 (high nibble)
                for (int b = 0; b < cols / 32; b++) {
                    long block = offset + 18L * b;
                    float d = Float.float16ToFloat(w.get(SHORT, block));
                    for (int i = 0; i < 16; i++) {
                        int q = w.get(ValueLayout.JAVA_BYTE, block + 2 + i) & 0xFF;
                        dst[dstOff + 32 * b + i] = d * ((q & 0x0F) - 8);
                        dst[dstOff + 32 * b + i + 16] = d * ((q >>> 4) - 8);
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < cols / KQuants.QK; b++) KQuants.dequantizeQ4K(w, offset + 144L * b, dst, dstOff + KQuants.QK * b);
            }
            case Q5_K -> {
                for (int b = 0; b < cols / KQuants.QK; b++) KQuants.dequantizeQ5K(w, offset + 176L * b, dst, dstOff + KQuants.QK * b);
            }
            case Q6_K -> {
                for (int b = 0; b < cols / KQuants.QK; b++) KQuants.dequantizeQ6K(w, offset + 210L * b, dst, dstOff + KQuants.QK * b);
            }
            case Q4_0_X4 -> Q4_0X4.dequantize(w, offset, cols, dst, dstOff);
            case Q4_K_X4, Q4_K_X4_S8 -> Q4_KX4.dequantize(type, w, offset, cols, dst, dstOff);
            case Q5_K_X4 -> Q5_KX4.dequantize(w, offset, cols, dst, dstOff);
            case Q6_K_I8 -> Q6_KI8.dequantize(w, offset, cols, dst, dstOff);
            case Q8_0_X16 -> Q8_0X16.dequantize(w, offset, cols, dst, dstOff);
        }
    }
}
