package mistral.tasks.java;

import java.lang.foreign.MemorySegment;
import mistral.tasks.TensorType;

/** Dot product of one stored weight row with a float vector, dequantizing in registers. */
@FunctionalInterface
public interface RowDot {
    float dot(MemorySegment w, long rowOffset, float[] x, int xOff, int cols);

    static RowDot of(TensorType type) {
        return switch (type) {
            case F32 -> F32MatVec::dot;
            case F16 -> F16MatVec::dot;
            case BF16 -> BF16MatVec::dot;
            case Q8_0 -> Q8_0MatVec::dot;
            case Q4_K -> throw new IllegalArgumentException("Q4_K needs the block sums of x: use Q4_KMatVec");
            case Q5_K -> throw new IllegalArgumentException("Q5_K needs the block sums of x: use Q5_KMatVec");
            case Q6_K -> Q6_KMatVec::dot;
            case Q5_K_X4 -> throw new IllegalArgumentException("Q5_K_X4 rows go through Q5_KX4MatVec.matVec");
            case Q6_K_I8, Q8_0_X16 -> throw new IllegalArgumentException(type + " rows go through LaneBlocksMatVec.matVec");
            case Q4_0 -> throw new IllegalArgumentException("Q4_0 needs the block sums of x: use Q4_0MatVec");
            case Q4_0_X4 -> throw new IllegalArgumentException("Q4_0_X4 rows go through Q4_0X4MatVec.matVec");
            case Q4_K_X4, Q4_K_X4_S8 -> throw new IllegalArgumentException(type + " rows go through Q4_KX4MatVec.matVec");
        };
    }
}
