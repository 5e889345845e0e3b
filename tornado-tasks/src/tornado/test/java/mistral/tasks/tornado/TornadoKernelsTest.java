package mistral.tasks.tornado;

import mistral.tasks.KernelParityContract;
import mistral.tasks.graph.Backend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each TornadoVM-compiled kernel against the Java backend (runs only with -P tornado), plus its half decoding. */
class TornadoKernelsTest extends KernelParityContract {
    static Backend tornado;

    @BeforeAll
    static void device() {
        tornado = new TornadoBackend(null, false);
    }

    @Override
    protected Backend backend() {
        return tornado;
    }

    @Override
    protected boolean hasKQuantKernels() {
        return false;
    }

    @Test
    void halfToFloatIsExactForEveryFiniteHalf() {
        for (int bits = 0; bits < 65536; bits++) {
            if (((bits >> 10) & 0x1F) == 31) continue; // inf and NaN do not occur in weights
            org.junit.jupiter.api.Assertions.assertEquals(Float.float16ToFloat((short) bits), TornadoKernels.halfToFloat(bits), 0f,
                    "bits " + Integer.toHexString(bits));
        }
    }
}
