package mistral.engine.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The paper's section 5: the guardrail system prompt and the self-reflection moderation prompt. */
public final class SafetyPrompts {
    /** Prepended as a system prompt with {@code --safe-prompt} / {@code safe_prompt}, exactly as Mistral's API does. */
    public static final String GUARDRAIL = "Always assist with care, respect, and truth. Respond with utmost utility yet securely. "
            + "Avoid harmful, unethical, prejudiced, or negative content. Ensure replies promote fairness and positivity.";

    /** The 13 categories of the self-reflection prompt, then the answer for text that needs no moderation. */
    public static final List<String> MODERATION_LABELS = List.of("illegal", "child abuse", "hate violence harassment", "malware",
            "physical harm", "economic harm", "fraud", "adult", "political", "privacy", "unqualified law", "unqualified financial",
            "unqualified health", "not moderated");

    public static final String NOT_MODERATED = "not moderated";

    private static final String SELF_REFLECTION = resource("self-reflection.txt");

    private SafetyPrompts() {
    }

    /**
     * The user message that asks the model to classify {@code text}: the self-reflection prompt,
     * a blank line, then the text.
     */
    public static String selfReflection(String text) {
        return SELF_REFLECTION + "\n\n" + text;
    }

    private static String resource(String name) {
        try (InputStream in = SafetyPrompts.class.getResourceAsStream("/mistral/chat/" + name)) {
            if (in == null) throw new IllegalStateException("resource mistral/chat/" + name + " is missing from the jar");
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // the file opens with comment lines (#) naming its source
            StringBuilder body = new StringBuilder();
            for (String line : all.split("\n", -1)) if (!line.startsWith("#")) body.append(line).append('\n');
            return body.toString().strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
