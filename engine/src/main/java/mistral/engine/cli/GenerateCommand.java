package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.MistralModel;
import mistral.engine.model.SamplingOptions;

final class GenerateCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral generate --model F (--prompt TEXT | --prompt-ids "1,2,3") [options]
                  --prompt TEXT        prompt text (BOS is added)
                  --prompt-ids IDS     prompt as token ids, used as given
                  --max-tokens N       tokens to generate (default 128); stops earlier at EOS
                  --temperature T      0 = greedy (default 0.8)
                  --top-p P            nucleus sampling (default 0.95)
                  --top-k K            0 = off (default 40)
                  --seed S             random seed (default: time)
                  --chunk-size N       prefill chunk (default: the sliding window)
                  --json               print {"prompt_ids","generated_ids","text"} instead of streaming
                """ + MODEL_HELP;
    }

    @Override
    Set<String> valued() {
        return flags(MODEL_FLAGS, "--prompt", "--prompt-ids", "--max-tokens", "--temperature", "--top-p", "--top-k", "--seed", "--chunk-size");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        if (a.has("--prompt") == a.has("--prompt-ids")) throw new UsageException("generate: give exactly one of --prompt and --prompt-ids");
        SamplingOptions sampling = new SamplingOptions(a.real("--temperature", 0.8f), a.real("--top-p", 0.95f),
                a.integer("--top-k", 40), a.longValue("--seed", System.nanoTime()));
        GenerateOptions options = new GenerateOptions(a.integer("--max-tokens", 128), sampling, a.integer("--chunk-size", 0));
        try (MistralModel model = MistralModel.load(modelPath(a), loadOptions(a))) {
            if (a.has("--verbose")) err.println(model.config().describe());
            int[] prompt = a.has("--prompt") ? model.tokenizer().encodeWithBos(a.required("--prompt")) : a.ids("--prompt-ids");
            boolean json = a.has("--json");
            if (!json) out.print(a.has("--prompt") ? a.required("--prompt") : model.tokenizer().decode(prompt));
            GenerationResult r = model.generate(prompt, options, (id, text) -> {
                if (!json) out.print(text);
            });
            if (json) {
                out.println(new Json().put("prompt_ids", r.promptIds()).put("generated_ids", r.generatedIds())
                        .put("text", r.text()).put("stop", r.stopReason()));
            } else {
                out.println();
                err.printf(Locale.ROOT, "prefill: %d tokens, %.1f tok/s | decode: %d tokens, %.2f tok/s | stop: %s%n",
                        r.promptIds().length, r.prefillTokensPerSecond(), r.generatedIds().length,
                        r.decodeTokensPerSecond(), r.stopReason());
            }
            if (a.has("--profile")) err.print(r.profile().table());
        }
    }
}
