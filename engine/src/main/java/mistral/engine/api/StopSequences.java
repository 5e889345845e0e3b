package mistral.engine.api;

import java.util.List;

/**
 * Stop strings (OpenAI's {@code stop}, LangChain4j's {@code stopSequences}): generation ends
 * before the first of them. While streaming, text that could be the start of a stop string is
 * held back until the next token settles it. Feed it the generated text piece by piece; when
 * {@link #stopped()} turns true, cancel the generation.
 */
public final class StopSequences {
    private final List<String> stops;
    private final int longest;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    public StopSequences(List<String> stops) {
        this.stops = List.copyOf(stops);
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    public boolean stopped() {
        return stopped;
    }

    /** Adds generated text; returns the text that is final now (never any part of a stop string). */
    public String accept(String text) {
        if (stopped) return "";
        if (stops.isEmpty()) return text;
        pending.append(text);
        int cut = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int keep = Math.min(pending.length(), longest - 1);
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** The text held back at the end of generation (no stop string came). */
    public String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return stopped ? "" : out;
    }
}
