package mistral.engine.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import mistral.tasks.opencl.OpenClBackend;
import org.junit.jupiter.api.Assumptions;

/** OpenCL tests run wherever a device is; in CI (which installs PoCL) a missing one is a failure, elsewhere a skip. */
final class RequireOpenCl {
    private RequireOpenCl() {
    }

    static void orSkip() {
        String why = OpenClBackend.unavailable().orElse(null);
        if (why == null) return;
        if ("true".equals(System.getenv("CI"))) fail("CI must run the OpenCL tests, but: " + why);
        Assumptions.abort("OpenCL tests skipped: " + why);
    }
}
