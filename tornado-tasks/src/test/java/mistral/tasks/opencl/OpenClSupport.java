package mistral.tasks.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/** OpenCL tests skip with a message where no runtime is installed, but must run in CI (CI=true). */
public final class OpenClSupport {
    private OpenClSupport() {
    }

    public static void assumeOpenCl() {
        String why = OpenClBackend.unavailable().orElse(null);
        if (why == null) return;
        if ("true".equals(System.getenv("CI"))) fail("CI must run the OpenCL tests, but: " + why + " (.ci/run installs PoCL)");
        Assumptions.abort("OpenCL tests skipped: " + why);
    }
}
