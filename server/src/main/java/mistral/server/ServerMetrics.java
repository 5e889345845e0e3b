package mistral.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** What {@code GET /metrics} reports, in Prometheus' text format (version 0.0.4). No user data. */
final class ServerMetrics {
    private static final double[] TTFT_BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final double[] TOKS_BUCKETS = {0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000};

    private final Map<String, LongAdder> requests = new TreeMap<>();
    private final LongAdder promptTokens = new LongAdder(), cachedPromptTokens = new LongAdder(), completionTokens = new LongAdder();
    private final LongAdder rejected = new LongAdder(), cancelled = new LongAdder();
    private final Histogram timeToFirstToken = new Histogram(TTFT_BUCKETS), decodeSpeed = new Histogram(TOKS_BUCKETS);
    private final IntSupplier slotsBusy, queueLength;
    private final java.util.function.DoubleSupplier sequencesPerStep;
    private final int slots;

    ServerMetrics(int slots, IntSupplier slotsBusy, IntSupplier queueLength, java.util.function.DoubleSupplier sequencesPerStep) {
        this.slots = slots;
        this.slotsBusy = slotsBusy;
        this.queueLength = queueLength;
        this.sequencesPerStep = sequencesPerStep;
    }

    void request(String endpoint, int status) {
        LongAdder a;
        synchronized (requests) {
            a = requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder());
        }
        a.increment();
    }

    void tokens(int prompt, int cached, int completion) {
        promptTokens.add(prompt);
        cachedPromptTokens.add(cached);
        completionTokens.add(completion);
    }

    void rejected() {
        rejected.increment();
    }

    void cancelled() {
        cancelled.increment();
    }

    void timeToFirstToken(double seconds) {
        timeToFirstToken.observe(seconds);
    }

    void decodeTokensPerSecond(double tokS) {
        if (tokS > 0) decodeSpeed.observe(tokS);
    }

    String text() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP mistral_requests_total Requests answered, by endpoint and HTTP status.\n# TYPE mistral_requests_total counter\n");
        synchronized (requests) {
            for (Map.Entry<String, LongAdder> e : requests.entrySet()) {
                String[] k = e.getKey().split("\u0000");
                sb.append("mistral_requests_total{endpoint=\"").append(k[0]).append("\",status=\"").append(k[1]).append("\"} ")
                        .append(e.getValue().sum()).append('\n');
            }
        }
        counter(sb, "mistral_prompt_tokens_total", "Prompt tokens of finished requests.", promptTokens.sum());
        counter(sb, "mistral_prompt_tokens_cached_total", "Prompt tokens a slot's cache already held (prefix reuse).", cachedPromptTokens.sum());
        counter(sb, "mistral_completion_tokens_total", "Generated tokens.", completionTokens.sum());
        counter(sb, "mistral_requests_rejected_total", "Requests refused because the queue was full (429).", rejected.sum());
        counter(sb, "mistral_requests_cancelled_total", "Generations stopped by a client that went away or a deadline.", cancelled.sum());
        long prompt = promptTokens.sum();
        gauge(sb, "mistral_prompt_cache_hit_ratio", "Share of prompt tokens served from a slot's cache.", prompt == 0 ? 0 : (double) cachedPromptTokens.sum() / prompt);
        gauge(sb, "mistral_slots", "Slots (sessions) the server runs.", slots);
        gauge(sb, "mistral_slots_busy", "Slots generating now.", slotsBusy.getAsInt());
        gauge(sb, "mistral_queue_length", "Requests waiting for a slot.", queueLength.getAsInt());
        gauge(sb, "mistral_batch_sequences_per_step", "Mean sequences decoded in one shared step so far.", sequencesPerStep.getAsDouble());
        timeToFirstToken.write(sb, "mistral_time_to_first_token_seconds", "From the request to its first generated token.");
        decodeSpeed.write(sb, "mistral_decode_tokens_per_second", "Decode speed of each finished generation.");
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(fmt(v)).append('\n');
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6g", v);
    }

    /** A cumulative histogram of fixed buckets. */
    static final class Histogram {
        private final double[] bounds;
        private final long[] counts;
        private long count;
        private double sum;

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new long[bounds.length];
        }

        synchronized void observe(double v) {
            for (int i = 0; i < bounds.length; i++) if (v <= bounds[i]) counts[i]++;
            count++;
            sum += v;
        }

        synchronized void write(StringBuilder sb, String name, String help) {
            sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" histogram\n");
            for (int i = 0; i < bounds.length; i++) {
                sb.append(name).append("_bucket{le=\"").append(fmt(bounds[i])).append("\"} ").append(counts[i]).append('\n');
            }
            sb.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
            sb.append(name).append("_sum ").append(fmt(sum)).append('\n');
            sb.append(name).append("_count ").append(count).append('\n');
        }
    }
}
