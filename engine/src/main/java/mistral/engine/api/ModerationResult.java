package mistral.engine.api;

import java.util.Map;
import mistral.engine.chat.SafetyPrompts;

/**
 * The self-reflection classifier's answer for one text.
 *
 * @param category      the label with the highest score
 * @param scores        log P(encode(label) + EOS | prompt) per label, in the prompt's order
 * @param probabilities the scores normalized over the 14 answers
 * @param promptIds     the ids the labels were scored after
 */
public record ModerationResult(String category, Map<String, Double> scores, Map<String, Double> probabilities, int[] promptIds) {
    /** True when the text falls into one of the 13 categories. */
    public boolean flagged() {
        return !category.equals(SafetyPrompts.NOT_MODERATED);
    }
}
