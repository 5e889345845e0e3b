package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.MistralModel;

final class GenerateCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral generate --model F (--prompt TEXT | --prompt-ids "1,2,3") [options]
                  --prompt TEXT        prompt text (BOS is added)
                  --prompt-ids IDS     prompt as token ids, used as given
                  --json               print {"prompt_ids","generated_ids","text","stop"} instead of streaming
                """ + SAMPLING_HELP.formatted(128) + "\n" + MODEL_HELP;
    }

    @Override
    Set<String> valued() {
        Set<String> s = flags(MODEL_FLAGS, "--prompt", "--prompt-ids");
        s.addAll(SAMPLING_FLAGS);
        return s;
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        if (a.has("--prompt") == a.has("--prompt-ids")) throw new UsageException("generate: give exactly one of --prompt and --prompt-ids");
        GenerateOptions options = generateOptions(a, 128);
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
                        .put("text", r.text()).put("stop", r.stopReason().label()));
            } else {
                out.println();
                err.printf(Locale.ROOT, "prefill: %d tokens, %.1f tok/s | decode: %d tokens, %.2f tok/s | stop: %s%n",
                        r.promptIds().length, r.prefillTokensPerSecond(), r.generatedIds().length,
                        r.decodeTokensPerSecond(), r.stopReason().label());
            }
            if (a.has("--profile")) err.print(r.profileTable());
        }
    }
}
