package mistral.langchain4j;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.langchain4j.service.AiServices;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's LangChain4j example, as written there (it must compile and run). */
class ReadmeExampleTest {
    interface Assistant {
        String chat(String message);
    }

    @Test
    void readmeExample() {
        Path gguf = Path.of("fixtures/tiny-mistral/tiny-mistral-a-q8_0.gguf");
        // --- README
        try (MistralChatModel model = MistralChatModel.builder()
                .modelPath(gguf)           // any Mistral 7B Instruct GGUF
                .device("java")            // or "opencl"
                .temperature(0.0)
                .maxTokens(64)
                .build()) {
            Assistant assistant = AiServices.create(Assistant.class, model);
            String answer = assistant.chat("Name three French cheeses.");
            // --- end
            assertFalse(answer.isEmpty());
        }
    }
}
