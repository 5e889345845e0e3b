package mistral.engine.cli;

/**
 * Ctrl-C for the interactive chat: stops the answer being written instead of ending the JVM.
 * Uses the JDK's {@code sun.misc.Signal}; where it is missing, Ctrl-C keeps its default.
 */
final class SigInt {
    private SigInt() {
    }

    @SuppressWarnings("removal")
    static void install(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> action.run());
        } catch (IllegalArgumentException | LinkageError e) {
            // no SIGINT on this platform or JDK: Ctrl-C ends the program as usual
        }
    }
}
