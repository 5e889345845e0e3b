package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Set;
import mistral.engine.chat.ChatTemplate;
import mistral.engine.gguf.GgufFile;
import mistral.engine.tokenizer.SentencePieceTokenizer;

/** Needs only the tokenizer keys, so vocab-only GGUF files work. */
final class TokenizeCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral tokenize --model F (--text TEXT | --chat FILE [--safe-prompt]) [--json]
                  --text TEXT          plain text: the ids without BOS
                  --chat FILE          a JSON array of {"role","content"} messages ("-" reads stdin): the Instruct
                                       prompt's ids as the model gets them, BOS included
                  --safe-prompt        with --chat: the guardrail system prompt first
                  --json               print {"ids":[...]} instead of ids and pieces""";
    }

    @Override
    Set<String> valued() {
        return Set.of("--model", "--text", "--chat");
    }

    @Override
    Set<String> switches() {
        return Set.of("--json", "--safe-prompt");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        try (GgufFile g = GgufFile.open(modelPath(a))) {
            if (a.has("--text") == a.has("--chat")) throw new UsageException("tokenize: give exactly one of --text and --chat");
            if (a.has("--safe-prompt") && !a.has("--chat")) throw new UsageException("tokenize: --safe-prompt goes with --chat");
            SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(g);
            int[] ids = a.has("--text") ? tok.encode(a.required("--text"))
                    : ChatTemplate.of(tok).encode(ChatFile.read(a.required("--chat"), System.in), a.has("--safe-prompt"));
            if (a.has("--json")) {
                out.println(new Json().put("ids", ids));
            } else {
                for (int id : ids) out.printf("%6d  %s%n", id, tok.piece(id));
            }
        }
    }
}
