package mistral.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import mistral.engine.api.MistralModel;
import mistral.engine.api.ModerationResult;

/** Mistral's self-reflection moderation (paper, section 5.2): which of 13 categories a text falls into, if any. */
final class ModerateCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral moderate --model F --text TEXT [--json]
                  classifies TEXT (a user prompt or an answer) with Mistral's self-reflection prompt: each of the
                  13 categories and "not moderated" is scored as the model's answer; the best one wins
                  --json               print {"category","scores","probabilities","prompt_ids"}
                """ + MODEL_HELP;
    }

    @Override
    Set<String> valued() {
        return flags(MODEL_FLAGS, "--text");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        String text = a.required("--text");
        try (MistralModel model = MistralModel.load(modelPath(a), loadOptions(a))) {
            if (a.has("--verbose")) err.println(model.config().describe());
            ModerationResult r = model.moderate(text);
            if (a.has("--json")) {
                out.println(json(r));
            } else {
                out.println(r.category());
                for (Map.Entry<String, Double> e : r.probabilities().entrySet()) {
                    err.printf(Locale.ROOT, "  %-26s p=%.4f  logprob=%.4f%n", e.getKey(), e.getValue(), r.scores().get(e.getKey()));
                }
            }
        }
    }

    static ObjectNode json(ModerationResult r) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("category", r.category());
        ObjectNode scores = o.putObject("scores"), probabilities = o.putObject("probabilities");
        r.scores().forEach(scores::put);
        r.probabilities().forEach(probabilities::put);
        var ids = o.putArray("prompt_ids");
        for (int id : r.promptIds()) ids.add(id);
        return o;
    }
}
