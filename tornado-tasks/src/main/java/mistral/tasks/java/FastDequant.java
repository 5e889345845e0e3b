package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import mistral.tasks.TensorType;
import mistral.tasks.kernels.Dequant;
import mistral.tasks.kernels.DequantLayouts;

/**
 * Vectorized row dequantization for the prefill matmul. Q4_0_X4, Q4_K_X4, Q4_K_X4_S8, Q5_K_X4, Q6_K_I8 and Q8_0_X16 rows come out in
 * their lane order, so the matmul multiplies them with x permuted the same way ({@link #inLaneOrder}).
 */
final class FastDequant {
    private FastDequant() {
    }

    /** Whether {@link #row} writes this type's rows in its layout's lane order rather than the file's. */
    static boolean inLaneOrder(TensorType type) {
        return type == TensorType.Q4_0_X4 || type == TensorType.Q4_K_X4 || type == TensorType.Q4_K_X4_S8 || type == TensorType.Q5_K_X4 || LaneBlocksMatVec.inLanes(type);
    }

    static void row(TensorType type, MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        switch (type) {
            case F32 -> MemorySegment.copy(w, ValueLayout.JAVA_FLOAT_UNALIGNED, off, dst, dstOff, cols);
            case F16 -> {
                for (int i = 0; i < cols; i++) dst[dstOff + i] = Float.float16ToFloat(w.get(DequantLayouts.SHORT, off + 2L * i));
            }
            case BF16 -> BF16MatVec.dequantize(w, off, cols, dst, dstOff);
            case Q8_0 -> Q8_0MatVec.dequantize(w, off, cols, dst, dstOff);
            case Q4_0 -> Q4_0MatVec.dequantize(w, off, cols, dst, dstOff);
            case Q4_0_X4 -> Q4_0X4MatVec.dequantizeLaneOrder(w, off, cols, dst, dstOff);
            case Q4_K -> Q4_KMatVec.dequantize(w, off, cols, dst, dstOff);
            case Q4_K_X4, Q4_K_X4_S8 -> Q4_KX4MatVec.dequantizeLaneOrder(type, w, off, cols, dst, dstOff);
            case Q5_K, Q6_K -> Dequant.row(type, w, off, cols, dst, dstOff);
            case Q5_K_X4 -> Q5_KX4MatVec.dequantizeLaneOrder(w, off, cols, dst, dstOff);
            case Q6_K_I8, Q8_0_X16 -> LaneBlocksMatVec.dequantizeLaneOrder(w, off, cols, LaneBlocksMatVec.group(type), dst, dstOff);
        }
    }
}
