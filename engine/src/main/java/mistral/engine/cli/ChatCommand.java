package mistral.engine.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import mistral.engine.api.Cancellation;
import mistral.engine.api.Conversation;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.MistralModel;
import mistral.engine.api.ModerationResult;

/**
 * A chat with an Instruct model: interactive in a terminal (streamed answers, multi-line input,
 * /reset, /system, /exit, Ctrl-C stops an answer), or scripted with {@code --message}.
 */
final class ChatCommand extends Command {
    @Override
    String help() {
        return """
                usage: mistral chat --model F [--system TEXT] [--safe-prompt] [--moderate] [options]
                       mistral chat --model F --message A [--message B ...] [--json] [options]
                  --system TEXT        system prompt
                  --safe-prompt        put Mistral's guardrail system prompt first
                  --moderate           classify every user message and answer (self-reflection); print the category if flagged
                  --message TEXT       one user turn (repeatable): answer each in turn, then exit
                  --json               with --message: print {"turns":[{"generated_ids","text","stop"}],"ids":[...]}
                interactive: a line is a message; end a line with \\ to continue it, or put \"\"\" on its own line to start
                and end a block. /reset forgets the conversation, /system TEXT sets the system prompt, /exit or Ctrl-D
                quits, Ctrl-C stops the answer being written.
                """ + SAMPLING_HELP.formatted(512) + "\n" + MODEL_HELP;
    }

    @Override
    Set<String> valued() {
        Set<String> s = flags(MODEL_FLAGS, "--system", "--message");
        s.addAll(SAMPLING_FLAGS);
        return s;
    }

    @Override
    Set<String> switches() {
        return Set.of("--json", "--verbose", "--profile", "--mmap", "--safe-prompt", "--moderate");
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        List<String> scripted = a.all("--message");
        if (a.has("--json") && scripted.isEmpty()) throw new UsageException("chat: --json goes with --message");
        GenerateOptions options = generateOptions(a, 512);
        try (MistralModel model = MistralModel.load(modelPath(a), loadOptions(a));
             Conversation chat = model.chat(a.string("--system", null), a.has("--safe-prompt"))) {
            if (a.has("--verbose")) err.println(model.config().describe());
            chat.onNotice(n -> err.println("note: " + n));
            boolean moderate = a.has("--moderate");
            if (!scripted.isEmpty()) {
                scripted(model, chat, scripted, options, a.has("--json"), moderate, out, err);
            } else {
                interactive(model, chat, options, moderate, out, err);
            }
        }
    }

    private static void scripted(MistralModel model, Conversation chat, List<String> messages, GenerateOptions options, boolean json,
                                 boolean moderate, PrintStream out, PrintStream err) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode turns = root.putArray("turns");
        for (String m : messages) {
            if (moderate) flag(model, "user message", m, err);
            if (!json) out.println("> " + m);
            GenerationResult r = chat.send(m, options, (id, text) -> {
                if (!json) out.print(text);
            });
            if (!json) {
                out.println();
                stats(r, err);
            }
            if (moderate) flag(model, "answer", r.text(), err);
            ObjectNode t = turns.addObject();
            ArrayNode ids = t.putArray("generated_ids");
            for (int id : r.generatedIds()) ids.add(id);
            t.put("text", r.text()).put("stop", r.stopReason().label());
        }
        ArrayNode all = root.putArray("ids");
        for (int id : chat.ids()) all.add(id);
        if (json) out.println(root);
    }

    private static void interactive(MistralModel model, Conversation chat, GenerateOptions options, boolean moderate,
                                    PrintStream out, PrintStream err) {
        AtomicReference<Cancellation> current = new AtomicReference<>();
        SigInt.install(() -> {
            Cancellation c = current.get();
            if (c != null) c.cancel();
            else err.print("\n(/exit or Ctrl-D quits)\n> ");
        });
        err.println("chat with " + model.file().path().getFileName() + " (" + model.chatTemplate().version()
                + " template); /reset, /system TEXT, /exit; Ctrl-C stops an answer");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            out.print("> ");
            out.flush();
            String message = readMessage(in);
            if (message == null || message.strip().equals("/exit")) break;
            String line = message.strip();
            if (line.isEmpty()) continue;
            if (line.equals("/reset")) {
                chat.reset();
                err.println("(conversation cleared)");
                continue;
            }
            if (line.startsWith("/system")) {
                String system = line.substring("/system".length()).strip();
                chat.setSystem(system);
                err.println(system.isEmpty() ? "(system prompt removed)" : "(system prompt set)");
                continue;
            }
            if (moderate) flag(model, "user message", message, err);
            Cancellation cancel = new Cancellation();
            current.set(cancel);
            GenerationResult r;
            try {
                r = chat.send(message, options.withCancellation(cancel), (id, text) -> {
                    out.print(text);
                    out.flush();
                });
            } finally {
                current.set(null);
            }
            out.println();
            stats(r, err);
            if (moderate && !r.text().isEmpty()) flag(model, "answer", r.text(), err);
        }
        out.println();
    }

    /** One message: a line; a line ending in \ goes on; lines between two """ lines are one block. Null at end of input. */
    static String readMessage(BufferedReader in) {
        try {
            String line = in.readLine();
            if (line == null) return null;
            if (line.strip().equals("\"\"\"")) {
                StringBuilder block = new StringBuilder();
                for (String l = in.readLine(); l != null && !l.strip().equals("\"\"\""); l = in.readLine()) {
                    if (!block.isEmpty()) block.append('\n');
                    block.append(l);
                }
                return block.toString();
            }
            StringBuilder sb = new StringBuilder();
            while (line != null && line.endsWith("\\")) {
                sb.append(line, 0, line.length() - 1).append('\n');
                line = in.readLine();
            }
            if (line != null) sb.append(line);
            return sb.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stats(GenerationResult r, PrintStream err) {
        err.printf(Locale.ROOT, "[prompt %d tokens, %d new, %.1f tok/s | answer %d tokens, %.2f tok/s | stop: %s]%n",
                r.promptIds().length, r.prefilled(), r.prefillTokensPerSecond(), r.generatedIds().length,
                r.decodeTokensPerSecond(), r.stopReason().label());
    }

    private static void flag(MistralModel model, String what, String text, PrintStream err) {
        ModerationResult m = model.moderate(text);
        if (m.flagged()) err.printf(Locale.ROOT, "[moderation: %s flagged as '%s', p=%.2f]%n", what, m.category(), m.probabilities().get(m.category()));
    }
}
