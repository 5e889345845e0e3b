package mistral.tasks.java;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much memory the machine can give the Java backend's copy of the weights: Linux's
 * MemAvailable (free memory plus the page cache it can reclaim), else the OS's free memory. The
 * system property {@code mistral.availableMemory} (bytes) overrides it, for containers whose
 * limit the OS figures do not show, and for tests.
 */
final class HostMemory {
    private HostMemory() {
    }

    static long availableBytes() {
        String override = System.getProperty("mistral.availableMemory");
        if (override != null) return Long.parseLong(override.trim());
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            // not Linux, or no /proc: ask the JVM below
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getFreeMemorySize();
        }
        return Long.MAX_VALUE;
    }
}
