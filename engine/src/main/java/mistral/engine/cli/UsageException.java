package mistral.engine.cli;

/** Bad command-line input: exit code 2 with a one-line message. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
