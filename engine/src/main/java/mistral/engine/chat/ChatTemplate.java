package mistral.engine.chat;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.IntFunction;
import mistral.engine.chat.Message.Role;
import mistral.engine.tokenizer.Tokenizer;

/**
 * The Mistral Instruct prompt, built as Mistral's own tokenizer library (mistral_common) builds
 * its ids. Every piece of text is encoded on its own, so each gets SentencePiece's dummy prefix.
 * <ul>
 * <li>V1 (v0.1 and v0.2 vocabularies): BOS, then per user message
 *     {@code encode("[INST] " + content + " [/INST]")}, per assistant message {@code encode(content)} + EOS.
 *     The system prompt goes before the first user message's content, followed by a blank line.</li>
 * <li>V3 (vocabularies with {@code [INST]} and {@code [/INST]} as control tokens, v0.3): BOS, then per
 *     user message {@code [INST]} encode(content) {@code [/INST]}, per assistant message encode(content) + EOS.
 *     The system prompt goes before the last user message's content.</li>
 * </ul>
 * With the guardrail ({@code safe_prompt}) {@link SafetyPrompts#GUARDRAIL} comes before any system prompt.
 */
public final class ChatTemplate {
    public enum Version { V1, V3 }

    private final Tokenizer tokenizer;
    private final Version version;
    private final int inst, instEnd;

    private ChatTemplate(Tokenizer tokenizer, Version version, int inst, int instEnd) {
        this.tokenizer = tokenizer;
        this.version = version;
        this.inst = inst;
        this.instEnd = instEnd;
    }

    /** V3 when the vocabulary has [INST] and [/INST] as control tokens, else V1. */
    public static ChatTemplate of(Tokenizer tokenizer) {
        OptionalInt inst = tokenizer.controlToken("[INST]"), end = tokenizer.controlToken("[/INST]");
        if (inst.isPresent() && end.isPresent()) return new ChatTemplate(tokenizer, Version.V3, inst.getAsInt(), end.getAsInt());
        return new ChatTemplate(tokenizer, Version.V1, -1, -1);
    }

    public Version version() {
        return version;
    }

    /** The ids of a conversation that ends with a user message: the prompt the model answers. */
    public int[] encode(List<Message> messages, boolean safePrompt) {
        return encode(messages, safePrompt, i -> null);
    }

    /**
     * As {@link #encode(List, boolean)}, with the ids of some assistant messages given: a
     * conversation keeps the ids the model generated (EOS included) rather than re-encoding its text.
     *
     * @param assistantIds the ids of message i, or null to encode its text
     */
    public int[] encode(List<Message> messages, boolean safePrompt, IntFunction<int[]> assistantIds) {
        validate(messages);
        int first = messages.getFirst().role() == Role.SYSTEM ? 1 : 0;
        String system = system(first == 1 ? messages.getFirst().content() : null, safePrompt);
        int lastUser = messages.size() - 1;
        int firstUser = first;
        IntList ids = new IntList();
        ids.add(tokenizer.bos());
        for (int i = first; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m.role() == Role.ASSISTANT) {
                int[] given = assistantIds.apply(i);
                if (given != null) {
                    ids.add(given);
                } else {
                    ids.add(tokenizer.encode(m.content()));
                    ids.add(tokenizer.eos());
                }
                continue;
            }
            boolean withSystem = system != null && i == (version == Version.V1 ? firstUser : lastUser);
            String content = withSystem ? system + "\n\n" + m.content() : m.content();
            if (version == Version.V1) {
                ids.add(tokenizer.encode("[INST] " + content + " [/INST]"));
            } else {
                ids.add(inst);
                ids.add(tokenizer.encode(content));
                ids.add(instEnd);
            }
        }
        return ids.toArray();
    }

    /** The guardrail, then the user's system prompt, joined by a blank line; null when neither. */
    static String system(String user, boolean safePrompt) {
        if (!safePrompt) return user;
        return user == null ? SafetyPrompts.GUARDRAIL : SafetyPrompts.GUARDRAIL + "\n\n" + user;
    }

    /**
     * An optional system message first, then user and assistant alternating, ending with a user
     * message; otherwise a clear error that names the message.
     */
    public static void validate(List<Message> messages) {
        if (messages.isEmpty()) throw new IllegalArgumentException("the conversation is empty: it needs at least one user message");
        int first = messages.getFirst().role() == Role.SYSTEM ? 1 : 0;
        if (first == messages.size()) throw new IllegalArgumentException("the conversation has only a system message: it needs a user message");
        for (int i = first; i < messages.size(); i++) {
            Role expected = (i - first) % 2 == 0 ? Role.USER : Role.ASSISTANT;
            Role role = messages.get(i).role();
            if (role != expected) {
                throw new IllegalArgumentException("message " + i + " is " + role.wireName() + ", expected " + expected.wireName()
                        + (role == Role.SYSTEM ? " (a system message may only come first)" : " (roles must alternate user/assistant)"));
            }
        }
        if (messages.getLast().role() != Role.USER) {
            throw new IllegalArgumentException("message " + (messages.size() - 1) + " is " + messages.getLast().role().wireName()
                    + ": the conversation must end with a user message");
        }
    }

    private static final class IntList {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length) a = Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        void add(int[] vs) {
            for (int v : vs) add(v);
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
