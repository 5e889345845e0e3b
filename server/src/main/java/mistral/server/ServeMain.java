package mistral.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import mistral.engine.api.LoadOptions;
import mistral.engine.cli.Args;
import mistral.engine.cli.UsageException;

/** {@code mistral serve}: exit 2 on bad usage, 1 when the model cannot be loaded or the port cannot be opened. */
public final class ServeMain {
    static final String HELP = """
            usage: mistral serve --model F [options]      (or MISTRAL_MODEL=F)
              --host H             address to bind (default 127.0.0.1; 0.0.0.0 for every interface)
              --port P             port (default 8080; 0 = any free port)
              --parallel N         slots: requests generating at once, decoded in shared steps (default 1)
              --queue M            requests that may wait for a slot; more get 429 (default 16)
              --api-key K          require "Authorization: Bearer K" on /v1/* (or MISTRAL_API_KEY)
              --timeout S          per-request deadline in seconds, queueing included (default 600)
              --max-body BYTES     largest request body (default 4194304)
              --device D           java (default), opencl[:N], tornado[:N]
              --threads N          CPU threads of the model (default: all cores)
              --context N          context length (default: the model's, at most 8192)
              --sliding-window N, --preset NAME, --mmap   as for the other commands
            endpoints: POST /v1/chat/completions, /v1/completions, /v1/moderations; GET /v1/models, /health, /metrics""";

    private ServeMain() {
    }

    public static void main(String[] argv) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        int code = run(argv);
        if (code != 0) System.exit(code);
    }

    static int run(String[] argv) {
        int from = argv.length > 0 && argv[0].equals("serve") ? 1 : 0;
        for (int i = from; i < argv.length; i++) {
            if (argv[i].equals("--help") || argv[i].equals("-h")) {
                System.out.println(HELP);
                return 0;
            }
        }
        OpenAiServer.Settings settings;
        try {
            settings = settings(Args.parse("serve", argv, from, Set.of("--model", "--host", "--port", "--parallel", "--queue", "--api-key",
                    "--timeout", "--max-body", "--device", "--threads", "--context", "--sliding-window", "--preset"), Set.of("--mmap")));
        } catch (UsageException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        OpenAiServer server;
        try {
            server = OpenAiServer.start(settings);
        } catch (RuntimeException e) {
            System.err.println("error: cannot listen on " + settings.host() + ":" + settings.port() + ": " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.err.println("listening on http://" + settings.host() + ":" + server.port() + " (loading " + settings.model() + ")");
        try {
            if (!server.awaitLoaded()) {
                server.close();
                return 1;
            }
        } catch (InterruptedException e) {
            return 1;
        }
        System.err.println("ready: " + settings.parallel() + " slot(s), queue " + settings.queue());
        return 0;
    }

    static OpenAiServer.Settings settings(Args a) {
        String model = a.string("--model", System.getenv("MISTRAL_MODEL"));
        if (model == null || model.isBlank()) throw new UsageException("serve: --model is required (or MISTRAL_MODEL)");
        if (!Files.isRegularFile(Path.of(model))) throw new IllegalArgumentException(model + ": no such file");
        int parallel = a.integer("--parallel", 1), queue = a.integer("--queue", 16);
        if (parallel < 1) throw new UsageException("serve: --parallel must be >= 1");
        if (queue < 0) throw new UsageException("serve: --queue must be >= 0");
        int port = a.integer("--port", 8080);
        if (port < 0 || port > 65535) throw new UsageException("serve: --port must be 0..65535");
        long timeout = a.longValue("--timeout", 600), maxBody = a.longValue("--max-body", 4L << 20);
        if (timeout < 1) throw new UsageException("serve: --timeout must be >= 1 second");
        if (maxBody < 1024) throw new UsageException("serve: --max-body must be >= 1024 bytes");
        int threads = a.integer("--threads", Runtime.getRuntime().availableProcessors());
        LoadOptions load = LoadOptions.builder().device(a.string("--device", "java")).threads(threads)
                .slidingWindow(a.integerOrNull("--sliding-window")).preset(a.string("--preset", null)).context(a.integerOrNull("--context"))
                .mmapWeights(a.has("--mmap")).build();
        String key = a.string("--api-key", System.getenv("MISTRAL_API_KEY"));
        return new OpenAiServer.Settings(Path.of(model), load, a.string("--host", "127.0.0.1"), port, parallel, queue, key, timeout, maxBody);
    }
}
