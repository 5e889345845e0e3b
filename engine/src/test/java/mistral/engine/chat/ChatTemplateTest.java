package mistral.engine.chat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import mistral.engine.Fixtures;
import mistral.engine.gguf.GgufFile;
import mistral.engine.synth.SyntheticVocab;
import mistral.engine.tokenizer.SentencePieceTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {
    private static GgufFile vocab;
    private static SentencePieceTokenizer mistral;

    @BeforeAll
    static void open() {
        vocab = GgufFile.open(Fixtures.VOCAB);
        mistral = SentencePieceTokenizer.fromGguf(vocab);
    }

    @AfterAll
    static void close() {
        vocab.close();
    }

    /** Mistral's cookbook (concept-deep-dive/tokenization/chat_templates.md): user / assistant / user. */
    @Test
    void cookbookTokenTable() {
        ChatTemplate t = ChatTemplate.of(mistral);
        assertEquals(ChatTemplate.Version.V1, t.version());
        int[] ids = t.encode(List.of(Message.user("user message"), Message.assistant("assistant message"),
                Message.user("new user message")), false);
        assertArrayEquals(new int[] {1, 733, 16289, 28793, 2188, 2928, 733, 28748, 16289, 28793, 13892, 2928, 2, 733, 16289, 28793,
                633, 2188, 2928, 733, 28748, 16289, 28793}, ids);
    }

    /** Eight conversations built by mistral_common's V1 rules, system prompts and the guardrail included. */
    @Test
    void chatCasesOnTheRealVocabulary() {
        JsonNode file = Fixtures.json(Fixtures.ROOT.resolve("mistral-tokenizer/chat-cases.json"));
        assertEquals(SafetyPrompts.GUARDRAIL, file.get("guardrail").asText());
        ChatTemplate t = ChatTemplate.of(mistral);
        int n = 0;
        for (JsonNode c : file.get("cases")) {
            List<Message> messages = new ArrayList<>();
            for (JsonNode m : c.get("messages")) messages.add(new Message(Message.Role.parse(m.get("role").asText()), m.get("content").asText()));
            assertArrayEquals(Fixtures.ints(c.get("ids")), t.encode(messages, c.get("safe_prompt").asBoolean()), "case " + n);
            n++;
        }
        assertEquals(8, n);
    }

    /** V3: [INST] and [/INST] are control tokens (ids 3 and 4 as in v0.3); the system prompt goes before the last user message. */
    @Test
    void v3WithControlTokens() {
        SyntheticVocab v = SyntheticVocab.of(32768);
        assertEquals("[INST]", v.tokens()[3]);
        assertEquals("[/INST]", v.tokens()[4]);
        SentencePieceTokenizer tok = new SentencePieceTokenizer(v.tokens(), v.scores(), v.types(), 1, 2, 0, true, true);
        ChatTemplate t = ChatTemplate.of(tok);
        assertEquals(ChatTemplate.Version.V3, t.version());
        int[] ids = t.encode(List.of(Message.system("be brief"), Message.user("hello"), Message.assistant("hi there"),
                Message.user("bye")), false);
        int[] expected = IntStream.concat(IntStream.concat(IntStream.of(1, 3), IntStream.of(tok.encode("hello"))),
                IntStream.concat(IntStream.of(4), IntStream.of(tok.encode("hi there")))).toArray();
        expected = IntStream.concat(IntStream.concat(IntStream.of(expected), IntStream.of(2, 3)),
                IntStream.concat(IntStream.of(tok.encode("be brief\n\nbye")), IntStream.of(4))).toArray();
        assertArrayEquals(expected, ids);
        // the control pieces never come out of text
        assertTrue(IntStream.of(tok.encode("[INST] x [/INST]")).noneMatch(id -> id == 3 || id == 4));
        int[] safe = t.encode(List.of(Message.user("hello")), true);
        assertArrayEquals(IntStream.concat(IntStream.concat(IntStream.of(1, 3), IntStream.of(tok.encode(SafetyPrompts.GUARDRAIL + "\n\nhello"))),
                IntStream.of(4)).toArray(), safe);
    }

    @Test
    void badConversationsNameTheMessage() {
        ChatTemplate t = ChatTemplate.of(mistral);
        assertEquals("message 1 is user, expected assistant (roles must alternate user/assistant)",
                assertThrows(IllegalArgumentException.class, () -> t.encode(List.of(Message.user("a"), Message.user("b")), false)).getMessage());
        assertEquals("message 1 is assistant: the conversation must end with a user message",
                assertThrows(IllegalArgumentException.class, () -> t.encode(List.of(Message.user("a"), Message.assistant("b")), false)).getMessage());
        assertEquals("message 0 is assistant, expected user (roles must alternate user/assistant)",
                assertThrows(IllegalArgumentException.class, () -> t.encode(List.of(Message.assistant("a")), false)).getMessage());
        assertEquals("message 2 is system, expected user (a system message may only come first)",
                assertThrows(IllegalArgumentException.class, () -> t.encode(List.of(Message.user("a"), Message.assistant("b"),
                        Message.system("c")), false)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.encode(List.of(), false)).getMessage().contains("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> t.encode(List.of(Message.system("s")), false)).getMessage()
                .contains("only a system message"));
    }
}
