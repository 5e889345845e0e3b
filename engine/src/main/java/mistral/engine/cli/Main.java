package mistral.engine.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import mistral.engine.gguf.GgufException;
import mistral.engine.model.ContextOverflowException;
import mistral.tasks.opencl.OpenClException;

/** {@code mistral <command> [options]}: exit 0 on success, 1 on failure, 2 on bad usage. */
public final class Main {
    static final String USAGE = """
            usage: mistral <command> [options]

            commands:
              generate   generate text from a prompt
              chat       chat with an Instruct model (interactive, or scripted with --message)
              moderate   classify a text with Mistral's self-reflection moderation prompt
              score      per-token log-probabilities and perplexity of a text
              tokenize   token ids of a text (works on vocab-only GGUF files)
              info       resolved config and KV-cache memory of a model or preset
              devices    list the devices the engine can run on
              bench      prefill and decode speed on a device
              synth      write a random-weight model of a preset's shape (for benchmarks)
              kernels    the OpenCL kernels for offline compilation (FPGAs), or a device's program binary
              serve      the OpenAI-compatible HTTP server ('mistral serve --help')

            'mistral <command> --help' shows the command's options.""";

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            Command cmd = switch (args[0]) {
                case "generate" -> new GenerateCommand();
                case "chat" -> new ChatCommand();
                case "moderate" -> new ModerateCommand();
                case "score" -> new ScoreCommand();
                case "tokenize" -> new TokenizeCommand();
                case "info" -> new InfoCommand();
                case "devices" -> new DevicesCommand();
                case "synth" -> new SynthCommand();
                case "bench" -> new BenchCommand();
                case "kernels" -> new KernelsCommand();
                case "serve" -> throw new UsageException("serve runs from the server module: use bin/mistral serve (it builds server/target/mistral-server.jar)");
                default -> throw new UsageException("unknown command '" + args[0] + "'; commands: generate, chat, moderate, score, tokenize, info, devices, synth, bench, kernels, serve");
            };
            if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
                out.println(cmd.help());
                return 0;
            }
            cmd.run(Args.parse(args[0], args, 1, cmd.valued(), cmd.switches()), out, err);
            return 0;
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (GgufException | ContextOverflowException | IllegalArgumentException | IllegalStateException | OpenClException
                 | UnsupportedOperationException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            err.println("error: out of memory (" + e.getMessage() + "); try a smaller --context or --chunk-size, or a larger -Xmx in MISTRAL_JAVA_OPTS");
            return 1;
        } catch (java.io.UncheckedIOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            err.println("error: " + e);
            return 1;
        }
    }
}
