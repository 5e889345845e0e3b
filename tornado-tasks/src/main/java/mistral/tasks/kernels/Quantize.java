package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;

/** Float weights to each storage format, with ggml's rounding rules (K-quants: plain min/max rules, see KQuants); used by synth and tests. */
public final class Quantize {
    private Quantize() {
    }

    /** Writes src[srcOff..srcOff+n) in {@code type} at byte {@code offset} of dst; n a multiple of the block size. */
    public static void row(TensorType type, float[] src, int srcOff, int n, MemorySegment dst, long offset) {
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) dst.set(DequantLayouts.FLOAT, offset + 4L * i, src[srcOff + i]);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) dst.set(DequantLayouts.SHORT, offset + 2L * i, Float.floatToFloat16(src[srcOff + i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) dst.set(DequantLayouts.SHORT, offset + 2L * i, bf16(src[srcOff + i]));
            }
            case Q8_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    int s = srcOff + 32 * b;
                    long block = offset + 34L * b;
                    float amax = 0;
                    for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(src[s + i]));
                    float d = amax / 127f;
                    float id = d != 0 ? 1f / d : 0f;
                    dst.set(DequantLayouts.SHORT, block, Float.floatToFloat16(d));
                    for (int i = 0; i < 32; i++) dst.set(ValueLayout.JAVA_BYTE, block + 2 + i, (byte) Math.round(src[s + i] * id));
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < n / 32; b++) {
                    int s = srcOff + 32 * b;
                    long block = offset + 18L * b;
                    float amax = 0, max = 0;
                    for (int i = 0; i < 32; i++) {
                        if (Math.abs(src[s + i]) > amax) {
                            amax = Math.abs(src[s + i]);
                            max = src[s + i];
                        }
                    }
                    float d = max / -8f;
                    float id = d != 0 ? 1f / d : 0f;
                    dst.set(DequantLayouts.SHORT, block, Float.floatToFloat16(d));
                    for (int i = 0; i < 16; i++) {
                        int lo = Math.min(15, (int) (src[s + i] * id + 8.5f));
                        int hi = Math.min(15, (int) (src[s + i + 16] * id + 8.5f));
                        dst.set(ValueLayout.JAVA_BYTE, block + 2 + i, (byte) (lo | (hi << 4)));
                    }
                }
            }
            case Q4_K -> {
                for (int b = 0; b < n / KQuants.QK; b++) KQuants.quantizeQ4K(src, srcOff + KQuants.QK * b, dst, offset + 144L * b);
            }
            case Q5_K -> {
                for (int b = 0; b < n / KQuants.QK; b++) KQuants.quantizeQ5K(src, srcOff + KQuants.QK * b, dst, offset + 176L * b);
            }
            case Q6_K -> {
                for (int b = 0; b < n / KQuants.QK; b++) KQuants.quantizeQ6K(src, srcOff + KQuants.QK * b, dst, offset + 210L * b);
            }
            case Q4_0_X4 -> throw new IllegalArgumentException("Q4_0_X4 is made from Q4_0 by Q4_0X4.regroup, not quantized directly");
            case Q4_K_X4, Q4_K_X4_S8 -> throw new IllegalArgumentException(type + " is made from Q4_K by Q4_KX4.regroup, not quantized directly");
            case Q5_K_X4 -> throw new IllegalArgumentException("Q5_K_X4 is made from Q5_K by Q5_KX4.regroup, not quantized directly");
            case Q6_K_I8 -> throw new IllegalArgumentException("Q6_K_I8 is made from Q6_K by Q6_KI8.regroup, not quantized directly");
            case Q8_0_X16 -> throw new IllegalArgumentException("Q8_0_X16 is made from Q8_0 by Q8_0X16.regroup, not quantized directly");
        }
    }

    /** Round to nearest even on the dropped 16 bits. */
    public static short bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
