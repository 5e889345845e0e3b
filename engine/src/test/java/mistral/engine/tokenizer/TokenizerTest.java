package mistral.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import mistral.engine.Fixtures;
import mistral.engine.gguf.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TokenizerTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        addCases(out, Fixtures.VOCAB, Fixtures.ROOT.resolve("mistral-tokenizer/tokenizer-cases.json"));
        addCases(out, Fixtures.model("f32"), Fixtures.TINY.resolve("tokenizer-cases.json"));
        return out.stream();
    }

    private static void addCases(List<Arguments> out, Path vocab, Path cases) {
        for (JsonNode c : Fixtures.json(cases).get("cases")) {
            out.add(Arguments.of(vocab.getFileName().toString(), vocab, c.get("text").asText(), Fixtures.ints(c.get("ids")),
                    c.get("decoded").asText()));
        }
    }

    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("cases")
    void encodesAndDecodesLikeSentencePiece(String name, Path vocab, String text, int[] ids, String decoded) {
        try (GgufFile g = GgufFile.open(vocab)) {
            SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(g);
            assertArrayEquals(ids, tok.encode(text), () -> "encode " + text);
            assertEquals(decoded, tok.decode(ids));
        }
    }

    @Test
    void knownIdsOnTheRealVocab() {
        try (GgufFile g = GgufFile.open(Fixtures.VOCAB)) {
            SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(g);
            assertArrayEquals(new int[] {1, 22557, 1526, 28808}, tok.encodeWithBos("Hello world!"));
            assertArrayEquals(new int[0], tok.encode(""));
            // control pieces are never produced from text
            for (int id : tok.encode("<s></s><unk>")) {
                org.junit.jupiter.api.Assertions.assertTrue(id > 2, "control id " + id);
            }
        }
    }

    @Test
    void streamingDecoderJoinsByteFallbackAcrossTokens() {
        try (GgufFile g = GgufFile.open(Fixtures.VOCAB)) {
            SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(g);
            int[] ids = tok.encode("a 🦙 b");
            TokenDecoder d = tok.decoder();
            StringBuilder sb = new StringBuilder();
            List<String> pieces = new ArrayList<>();
            for (int id : ids) {
                String s = d.next(id);
                pieces.add(s);
                sb.append(s);
            }
            sb.append(d.flush());
            assertEquals("a 🦙 b", sb.toString());
            // no piece ever holds half a character
            for (String p : pieces) assertEquals(-1, p.indexOf('\uFFFD'), "replacement char in " + pieces);
        }
    }
}
