package mistral.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import mistral.engine.api.LoadOptions;

/** A server on a free loopback port over the bundled tiny model, and plain HTTP calls to it. */
final class TestServer implements AutoCloseable {
    static final Path MODEL = Path.of("fixtures/tiny-mistral/tiny-mistral-a-f32.gguf");
    final OpenAiServer server;
    final String base;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    TestServer(int parallel, int queue, String apiKey, long timeoutSeconds) throws InterruptedException {
        this(parallel, queue, apiKey, timeoutSeconds, LoadOptions.builder().threads(1).build());
    }

    TestServer(int parallel, int queue, String apiKey, long timeoutSeconds, LoadOptions load) throws InterruptedException {
        server = OpenAiServer.start(new OpenAiServer.Settings(MODEL, load, "127.0.0.1", 0, parallel, queue, apiKey, timeoutSeconds, 4L << 20));
        if (!server.awaitLoaded()) throw new IllegalStateException(server.loadError());
        base = "http://127.0.0.1:" + server.port();
    }

    HttpResponse<String> post(String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        server.close();
    }
}
