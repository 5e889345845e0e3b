package mistral.engine.cli;

/** Bad command-line input: exit code 2 with a one-line message. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
