package mistral.tasks;

import java.util.ArrayList;
import java.util.List;
import mistral.tasks.graph.Backend;
import mistral.tasks.java.JavaBackend;

/** Turns a {@code --device} spec into a backend, and lists what this machine offers. */
public final class Devices {
    private Devices() {
    }

    public static Backend open(String spec, int threads, boolean profile) {
        if (spec == null || spec.equals("java") || spec.equals("cpu")) return new JavaBackend(threads, profile);
        throw new IllegalArgumentException("unknown device '" + spec + "' (available: " + String.join(", ", ids()) + ")");
    }

    public static List<String> ids() {
        List<String> ids = new ArrayList<>();
        ids.add("java");
        return ids;
    }

    /** One line per device, for {@code mistral devices}. */
    public static List<String> describe(int threads) {
        List<String> lines = new ArrayList<>();
        lines.add("java        " + new JavaBackend(threads, false).description());
        return lines;
    }
}
