package mistral.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Consumer;
import mistral.tasks.graph.Backend;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.F32Buffer;
import mistral.tasks.graph.I32Buffer;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task;
import mistral.tasks.graph.Task.Rows;
import mistral.tasks.graph.TaskGraph;

/**
 * Runs one small graph on two backends and compares the outputs after every step. Activations
 * are injected with an Embed of a random F32 table into "x". Tolerance: float32 with a different
 * summation order, 1e-5 relative to the largest value.
 */
public final class BackendComparison {
    private BackendComparison() {
    }

    public static void compare(Backend expectedBackend, Backend actualBackend, int capacity, int width, F32Buffer out, Rows rows,
                               Consumer<TaskGraph> body, Step... steps) {
        TaskGraph g = new TaskGraph("t", capacity);
        I32Buffer tokens = g.ints("tokens", capacity);
        g.task(new Task.Embed(tokens, RandomWeights.tensor("table", TensorType.F32, 50, width, 7), g.floats("x", (long) capacity * width)));
        body.accept(g);
        ExecutionPlan plan = g.input(tokens).output(out).freeze();
        try (Executor a = expectedBackend.compile(plan); Executor b = actualBackend.compile(plan)) {
            for (Step s : steps) {
                int[] ids = new int[s.n()];
                for (int i = 0; i < ids.length; i++) ids[i] = (s.segments().getFirst().pos() * 7 + i * 13) % 50;
                int count = (int) (rows == Rows.LAST ? out.length() : out.length() / capacity * s.n());
                float[] expected = new float[count], actual = new float[count];
                for (Executor e : new Executor[] {a, b}) {
                    e.writeInput(ids, 0, ids.length);
                    e.run(s);
                }
                a.readOutput(expected, count);
                b.readOutput(actual, count);
                double scale = 1;
                for (float f : expected) scale = Math.max(scale, Math.abs(f));
                for (int i = 0; i < count; i++) {
                    assertEquals(expected[i], actual[i], 1e-5 * scale, "step " + s + " element " + i);
                }
            }
        }
    }
}
