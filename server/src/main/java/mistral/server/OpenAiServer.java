package mistral.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import mistral.engine.model.ContextOverflowException;

/**
 * An OpenAI-compatible HTTP server over one model: chat and text completions (streaming too),
 * moderations, models, health and Prometheus metrics. Javalin (Jetty 12) on virtual threads,
 * Jackson for JSON. The model loads after the port opens; {@code /health} says 503 until then.
 */
public final class OpenAiServer implements AutoCloseable {
    /** How to serve. */
    public record Settings(Path model, LoadOptions load, String host, int port, int parallel, int queue, String apiKey,
                           long timeoutSeconds, long maxBodyBytes) {
    }

    private final Settings settings;
    private final Javalin app;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "request-deadlines");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch loaded = new CountDownLatch(1);
    private volatile MistralModel model;
    private volatile SlotPool pool;
    private volatile ServerMetrics metrics;
    private volatile String loadError;

    private OpenAiServer(Settings settings) {
        this.settings = settings;
        ChatCompletions chat = new ChatCompletions(this);
        Completions completions = new Completions(this);
        Moderations moderations = new Moderations(this);
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = settings.maxBodyBytes();
            config.jetty.host = settings.host();
            config.jetty.port = settings.port();
            config.routes.before("/v1/*", this::authorize);
            config.routes.post("/v1/chat/completions", ctx -> serve(ctx, "chat", chat::handle));
            config.routes.post("/v1/completions", ctx -> serve(ctx, "completions", completions::handle));
            config.routes.post("/v1/moderations", ctx -> serve(ctx, "moderations", moderations::handle));
            config.routes.get("/v1/models", ctx -> serve(ctx, "models", this::models));
            config.routes.get("/v1/models/{id}", ctx -> serve(ctx, "models", this::modelById));
            config.routes.get("/health", this::health);
            config.routes.get("/metrics", this::metricsText);
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.res().getContentType().startsWith("application/json")) {
                    error(ctx, new ApiError(404, "invalid_request_error", null, "unknown_url", "no such endpoint: " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus() == 413
                    ? new ApiError(413, "invalid_request_error", null, "request_too_large", "the request body is larger than "
                    + settings.maxBodyBytes() + " bytes")
                    : new ApiError(e.getStatus(), "invalid_request_error", null, null, e.getMessage())));
            config.routes.exception(Exception.class, (e, ctx) -> {
                System.err.println("error: " + ctx.method() + " " + ctx.path() + ": " + e);
                error(ctx, new ApiError(500, "server_error", null, null, "internal error: " + e.getClass().getSimpleName()));
            });
        });
    }

    /** Opens the port, then loads the model on a thread of its own. */
    public static OpenAiServer start(Settings settings) {
        OpenAiServer s = new OpenAiServer(settings);
        s.app.start();
        Thread.ofPlatform().name("model-load").daemon().start(s::load);
        return s;
    }

    private void load() {
        try {
            MistralModel m = MistralModel.load(settings.model(), settings.load());
            SlotPool p = new SlotPool(m, settings.parallel(), settings.queue());
            metrics = new ServerMetrics(p.size(), p::busy, p::waiting, p::sequencesPerStep);
            pool = p;
            model = m;
        } catch (OutOfMemoryError e) {
            loadError = "out of memory for the model and " + settings.parallel() + " slot(s): raise -Xmx (MISTRAL_JAVA_OPTS)"
                    + " or lower --parallel or --context";
            System.err.println("error: cannot load " + settings.model() + ": " + loadError);
        } catch (RuntimeException | Error e) {
            loadError = e.getMessage() == null ? e.toString() : e.getMessage();
            System.err.println("error: cannot load " + settings.model() + ": " + loadError);
        } finally {
            loaded.countDown();
        }
    }

    /** Waits for the model; false (with the reason on stderr) if it failed to load. */
    public boolean awaitLoaded() throws InterruptedException {
        loaded.await();
        return model != null;
    }

    public String loadError() {
        return loadError;
    }

    public int port() {
        return app.port();
    }

    // --- what the endpoints share

    MistralModel model() {
        return model;
    }

    ServerMetrics metrics() {
        return metrics;
    }

    ScheduledExecutorService timers() {
        return timers;
    }

    long timeoutNanos() {
        return settings.timeoutSeconds() * 1_000_000_000L;
    }

    int context() {
        return model.config().contextLength();
    }

    SlotPool.Slot acquire(int[] prompt, long deadlineNanos) {
        try {
            return pool.acquire(prompt, deadlineNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "server_error", null, null, "the server is shutting down");
        }
    }

    void release(SlotPool.Slot slot) {
        pool.release(slot);
    }

    /** A token as text, for logprobs: its piece with SentencePiece's space as a space. */
    String tokenText(int id) {
        String p = model.tokenizer().piece(id);
        if (p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")) {
            int b = Integer.parseInt(p.substring(3, 5), 16);
            return b < 0x80 ? String.valueOf((char) b) : p;
        }
        return p.replace('\u2581', ' ');
    }

    /** The request body as a JSON object, at most the size limit. */
    JsonNode body(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared > settings.maxBodyBytes()) {
                discard(in, declared);
                throw tooLarge();
            }
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, settings.maxBodyBytes() + 1));
            if (bytes.length > settings.maxBodyBytes()) {
                discard(in, DISCARD_LIMIT);
                throw tooLarge();
            }
        } catch (IOException e) {
            throw new GenerationRun.ClientGone(e);
        }
        return Json.parse(bytes);
    }

    /** The most of a too-large body that is read and dropped before its 413 goes out. */
    private static final long DISCARD_LIMIT = 64L << 20;

    /**
     * Reads and drops what is left of a too-large body (up to {@link #DISCARD_LIMIT} bytes) so the
     * 413 reaches the client: closing the connection while the body was still arriving reset it,
     * and the client saw "header parser received no bytes" instead of the answer (ServerTest, at
     * times, with a 5 MiB body). Past the limit the connection closes as before.
     */
    private static void discard(InputStream in, long declared) throws IOException {
        long left = Math.min(declared, DISCARD_LIMIT);
        byte[] sink = new byte[64 << 10];
        while (left > 0) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, left));
            if (n < 0) return;
            left -= n;
        }
    }

    private ApiError tooLarge() {
        return new ApiError(413, "invalid_request_error", null, "request_too_large", "the request body is larger than "
                + settings.maxBodyBytes() + " bytes");
    }

    /** A request that names a model must name this one. */
    void checkModel(JsonNode req) {
        String asked = Json.string(req, "model", null);
        if (asked != null && !asked.isEmpty() && !asked.equals(model.id())) {
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found",
                    "the model '" + asked + "' does not exist; this server serves '" + model.id() + "'");
        }
    }

    // --- routes

    private interface Endpoint {
        void handle(Context ctx) throws Exception;
    }

    /** Runs an endpoint, answering its errors in OpenAI's shape and counting it. */
    private void serve(Context ctx, String name, Endpoint endpoint) {
        if (model == null) {
            error(ctx, new ApiError(503, "server_error", null, "model_not_ready", loadError != null
                    ? "the model failed to load: " + loadError : "the model is still loading"));
            return;
        }
        try {
            endpoint.handle(ctx);
        } catch (ApiError e) {
            metrics.request(name, e.status);
            error(ctx, e);
        } catch (SlotPool.QueueFull e) {
            metrics.request(name, 429);
            metrics.rejected();
            ctx.header("Retry-After", "1");
            error(ctx, new ApiError(429, "rate_limit_exceeded", null, "rate_limit_exceeded", e.getMessage() + "; retry shortly"));
        } catch (ContextOverflowException e) {
            metrics.request(name, 400);
            error(ctx, new ApiError(400, "invalid_request_error", "messages", "context_length_exceeded", e.getMessage()));
        } catch (GenerationRun.ClientGone e) {
            metrics.request(name, 499); // nginx's "client closed request": nothing can be sent
        } catch (IllegalArgumentException e) {
            metrics.request(name, 400);
            error(ctx, ApiError.badRequest(null, e.getMessage()));
        } catch (Exception e) {
            metrics.request(name, 500);
            System.err.println("error: " + ctx.method() + " " + ctx.path() + ": " + e);
            error(ctx, new ApiError(500, "server_error", null, null, "internal error: " + e.getClass().getSimpleName()));
        }
    }

    private static void error(Context ctx, ApiError e) {
        if (ctx.res().isCommitted()) return; // a stream already under way: its own error event was sent
        ctx.status(e.status).contentType("application/json").result(e.body().toString());
    }

    private void authorize(Context ctx) {
        String key = settings.apiKey();
        if (key == null || key.isEmpty()) return;
        String auth = ctx.header("Authorization");
        String given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim() : "";
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8))) {
            error(ctx, new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                    auth == null ? "no API key given (Authorization: Bearer ...)" : "the API key is not valid"));
            ctx.skipRemainingHandlers();
        }
    }

    private ObjectNode modelEntry() {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", model.id()).put("object", "model").put("created", 0).put("owned_by", "mistral-java");
        return m;
    }

    private void models(Context ctx) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "list");
        o.putArray("data").add(modelEntry());
        ctx.contentType("application/json").result(o.toString());
    }

    private void modelById(Context ctx) {
        if (!ctx.pathParam("id").equals(model.id())) {
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found", "the model '" + ctx.pathParam("id") + "' does not exist");
        }
        ctx.contentType("application/json").result(modelEntry().toString());
    }

    /** Ready (200) once the model has loaded; 503 while loading or if loading failed. */
    private void health(Context ctx) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        if (model != null) {
            o.put("status", "ok").put("model", model.id()).put("slots", pool.size()).put("slots_busy", pool.busy());
            ctx.status(200);
        } else {
            o.put("status", loadError != null ? "error" : "loading");
            if (loadError != null) o.put("error", loadError);
            ctx.status(503);
        }
        ctx.contentType("application/json").result(o.toString());
    }

    private void metricsText(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics == null ? "" : metrics.text());
    }

    @Override
    public void close() {
        app.stop();
        timers.shutdownNow();
        if (pool != null) pool.close();
        if (model != null) model.close();
    }
}
