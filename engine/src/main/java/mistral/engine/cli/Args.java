package mistral.engine.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --flag value} and {@code --switch} parsing against the flags a command declares. */
public final class Args {
    private final String command;
    private final Map<String, String> values = new HashMap<>();
    /** Every value of a flag given more than once (--message A --message B), in order. */
    private final Map<String, List<String>> repeated = new HashMap<>();

    private Args(String command) {
        this.command = command;
    }

    public static Args parse(String command, String[] argv, int from, Set<String> valued, Set<String> switches) {
        Args a = new Args(command);
        for (int i = from; i < argv.length; i++) {
            String arg = argv[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (switches.contains(name) && value == null) {
                a.values.put(name, "true");
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.length) throw new UsageException(command + ": " + name + " needs a value");
                    value = argv[++i];
                }
                a.values.put(name, value);
                a.repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException(command + ": unknown option '" + arg + "' (see mistral " + command + " --help)");
            }
        }
        return a;
    }

    /** Every value given for a flag, in order (empty when absent). */
    public List<String> all(String flag) {
        return repeated.getOrDefault(flag, List.of());
    }

    public boolean has(String flag) {
        return values.containsKey(flag);
    }

    public String string(String flag, String fallback) {
        return values.getOrDefault(flag, fallback);
    }

    public String required(String flag) {
        String v = values.get(flag);
        if (v == null) throw new UsageException(command + ": " + flag + " is required");
        return v;
    }

    public int integer(String flag, int fallback) {
        String v = values.get(flag);
        if (v == null) return fallback;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + flag + " needs an integer, got '" + v + "'");
        }
    }

    public Integer integerOrNull(String flag) {
        return has(flag) ? integer(flag, 0) : null;
    }

    public long longValue(String flag, long fallback) {
        String v = values.get(flag);
        if (v == null) return fallback;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + flag + " needs an integer, got '" + v + "'");
        }
    }

    public float real(String flag, float fallback) {
        String v = values.get(flag);
        if (v == null) return fallback;
        try {
            float f = Float.parseFloat(v.trim());
            if (Float.isNaN(f)) throw new NumberFormatException();
            return f;
        } catch (NumberFormatException e) {
            throw new UsageException(command + ": " + flag + " needs a number, got '" + v + "'");
        }
    }

    /** "1,2,3" (spaces allowed) to ids. */
    int[] ids(String flag) {
        String v = required(flag).trim();
        if (v.isEmpty()) throw new UsageException(command + ": " + flag + " is empty");
        String[] parts = v.split("[,\\s]+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new UsageException(command + ": " + flag + " has a non-integer id '" + parts[i] + "'");
            }
        }
        return ids;
    }
}
