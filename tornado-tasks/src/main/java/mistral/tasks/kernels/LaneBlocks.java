package mistral.tasks.kernels;

/**
 * The activation order of the layouts with 16 blocks in the lanes ({@link Q6_KI8}: blocks of 16
 * weights, {@link Q8_0X16}: blocks of 32), whose byte 16k + j in a group is weight k of block j.
 */
public final class LaneBlocks {
    private LaneBlocks() {
    }

    /** xp[xpOff + g + 16 k + j] = x[xOff + g + block j + k] in every group g of 16 blocks of {@code block} weights. */
    public static void permute(float[] x, int xOff, int cols, int block, float[] xp, int xpOff) {
        for (int g = 0; g < cols; g += 16 * block) {
            for (int j = 0; j < 16; j++) {
                for (int k = 0; k < block; k++) xp[xpOff + g + 16 * k + j] = x[xOff + g + block * j + k];
            }
        }
    }
}
