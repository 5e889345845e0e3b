package mistral.tasks.opencl;

import java.util.Locale;

/**
 * Work-group shapes of the kernels on one device: the program is built with them as constants
 * (so they are part of its cache key), and every launch uses the same ones.
 */
record ClLaunchShape(int mvLanes, int mvRows, int gemmTile, int normLws) {
    static ClLaunchShape of(ClDevice device) {
        int maxGroup = Integer.highestOneBit(device.maxWorkGroup());
        int lanes = Math.max(4, Math.min(32, maxGroup));
        return new ClLaunchShape(lanes, Math.max(1, Math.min(4, maxGroup / lanes)),
                maxGroup >= 256 ? 64 : maxGroup >= 64 ? 32 : 16, Math.min(256, maxGroup));
    }

    String buildOptions() {
        return String.format(Locale.ROOT, "-cl-std=CL1.2 -DMV_LANES=%d -DMV_ROWS=%d -DGEMM_TILE=%d -DNORM_LWS=%d",
                mvLanes, mvRows, gemmTile, normLws);
    }
}
