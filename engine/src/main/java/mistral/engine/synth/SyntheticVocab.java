package mistral.engine.synth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A SentencePiece-style vocabulary of any size with the real layout: {@code <unk>}, {@code <s>},
 * {@code </s>}, the 256 byte pieces, then text pieces whose every multi-character piece can be
 * built by merging two shorter ones, with scores -(id - 259) so shorter pieces merge first.
 */
public record SyntheticVocab(String[] tokens, float[] scores, int[] types) {
    static final String SPACE = "\u2581";

    public static SyntheticVocab of(int size) {
        if (size < 300) throw new IllegalArgumentException("vocab size must be at least 300, got " + size);
        Set<String> pieces = new LinkedHashSet<>();
        pieces.add("<unk>");
        pieces.add("<s>");
        pieces.add("</s>");
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
        for (int i = 0; i < size; i++) {
            types[i] = i == 0 ? 2 : i <= 2 ? 3 : i <= 258 ? 6 : 1;
            scores[i] = i <= 258 ? 0f : -(i - 259);
        }
        return new SyntheticVocab(tokens, scores, types);
    }
}
