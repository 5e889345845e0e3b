package mistral.engine.synth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A SentencePiece-style vocabulary of any size with the real layout: {@code <unk>}, {@code <s>},
 * {@code </s>}, any extra control pieces, the 256 byte pieces, then text pieces whose every
 * multi-character piece can be built by merging two shorter ones, with scores that make shorter
 * pieces merge first.
 */
public record SyntheticVocab(String[] tokens, float[] scores, int[] types) {
    static final String SPACE = "\u2581";
    /** The control pieces v0.3's 32768-piece vocabulary has after {@code </s>}: ids 3 and 4 are [INST] and [/INST]. */
    public static final List<String> V3_CONTROLS = List.of("[INST]", "[/INST]", "[TOOL_CALLS]", "[AVAILABLE_TOOLS]",
            "[/AVAILABLE_TOOLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]");

    /** v0.1/v0.2's layout; a 32768-piece vocabulary gets v0.3's Instruct control pieces. */
    public static SyntheticVocab of(int size) {
        return of(size, size == 32768 ? V3_CONTROLS : List.of());
    }

    public static SyntheticVocab of(int size, List<String> controls) {
        if (size < 300 + controls.size()) throw new IllegalArgumentException("vocab size must be at least " + (300 + controls.size()) + ", got " + size);
        Set<String> pieces = new LinkedHashSet<>();
        pieces.add("<unk>");
        pieces.add("<s>");
        pieces.add("</s>");
        pieces.addAll(controls);
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        pieces.add(SPACE);
        for (char c = '!'; c <= '~'; c++) pieces.add(String.valueOf(c));
        for (char c = 'a'; c <= 'z'; c++) pieces.add(SPACE + c);
        List<String> words = new ArrayList<>();
        for (char c = 'a'; c <= 'z'; c++) words.add(String.valueOf(c));
        outer:
        while (pieces.size() < size) {
            List<String> longer = new ArrayList<>();
            for (String w : words) {
                for (char c = 'a'; c <= 'z'; c++) {
                    String x = w + c;
                    longer.add(x);
                    pieces.add(x);
                    if (pieces.size() >= size) break outer;
                    pieces.add(SPACE + x);
                    if (pieces.size() >= size) break outer;
                }
            }
            words = longer;
        }
        String[] tokens = pieces.toArray(new String[0]);
        float[] scores = new float[size];
        int[] types = new int[size];
        int lastControl = 2 + controls.size(), lastByte = lastControl + 256;
        for (int i = 0; i < size; i++) {
            types[i] = i == 0 ? 2 : i <= lastControl ? 3 : i <= lastByte ? 6 : 1;
            scores[i] = i <= lastByte ? 0f : -(i - lastByte - 1);
        }
        return new SyntheticVocab(tokens, scores, types);
    }
}
