package mistral.engine.model;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One sampled token from 32000 logits, the way a decode step ends: logits drawn with the given
 * spread (4: a peaked next-token distribution; 0.05: nearly flat), sampled at the given settings
 * ("temperature/top-p/top-k"). Run: java -jar benchmarks/target/benchmarks.jar Sampler
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC"})
public class SamplerBenchmark {
    @Param({"4", "1.5", "0.05"})
    public double spread;

    @Param({"0.8/0.95/0", "1/1/0", "0.8/0.95/40"})
    public String settings;

    private float[] logits;
    private Sampler sampler;

    @Setup
    public void setUp() {
        Random r = new Random(1);
        logits = new float[32000];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (r.nextGaussian() * spread);
        String[] s = settings.split("/");
        sampler = new Sampler(new SamplingOptions(Float.parseFloat(s[0]), Float.parseFloat(s[1]), Integer.parseInt(s[2]), 42));
    }

    @Benchmark
    public int sample() {
        return sampler.sample(logits);
    }
}
