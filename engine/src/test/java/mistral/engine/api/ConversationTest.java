package mistral.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mistral.engine.Fixtures;
import mistral.engine.chat.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A conversation's cached turns give what prefilling the whole conversation at once gives. */
class ConversationTest {
    static MistralModel model;

    @BeforeAll
    static void load() {
        model = MistralModel.load(Fixtures.model("f32"), LoadOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Each generated token's log-prob against the same position of one chunked-prefill score of the whole sequence. */
    static void assertMatchesWholeScore(MistralModel m, int[] prompt, GenerationResult r) {
        int[] all = concat(prompt, r.generatedIds());
        double[] whole = m.score(all, 0).logprobs();
        for (int i = 0; i < r.generatedIds().length; i++) {
            assertEquals(whole[prompt.length - 1 + i], r.logprobs()[i], 1e-5, "generated token " + i);
        }
    }

    @Test
    void secondTurnPrefillsOnlyItsNewTokensAndEqualsTheWholeConversation() {
        try (Conversation c = model.chat("Answer as the Preacher.", false)) {
            GenerationResult first = c.send("What profit hath a man?", GenerateOptions.greedy(12), (id, t) -> { });
            int[] afterFirst = c.ids();
            assertEquals(first.promptIds().length, first.prefilled());
            GenerationResult second = c.send("And the sun?", GenerateOptions.greedy(12), (id, t) -> { });
            int[] prompt2 = second.promptIds();
            // the second prompt extends the first conversation (answer + EOS), and only its new tokens were run
            assertArrayEquals(afterFirst, Arrays.copyOf(prompt2, afterFirst.length));
            // not in the cache yet: the EOS, and the last answer token too when the budget ended the answer
            int cached = afterFirst.length - (first.stopReason() == StopReason.EOS ? 1 : 2);
            assertEquals(prompt2.length - cached, second.prefilled());
            List<Message> expected = List.of(Message.system("Answer as the Preacher."), Message.user("What profit hath a man?"),
                    Message.assistant(first.text()), Message.user("And the sun?"));
            int[] reencoded = model.chatTemplate().encode(expected, false, i -> i == 2 ? concat(first.generatedIds(), new int[] {2}) : null);
            assertArrayEquals(reencoded, prompt2);
            assertMatchesWholeScore(model, prompt2, second);
            // greedy: the same tokens as a plain generation from the whole prompt
            assertArrayEquals(model.generate(prompt2, GenerateOptions.greedy(12), (id, t) -> { }).generatedIds(), second.generatedIds());
        }
    }

    /** v0.1 keeps going on its rolling window past the context (here 48 tokens, window 32). */
    @Test
    void aWindowedModelKeepsGoingPastTheContext() {
        try (MistralModel m = MistralModel.load(Fixtures.model("f32"), LoadOptions.builder().threads(2).context(48).build());
             Conversation c = m.chat(null, false)) {
            List<String> notices = new ArrayList<>();
            c.onNotice(notices::add);
            GenerationResult r = null;
            for (String q : List.of("In the beginning", "And the earth", "And God said", "Let there be light")) {
                r = c.send(q, GenerateOptions.greedy(10), (id, t) -> { });
            }
            assertTrue(r.promptIds().length > 48, "the conversation is " + r.promptIds().length + " tokens");
            assertEquals(List.of(), notices);
            assertMatchesWholeScore(m, r.promptIds(), r);
        }
    }

    /** Without a window the oldest turns go, the rest is prefilled again, and the listener hears of it. */
    @Test
    void withoutAWindowTheOldestTurnsAreDropped() {
        try (MistralModel m = MistralModel.load(Fixtures.model("f32"), LoadOptions.builder().threads(2).slidingWindow(0).context(64).build());
             Conversation c = m.chat(null, false)) {
            List<String> notices = new ArrayList<>();
            c.onNotice(notices::add);
            GenerationResult r = null;
            for (String q : List.of("In the beginning", "And the earth", "And God said", "Let there be light")) {
                r = c.send(q, GenerateOptions.greedy(10), (id, t) -> { });
                assertTrue(r.promptIds().length + 10 <= 64, "prompt of " + r.promptIds().length);
            }
            assertTrue(!notices.isEmpty() && notices.getFirst().contains("dropped the oldest turn"), notices.toString());
            assertTrue(c.messages().size() < 8, c.messages().toString());
            assertMatchesWholeScore(m, r.promptIds(), r);
        }
    }

    @Test
    void aListenerCanCancelAndTheConversationGoesOn() {
        try (Conversation c = model.chat(null, false)) {
            Cancellation cancel = new Cancellation();
            int[] seen = {0};
            GenerationResult r = c.send("In the beginning", GenerateOptions.greedy(40).withCancellation(cancel), (id, t) -> {
                if (++seen[0] == 3) cancel.cancel();
            });
            assertEquals(StopReason.CANCELLED, r.stopReason());
            assertEquals(3, r.generatedIds().length);
            GenerationResult next = c.send("And the earth", GenerateOptions.greedy(8), (id, t) -> { });
            assertMatchesWholeScore(model, next.promptIds(), next);
        }
    }

    @Test
    void cancelledBeforeTheStartGeneratesNothing() {
        Cancellation cancel = new Cancellation();
        cancel.cancel();
        GenerationResult r = model.generate("In the beginning", GenerateOptions.greedy(10).withCancellation(cancel), (id, t) -> { });
        assertEquals(StopReason.CANCELLED, r.stopReason());
        assertEquals(0, r.generatedIds().length);
    }

    /** Sessions over the one set of weights, on two threads at once, each get what they get alone. */
    @Test
    void sessionsRunInParallelOverOneModel() throws Exception {
        int[] a = model.tokenizer().encodeWithBos("In the beginning"), b = model.tokenizer().encodeWithBos("And God said");
        int[] aloneA = model.generate(a, GenerateOptions.greedy(24), (id, t) -> { }).generatedIds();
        int[] aloneB = model.generate(b, GenerateOptions.greedy(24), (id, t) -> { }).generatedIds();
        int[][] got = new int[2][];
        Thread ta = Thread.ofPlatform().start(() -> got[0] = model.generate(a, GenerateOptions.greedy(24), (id, t) -> { }).generatedIds());
        Thread tb = Thread.ofPlatform().start(() -> got[1] = model.generate(b, GenerateOptions.greedy(24), (id, t) -> { }).generatedIds());
        ta.join();
        tb.join();
        assertArrayEquals(aloneA, got[0]);
        assertArrayEquals(aloneB, got[1]);
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
