package mistral.engine.cli;

import java.io.PrintStream;

/**
 * Progress on stderr: one line redrawn in place (ANSI erase-line) when stderr is a terminal, else
 * plain lines at most every few seconds, so log files get no control codes. bin/mistral says
 * whether stderr is a terminal in MISTRAL_STDERR_TTY (its stderr filter hides that from the JVM).
 */
final class ProgressLine {
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    private final PrintStream err;
    private final boolean terminal;
    private long lastPlain;
    private String pending;
    private boolean drawn;

    ProgressLine(PrintStream err) {
        this(err, stderrIsTerminal());
    }

    ProgressLine(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    static boolean stderrIsTerminal() {
        String env = System.getenv("MISTRAL_STDERR_TTY");
        if (env != null) return env.equals("1");
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    synchronized void update(String message) {
        if (terminal) {
            err.print("\r\u001b[2K" + message);
            err.flush();
            drawn = true;
            return;
        }
        long now = System.nanoTime();
        if (lastPlain == 0 || now - lastPlain >= PLAIN_EVERY_NANOS) {
            err.println(message);
            lastPlain = now;
            pending = null;
        } else {
            pending = message;
        }
    }

    /** Ends the progress: the terminal line is kept, a plain log gets the last message it skipped. */
    synchronized void done() {
        if (terminal && drawn) err.println();
        if (!terminal && pending != null) err.println(pending);
        pending = null;
        drawn = false;
    }
}
