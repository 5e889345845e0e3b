package mistral.server;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a body against Prometheus' text exposition format 0.0.4: HELP/TYPE lines, samples
 * {@code name{labels} value}, a TYPE before its samples, histogram buckets cumulative and ending in +Inf.
 */
final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\")*)?\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)");
    private static final Pattern LE = Pattern.compile("le=\"([^\"]+)\"");

    private PrometheusText() {
    }

    static void check(String body) {
        assertTrue(body.endsWith("\n"), "ends with a newline");
        Map<String, String> types = new HashMap<>();
        Map<String, Double> lastBucket = new HashMap<>();
        for (String line : body.split("\n")) {
            if (line.startsWith("# HELP ")) continue;
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                if (p.length != 4 || !p[3].matches("counter|gauge|histogram|summary|untyped")) fail("bad TYPE line: " + line);
                if (types.put(p[2], p[3]) != null) fail("two TYPE lines for " + p[2]);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) fail("not a sample line: " + line);
            String name = m.group(1);
            String family = types.containsKey(name) ? name : name.replaceAll("_(bucket|sum|count)$", "");
            if (!types.containsKey(family)) fail("sample before its TYPE: " + line);
            String value = m.group(m.groupCount());
            double v = value.equals("+Inf") ? Double.POSITIVE_INFINITY : value.equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(value);
            if (name.endsWith("_bucket")) {
                Matcher le = LE.matcher(line);
                if (!le.find()) fail("bucket without le: " + line);
                Double prev = lastBucket.put(family, v);
                if (prev != null && v < prev) fail("buckets not cumulative: " + line);
            }
            if ("counter".equals(types.get(family)) && v < 0) fail("negative counter: " + line);
        }
    }
}
