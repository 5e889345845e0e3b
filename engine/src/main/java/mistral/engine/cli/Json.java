package mistral.engine.cli;

/** Just enough JSON writing for the CLI's --json output. */
final class Json {
    private final StringBuilder sb = new StringBuilder("{");

    Json field(String name) {
        if (sb.length() > 1) sb.append(',');
        quote(name);
        sb.append(':');
        return this;
    }

    Json put(String name, String value) {
        field(name);
        quote(value);
        return this;
    }

    Json put(String name, double value) {
        field(name);
        sb.append(Double.isFinite(value) ? Double.toString(value) : "null");
        return this;
    }

    Json put(String name, long value) {
        field(name).sb.append(value);
        return this;
    }

    Json put(String name, int[] values) {
        field(name).sb.append('[');
        for (int i = 0; i < values.length; i++) sb.append(i == 0 ? "" : ",").append(values[i]);
        sb.append(']');
        return this;
    }

    Json put(String name, double[] values) {
        field(name).sb.append('[');
        for (int i = 0; i < values.length; i++) sb.append(i == 0 ? "" : ",").append(values[i]);
        sb.append(']');
        return this;
    }

    Json put(String name, java.util.List<Json> objects) {
        field(name).sb.append('[');
        for (int i = 0; i < objects.size(); i++) sb.append(i == 0 ? "" : ",").append(objects.get(i));
        sb.append(']');
        return this;
    }

    private void quote(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb + "}";
    }
}
