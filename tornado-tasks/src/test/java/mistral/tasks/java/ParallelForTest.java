package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelForTest {
    @Test
    void everyIndexRunsExactlyOnceAcrossManyLoops() {
        try (ParallelFor p = new ParallelFor(3)) {
            for (int count : new int[] {0, 1, 2, 5, 100, 1001}) {
                for (int rep = 0; rep < 50; rep++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, count));
                    p.range(count, 1, (s, e) -> {
                        for (int i = s; i < e; i++) hits.incrementAndGet(i);
                    });
                    for (int i = 0; i < count; i++) assertEquals(1, hits.get(i), "count " + count + " index " + i);
                }
            }
        }
    }

    @Test
    void aFailureInAWorkerReachesTheCaller() {
        try (ParallelFor p = new ParallelFor(2)) {
            assertThrows(IllegalStateException.class, () -> p.range(10, 1, (s, e) -> {
                if (s > 0) throw new IllegalStateException("boom");
            }));
            int[] sum = new int[1];
            p.range(4, 1, (s, e) -> { synchronized (sum) { sum[0] += e - s; } });
            assertEquals(4, sum[0], "the team still works after a failure");
        }
    }
}
