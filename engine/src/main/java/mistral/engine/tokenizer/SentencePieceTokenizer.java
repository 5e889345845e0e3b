package mistral.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.PriorityQueue;
import mistral.engine.gguf.GgufException;
import mistral.engine.gguf.GgufFile;

/**
 * SentencePiece BPE as Llama and Mistral use it (GGUF {@code tokenizer.ggml.model = llama}):
 * dummy-prefix space, spaces as U+2581, score-ordered merges, UTF-8 byte fallback.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    public static final String SPACE = "\u2581";
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final String[] pieces;
    private final float[] scores;
    private final int[] types;
    /** Pieces that plain text can produce: normal and user-defined ones. */
    private final Map<String, Integer> textPieces;
    private final Map<String, Integer> controlPieces = new HashMap<>();
    private final int[] byteIds = new int[256];
    private final int bos, eos, unk;
    private final boolean addBos, addSpacePrefix;

    public SentencePieceTokenizer(String[] pieces, float[] scores, int[] types, int bos, int eos, int unk,
                                  boolean addBos, boolean addSpacePrefix) {
        this.pieces = pieces;
        this.scores = scores;
        this.types = types;
        this.bos = bos;
        this.eos = eos;
        this.unk = unk;
        this.addBos = addBos;
        this.addSpacePrefix = addSpacePrefix;
        this.textPieces = new HashMap<>(pieces.length * 2);
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < pieces.length; id++) {
            if (types[id] == NORMAL || types[id] == USER_DEFINED) textPieces.putIfAbsent(pieces[id], id);
            if (types[id] == CONTROL) controlPieces.putIfAbsent(pieces[id], id);
            if (types[id] == BYTE && pieces[id].length() == 6 && pieces[id].startsWith("<0x")) {
                byteIds[Integer.parseInt(pieces[id].substring(3, 5), 16)] = id;
            }
        }
    }

    public static SentencePieceTokenizer fromGguf(GgufFile gguf) {
        String model = gguf.has("tokenizer.ggml.model") ? gguf.string("tokenizer.ggml.model") : "(none)";
        if (!model.equals("llama")) {
            throw new GgufException(gguf.path(), "tokenizer.ggml.model is " + model + "; only SentencePiece BPE (llama) is supported");
        }
        String[] tokens = gguf.get("tokenizer.ggml.tokens", String[].class);
        float[] scores = gguf.has("tokenizer.ggml.scores") ? gguf.get("tokenizer.ggml.scores", float[].class) : new float[tokens.length];
        int[] types = gguf.has("tokenizer.ggml.token_type") ? gguf.get("tokenizer.ggml.token_type", int[].class) : null;
        if (types == null) {
            types = new int[tokens.length];
            Arrays.fill(types, NORMAL);
        }
        if (scores.length != tokens.length || types.length != tokens.length) {
            throw new GgufException(gguf.path(), "tokenizer arrays disagree: " + tokens.length + " tokens, "
                    + scores.length + " scores, " + types.length + " types");
        }
        if (tokens.length == 0) throw new GgufException(gguf.path(), "tokenizer.ggml.tokens is empty");
        return new SentencePieceTokenizer(tokens, scores, types,
                tokenId(gguf, "tokenizer.ggml.bos_token_id", 1, tokens.length),
                tokenId(gguf, "tokenizer.ggml.eos_token_id", 2, tokens.length),
                tokenId(gguf, "tokenizer.ggml.unknown_token_id", 0, tokens.length),
                gguf.bool("tokenizer.ggml.add_bos_token", true),
                gguf.bool("tokenizer.ggml.add_space_prefix", true));
    }

    /** A special token's id from the file, checked to name one of the vocabulary's pieces. */
    private static int tokenId(GgufFile gguf, String key, int fallback, int vocab) {
        long id = gguf.integer(key, fallback);
        if (id < 0 || id >= vocab) throw new GgufException(gguf.path(), key + " is " + id + ", outside the vocabulary of " + vocab + " pieces");
        return (int) id;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        return eos;
    }

    public boolean addBos() {
        return addBos;
    }

    @Override
    public String piece(int id) {
        return pieces[id];
    }

    @Override
    public int[] encode(String text) {
        if (text.isEmpty()) return new int[0];
        String normalized = (addSpacePrefix ? SPACE : "") + text.replace(" ", SPACE);
        List<String> symbols = new ArrayList<>();
        normalized.codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
        List<String> merged = merge(symbols);
        int[] out = new int[merged.size() * 4];
        int n = 0;
        for (String s : merged) {
            Integer id = textPieces.get(s);
            if (id != null) {
                out[n++] = id;
                continue;
            }
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
                int byteId = byteIds[b & 0xFF];
                out[n++] = byteId >= 0 ? byteId : unk;
            }
        }
        return Arrays.copyOf(out, n);
    }

    @Override
    public int[] encodeWithBos(String text) {
        int[] ids = encode(text);
        if (!addBos) return ids;
        int[] out = new int[ids.length + 1];
        out[0] = bos;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private record Candidate(float score, int left, int right, String piece) {
    }

    /**
     * Repeatedly merges the adjacent pair whose concatenation is the highest-scoring piece
     * (leftmost on ties), with a heap of candidates checked for staleness when popped: O(n log n).
     */
    private List<String> merge(List<String> symbols) {
        int n = symbols.size();
        String[] sym = symbols.toArray(new String[0]);
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> heap = new PriorityQueue<>((a, b) ->
                a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 0; i + 1 < n; i++) offer(heap, sym, i, i + 1);
        while (!heap.isEmpty()) {
            Candidate c = heap.poll();
            if (sym[c.left] == null || sym[c.right] == null || next[c.left] != c.right
                    || !c.piece.equals(sym[c.left] + sym[c.right])) {
                continue; // stale: one side was merged since this candidate was made
            }
            sym[c.left] = c.piece;
            sym[c.right] = null;
            next[c.left] = next[c.right];
            if (next[c.right] >= 0) prev[next[c.right]] = c.left;
            if (prev[c.left] >= 0) offer(heap, sym, prev[c.left], c.left);
            if (next[c.left] >= 0) offer(heap, sym, c.left, next[c.left]);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i >= 0 && i < n; i = next[i]) out.add(sym[i]);
        return out;
    }

    private void offer(PriorityQueue<Candidate> heap, String[] sym, int left, int right) {
        String piece = sym[left] + sym[right];
        Integer id = textPieces.get(piece);
        if (id != null) heap.add(new Candidate(scores[id], left, right, piece));
    }

    @Override
    public String decode(int[] ids) {
        TokenDecoder d = decoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(d.next(id));
        return sb.append(d.flush()).toString();
    }

    @Override
    public TokenDecoder decoder() {
        return new TokenDecoder(this::bytes);
    }

    @Override
    public OptionalInt controlToken(String piece) {
        Integer id = controlPieces.get(piece);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The bytes a token stands for (control tokens stand for none). */
    byte[] bytes(int id) {
        if (id < 0 || id >= pieces.length) throw new IllegalArgumentException("token id " + id + " out of range");
        return switch (types[id]) {
            case CONTROL, UNUSED -> new byte[0];
            case BYTE -> new byte[] {(byte) Integer.parseInt(pieces[id].substring(3, 5), 16)};
            case UNKNOWN -> " \u2047 ".getBytes(StandardCharsets.UTF_8);
            default -> pieces[id].replace(SPACE, " ").getBytes(StandardCharsets.UTF_8);
        };
    }
}
