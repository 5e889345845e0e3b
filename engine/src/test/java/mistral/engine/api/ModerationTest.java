package mistral.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import mistral.engine.Fixtures;
import mistral.engine.chat.Message;
import mistral.engine.chat.SafetyPrompts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Self-reflection by scoring: each label's score is the log-prob a plain score of prompt + label + EOS gives. */
class ModerationTest {
    static MistralModel model;

    @BeforeAll
    static void load() {
        model = MistralModel.load(Fixtures.model("q8_0"), LoadOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void scoresEqualPlainScoringOfEachAnswer() {
        ModerationResult r = model.moderate("And the LORD spake unto Moses, saying");
        int[] prompt = model.chatTemplate().encode(List.of(Message.user(SafetyPrompts.selfReflection("And the LORD spake unto Moses, saying"))), false);
        assertArrayEquals(prompt, r.promptIds());
        assertTrue(prompt.length > 32, "the prompt outgrows the window (" + prompt.length + " tokens), so answers are rewound in a rolling cache");
        assertEquals(SafetyPrompts.MODERATION_LABELS, List.copyOf(r.scores().keySet()));
        double best = Double.NEGATIVE_INFINITY, total = 0;
        for (String label : SafetyPrompts.MODERATION_LABELS) {
            int[] answer = model.tokenizer().encode(label);
            int[] all = Arrays.copyOf(prompt, prompt.length + answer.length + 1);
            System.arraycopy(answer, 0, all, prompt.length, answer.length);
            all[all.length - 1] = model.tokenizer().eos();
            double[] lp = model.score(all, 0).logprobs();
            double sum = 0;
            for (int i = prompt.length - 1; i < lp.length; i++) sum += lp[i];
            assertEquals(sum, r.scores().get(label), 1e-4, label);
            best = Math.max(best, sum);
            total += r.probabilities().get(label);
        }
        // the category is the best of its own scores, and that score is plain scoring's best (within float noise of the two paths)
        assertEquals(java.util.Collections.max(r.scores().values()), r.scores().get(r.category()), 0.0);
        assertEquals(best, r.scores().get(r.category()), 1e-4);
        assertEquals(1.0, total, 1e-9);
        assertEquals(r.category().equals("not moderated"), !r.flagged());
    }

    @Test
    void aSystemMessageIsNotModerated() {
        assertThrows(IllegalArgumentException.class, () -> model.moderate(Message.system("x")));
        Map<String, Double> p = model.moderate(Message.assistant("Vanity of vanities")).probabilities();
        assertEquals(14, p.size());
    }
}
