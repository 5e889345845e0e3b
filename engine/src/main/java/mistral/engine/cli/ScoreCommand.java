package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import mistral.engine.api.MistralModel;
import mistral.engine.api.ScoreResult;

final class ScoreCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral score --model F (--text TEXT | --token-ids "1,2,3") [options]
                  --text TEXT          text to score (BOS is added)
                  --token-ids IDS      token ids, used as given
                  --chunk-size N       prefill chunk (default: the window, at most 512)
                  --json               print {"token_ids","logprobs","mean_nll","perplexity"};
                                       logprobs[i] = log P(token_ids[i+1] | token_ids[0..i])
                """ + MODEL_HELP;
    }

    @Override
    Set<String> valued() {
        return flags(MODEL_FLAGS, "--text", "--token-ids", "--chunk-size");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        if (a.has("--text") == a.has("--token-ids")) throw new UsageException("score: give exactly one of --text and --token-ids");
        try (MistralModel model = MistralModel.load(modelPath(a), loadOptions(a))) {
            if (a.has("--verbose")) err.println(model.config().describe());
            int[] ids = a.has("--text") ? model.tokenizer().encodeWithBos(a.required("--text")) : a.ids("--token-ids");
            ScoreResult r = model.score(ids, a.integer("--chunk-size", 0));
            if (a.has("--json")) {
                out.println(new Json().put("token_ids", r.tokenIds()).put("logprobs", r.logprobs())
                        .put("mean_nll", r.meanNll()).put("perplexity", r.perplexity()));
            } else {
                out.printf(Locale.ROOT, "tokens: %d  mean nll: %.6f  perplexity: %.4f%n", ids.length, r.meanNll(), r.perplexity());
            }
        }
    }
}
