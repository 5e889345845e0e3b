package mistral.engine.model;

/** More tokens than the context holds. */
public final class ContextOverflowException extends RuntimeException {
    public ContextOverflowException(String message) {
        super(message);
    }
}
