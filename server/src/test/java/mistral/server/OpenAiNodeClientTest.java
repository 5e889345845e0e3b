package mistral.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mistral.engine.api.Conversation;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.LoadOptions;
import mistral.engine.api.MistralModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs server/src/test/node/openai-client.test.mjs (the official openai npm package) against a
 * server started here. Needs node and {@code npm ci} in that folder: .ci/run does both, so in CI a
 * missing client is a failure, elsewhere a skip.
 */
class OpenAiNodeClientTest {
    static final Path DIR = Path.of("server/src/test/node");

    @Test
    void theOfficialOpenAiClientWorksUnchanged() throws Exception {
        String missing = !Files.isDirectory(DIR.resolve("node_modules/openai")) ? "the openai package (run npm ci in " + DIR + ")" : null;
        if (missing == null && !onPath("node")) missing = "node";
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) fail("CI must run the openai client test, but " + missing + " is missing");
            Assumptions.abort("skipped: " + missing + " is missing");
        }
        String expected;
        try (MistralModel m = MistralModel.load(TestServer.MODEL, LoadOptions.builder().threads(1).build());
             Conversation c = m.chat("Speak as Moses.", false)) {
            expected = c.send("In the beginning", GenerateOptions.greedy(16), (id, t) -> { }).text();
        }
        try (TestServer s = new TestServer(2, 8, "node-key", 120)) {
            ProcessBuilder pb = new ProcessBuilder("node", "--test", "openai-client.test.mjs").directory(DIR.toFile()).redirectErrorStream(true);
            pb.environment().put("BASE_URL", s.base + "/v1");
            pb.environment().put("API_KEY", "node-key");
            pb.environment().put("MODEL_ID", "tiny-mistral-a-f32");
            pb.environment().put("EXPECTED_TEXT", expected);
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("the node client test did not finish in 120 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println(out);
            assertEquals(0, p.exitValue(), out);
        }
    }

    static boolean onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, exe))) return true;
        }
        return false;
    }
}
