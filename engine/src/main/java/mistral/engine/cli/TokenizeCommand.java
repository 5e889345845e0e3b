package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Set;
import mistral.engine.gguf.GgufFile;
import mistral.engine.tokenizer.SentencePieceTokenizer;

/** Needs only the tokenizer keys, so vocab-only GGUF files work. */
final class TokenizeCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral tokenize --model F --text TEXT [--json]
                  prints the ids (without BOS) and pieces; --json prints {"ids":[...]}""";
    }

    @Override
    Set<String> valued() {
        return Set.of("--model", "--text");
    }

    @Override
    Set<String> switches() {
        return Set.of("--json");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        try (GgufFile g = GgufFile.open(modelPath(a))) {
            SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(g);
            int[] ids = tok.encode(a.required("--text"));
            if (a.has("--json")) {
                out.println(new Json().put("ids", ids));
            } else {
                for (int id : ids) out.printf("%6d  %s%n", id, tok.piece(id));
            }
        }
    }
}
