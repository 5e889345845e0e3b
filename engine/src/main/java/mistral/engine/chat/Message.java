package mistral.engine.chat;

import java.util.Locale;

/** One message of a chat, in the OpenAI shape: a role and its text. */
public record Message(Role role, String content) {
    public enum Role {
        SYSTEM, USER, ASSISTANT;

        /** {@code system}, {@code user} or {@code assistant}, as OpenAI's JSON spells them. */
        public static Role parse(String name) {
            for (Role r : values()) if (r.wireName().equals(name)) return r;
            throw new IllegalArgumentException("unknown role '" + name + "' (expected system, user or assistant)");
        }

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Message {
        if (role == null) throw new IllegalArgumentException("a message needs a role");
        if (content == null) throw new IllegalArgumentException("a " + role.wireName() + " message needs content");
    }

    public static Message system(String content) {
        return new Message(Role.SYSTEM, content);
    }

    public static Message user(String content) {
        return new Message(Role.USER, content);
    }

    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content);
    }
}
