package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.Arena;
import mistral.tasks.RandomWeights;
import mistral.tasks.TensorType;
import mistral.tasks.graph.WeightTensor;
import mistral.tasks.kernels.ReferenceKernels;
import org.junit.jupiter.api.Test;

/** The Java backend's host copy of the weights: same numbers, its own memory, Q4_0 regrouped. */
class JavaBackendPrepareTest {
    private final JavaBackend backend = new JavaBackend(2, false);

    private static void assertSameWeights(WeightTensor expected, WeightTensor actual) {
        assertEquals(expected.rows(), actual.rows());
        for (int r = 0; r < expected.rows(); r++) {
            assertArrayEquals(ReferenceKernels.weightRow(expected, r), ReferenceKernels.weightRow(actual, r), expected.name() + " row " + r);
        }
    }

    @Test
    void q4_0MatricesOfWholeGroupsAreRegrouped() {
        try (Arena arena = Arena.ofConfined()) {
            WeightTensor w = RandomWeights.tensor("w", TensorType.Q4_0, 130, 256, 3); // more rows than slices
            WeightTensor p = backend.prepare(w, arena);
            assertEquals(TensorType.Q4_0_X4, p.type());
            assertSameWeights(w, p);
        }
    }

    @Test
    void otherWeightsAreCopiedAsTheyAre() {
        try (Arena arena = Arena.ofConfined()) {
            for (WeightTensor w : new WeightTensor[] {
                    RandomWeights.tensor("odd", TensorType.Q4_0, 3, 96, 1), // 96 columns: not whole groups
                    RandomWeights.tensor("q8", TensorType.Q8_0, 3, 256, 2),
                    RandomWeights.tensor("norm", TensorType.F32, 1, 64, 3)}) {
                WeightTensor p = backend.prepare(w, arena);
                assertEquals(w.type(), p.type());
                assertNotEquals(w.data().address(), p.data().address());
                assertSameWeights(w, p);
            }
        }
    }
}
