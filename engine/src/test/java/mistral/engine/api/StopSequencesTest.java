package mistral.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopSequencesTest {
    /** Text split at every place still stops before the stop string, and nothing of it leaks out. */
    @Test
    void stopsAcrossPieces() {
        String text = "In the beginning God created the heaven";
        for (int split = 1; split < text.length(); split++) {
            StopSequences s = new StopSequences(List.of("God cr", "zzz"));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < text.length() && !s.stopped(); i += split) out.append(s.accept(text.substring(i, Math.min(text.length(), i + split))));
            out.append(s.flush());
            assertTrue(s.stopped());
            assertEquals("In the beginning ", out.toString(), "pieces of " + split);
        }
    }

    @Test
    void withoutAStopEverythingComesThrough() {
        StopSequences s = new StopSequences(List.of("xyz"));
        String out = s.accept("abcx") + s.accept("y") + s.accept("!") + s.flush();
        assertEquals("abcxy!", out);
        assertEquals(false, s.stopped());
        assertEquals("plain", new StopSequences(List.of()).accept("plain"));
    }
}
