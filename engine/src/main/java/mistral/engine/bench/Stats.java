package mistral.engine.bench;

import java.util.Arrays;

/** Median and spread of repeated measurements. */
public record Stats(double median, double min, double max) {
    public static Stats of(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Stats(median, v[0], v[n - 1]);
    }

    /** (max - min) / median, as a fraction. */
    public double spread() {
        return median == 0 ? 0 : (max - min) / median;
    }
}
