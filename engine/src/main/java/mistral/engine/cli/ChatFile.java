package mistral.engine.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mistral.engine.chat.Message;

/** A conversation as a JSON array of {@code {"role","content"}} (OpenAI's message shape), from a file or stdin ("-"). */
final class ChatFile {
    private ChatFile() {
    }

    static List<Message> read(String file, InputStream stdin) {
        byte[] bytes;
        try {
            bytes = file.equals("-") ? stdin.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        String name = file.equals("-") ? "stdin" : file;
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
        if (root == null || !root.isArray()) throw new IllegalArgumentException(name + ": expected a JSON array of {\"role\",\"content\"} messages");
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode m = root.get(i);
            if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new IllegalArgumentException(name + ": message " + i + " needs a string \"role\" and a string \"content\"");
            }
            try {
                messages.add(new Message(Message.Role.parse(m.get("role").asText()), m.get("content").asText()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ": message " + i + ": " + e.getMessage());
            }
        }
        return messages;
    }
}
