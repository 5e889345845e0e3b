package mistral.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Concurrency, backpressure, disconnects and memory: bounded loops on loopback that stop by themselves. */
class LoadTest {
    static final String STREAM = """
            {"messages":[{"role":"user","content":"In the beginning"}],"max_tokens":400,"temperature":0,"stream":true}""";

    /**
     * 16 streaming clients against 4 slots and a queue of 8: a whole, correct stream or a clean 429,
     * nothing else; the slots share decode steps.
     */
    @Test
    void sixteenClientsGetAnAnswerOrA429() throws Exception {
        try (TestServer s = new TestServer(4, 8, null, 120); ExecutorService pool = Executors.newFixedThreadPool(16)) {
            String reference = text(s.post("/v1/chat/completions", STREAM).body());
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 16; i++) calls.add(pool.submit(() -> s.post("/v1/chat/completions", STREAM)));
            int ok = 0, refused = 0;
            for (Future<HttpResponse<String>> f : calls) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) {
                    assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
                    assertEquals(reference, text(r.body()));
                    ok++;
                } else if (r.statusCode() == 429) {
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
                    assertEquals("rate_limit_exceeded", Json.MAPPER.readTree(r.body()).get("error").get("code").asText());
                    refused++;
                } else {
                    fail("status " + r.statusCode() + ": " + r.body());
                }
            }
            assertEquals(16, ok + refused);
            assertTrue(ok >= 12, ok + " answered: every slot and queue place should have served one");
            // the four slots decoded in shared steps, and every answer above is still the lone one
            String metrics = s.get("/metrics").body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^mistral_batch_sequences_per_step (\\S+)$").matcher(metrics);
            assertTrue(m.find(), metrics);
            double perStep = Double.parseDouble(m.group(1));
            assertTrue(perStep > 2, "sequences per step " + perStep);
            System.out.printf("16 clients, 4 slots: %.2f sequences per step%n", perStep);
            System.out.printf("16 clients, 4 slots, queue 8: %d answered, %d refused with 429%n", ok, refused);
        }
    }

    /** A client that goes away mid-stream frees its slot at once: with one slot and no queue, the next request is served. */
    @Test
    void aClientThatDisconnectsFreesItsSlot() throws Exception {
        try (TestServer s = new TestServer(1, 0, null, 120)) {
            String body = """
                    {"messages":[{"role":"user","content":"In the beginning"}],"max_tokens":100000,"temperature":0,"stream":true}""";
            Socket socket = new Socket("127.0.0.1", s.server.port());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int events = 0;
            for (String line = in.readLine(); line != null && events < 20; line = in.readLine()) if (line.startsWith("data: {")) events++;
            assertEquals(20, events);
            assertEquals(429, s.post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1}").statusCode()); // the slot is busy
            socket.close();
            long closed = System.nanoTime();
            int status = 0;
            while (System.nanoTime() - closed < 1_000_000_000L) {
                status = s.post("/v1/completions", "{\"prompt\":\"a\",\"max_tokens\":1}").statusCode();
                if (status == 200) break;
                Thread.sleep(20);
            }
            assertEquals(200, status, "the slot was not freed within a second of the disconnect");
            System.out.printf("slot free %.0f ms after the client closed its connection%n", (System.nanoTime() - closed) / 1e6);
            assertTrue(s.get("/metrics").body().contains("mistral_requests_cancelled_total 1"));
        }
    }

    /** 500 requests: the server's resident memory stays flat once warm. */
    @Test
    void memoryStaysFlatOver500Requests() throws Exception {
        try (TestServer s = new TestServer(2, 8, null, 120)) {
            String req = "{\"messages\":[{\"role\":\"user\",\"content\":\"And God said %d\"}],\"max_tokens\":4,\"temperature\":0.7}";
            for (int i = 0; i < 100; i++) assertEquals(200, s.post("/v1/chat/completions", req.formatted(i)).statusCode());
            System.gc();
            long warm = rssKb();
            for (int i = 100; i < 500; i++) assertEquals(200, s.post("/v1/chat/completions", req.formatted(i)).statusCode());
            System.gc();
            long after = rssKb();
            System.out.printf("RSS after 100 requests %d MiB, after 500 %d MiB%n", warm / 1024, after / 1024);
            assertTrue(after - warm < 64 * 1024, "RSS grew " + (after - warm) / 1024 + " MiB over 400 requests");
        }
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        return 0;
    }

    /** The text a chat stream adds up to. */
    static String text(String sse) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String e : sse.split("\n\n")) {
            if (!e.startsWith("data: {")) continue;
            for (JsonNode c : Json.MAPPER.readTree(e.substring(6)).get("choices")) {
                if (c.get("delta").has("content")) sb.append(c.get("delta").get("content").asText());
            }
        }
        return sb.toString();
    }
}
