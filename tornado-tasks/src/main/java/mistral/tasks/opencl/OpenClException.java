package mistral.tasks.opencl;

/** An OpenCL call that failed, with the call and the error's name. */
public final class OpenClException extends RuntimeException {
    public OpenClException(String message) {
        super(message);
    }
}
