package mistral.tasks.graph;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Per-kernel call counts, time and bytes moved, gathered while a plan runs. */
public final class Profile {
    private static final class Row {
        long calls, nanos, bytes;
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();

    public synchronized void record(String kernel, long nanos, long bytes) {
        Row r = rows.computeIfAbsent(kernel, k -> new Row());
        r.calls++;
        r.nanos += nanos;
        r.bytes += bytes;
    }

    public synchronized boolean isEmpty() {
        return rows.isEmpty();
    }

    /** A table: kernel, calls, total ms, share of time, GB/s. */
    public synchronized String table() {
        long total = rows.values().stream().mapToLong(r -> r.nanos).sum();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-22s %8s %11s %7s %9s%n",
                "kernel", "calls", "total ms", "share", "GB/s"));
        rows.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().nanos, a.getValue().nanos))
                .forEach(e -> {
                    Row r = e.getValue();
                    sb.append(String.format(Locale.ROOT, "%-22s %8d %11.2f %6.1f%% %9.2f%n", e.getKey(), r.calls,
                            r.nanos / 1e6, 100.0 * r.nanos / Math.max(1, total),
                            r.nanos == 0 ? 0.0 : r.bytes / (double) r.nanos));
                });
        sb.append(String.format(Locale.ROOT, "%-22s %8s %11.2f%n", "total", "", total / 1e6));
        return sb.toString();
    }
}
