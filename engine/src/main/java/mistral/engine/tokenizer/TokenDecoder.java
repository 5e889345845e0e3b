package mistral.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;

/**
 * Turns a stream of token ids into text. Byte-fallback tokens can split one character over
 * several tokens, so bytes of an unfinished UTF-8 sequence wait for the next token.
 */
public final class TokenDecoder {
    private final IntFunction<byte[]> bytes;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean atStart = true;

    /** @param bytes the bytes each token id stands for */
    TokenDecoder(IntFunction<byte[]> bytes) {
        this.bytes = bytes;
    }

    /** Text completed by this token (possibly empty). */
    public String next(int id) {
        byte[] b = bytes.apply(id);
        int from = 0;
        if (atStart && b.length > 0) {
            if (b[0] == ' ') from = 1; // the dummy-prefix space
            atStart = false;
        }
        pending.write(b, from, b.length - from);
        byte[] all = pending.toByteArray();
        int complete = completePrefix(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** Whatever is still held back (an invalid or unfinished sequence decodes as U+FFFD). */
    public String flush() {
        String s = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return s;
    }

    /** Length of the longest prefix that does not end inside a UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue; // continuation byte: look further back
            int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return len > back ? n - back : n;
        }
        return n;
    }
}
