package mistral.engine.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident memory so far (Linux's VmHWM), for bench reports. */
public final class PeakMemory {
    private PeakMemory() {
    }

    /** Bytes, or -1 where the OS does not say. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // not Linux
        }
        return -1;
    }
}
