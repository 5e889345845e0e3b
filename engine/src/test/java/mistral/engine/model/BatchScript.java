package mistral.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import mistral.engine.api.MistralModel;
import mistral.tasks.graph.ExecutionPlan;
import mistral.tasks.graph.Executor;
import mistral.tasks.graph.RollingKvCache;
import mistral.tasks.graph.Step;
import mistral.tasks.graph.Task.Rows;

/**
 * A scripted run of batched steps against each sequence run alone. Streams join and leave:
 * each has a prompt (prefilled in chunks), then greedy decodes, in a slot of a three-sequence
 * batch; a slot freed by one stream is reused by the next one from position 0. At every step each
 * stream's logits must equal those of its own session fed the same chunks, and its greedy token
 * must be the same.
 */
public final class BatchScript {
    public static final int SEQUENCES = 3, CHUNK = 13;

    /** What the run saw: the largest logit difference, the most sequences in a step, and positions reached. */
    public record Outcome(double maxDiff, int maxSegments, int maxPosition, int steps) {
    }

    private static final class Stream {
        final int slot, joinStep, leaveStep;
        final int[] prompt;
        final InferenceSession alone;
        int fed, position, lastToken = -1;
        boolean done;

        Stream(MistralModel m, int slot, int joinStep, int leaveStep, int[] prompt) {
            this.slot = slot;
            this.joinStep = joinStep;
            this.leaveStep = leaveStep;
            this.prompt = prompt;
            this.alone = m.session(CHUNK, Rows.LAST, 0);
        }

        /** The tokens this stream puts in the step: a prompt chunk, or its last greedy token. */
        int[] next() {
            if (fed < prompt.length) {
                int n = Math.min(CHUNK, prompt.length - fed);
                int[] chunk = java.util.Arrays.copyOfRange(prompt, fed, fed + n);
                fed += n;
                return chunk;
            }
            return new int[] {lastToken};
        }
    }

    private BatchScript() {
    }

    public static Outcome run(MistralModel m, int[] ids, double tolerance) {
        ModelConfig c = m.config();
        RollingKvCache cache = RollingKvCache.forSequences(c.layers(), c.kvDim(), c.slidingWindow(),
                RollingKvCache.slotsFor(c.slidingWindow(), c.contextLength()), SEQUENCES);
        ExecutionPlan plan = MistralGraph.build(c, m.weights(), cache, SEQUENCES * CHUNK, Rows.LAST);
        List<Stream> streams = List.of(
                new Stream(m, 0, 0, 9, slice(ids, 0, 40)),     // wraps its 32 slots while prefilling
                new Stream(m, 1, 2, 70, slice(ids, 50, 60)),   // wraps later, while decoding
                new Stream(m, 2, 4, 70, slice(ids, 100, 170)),
                new Stream(m, 0, 10, 70, slice(ids, 200, 205))); // reuses slot 0 from position 0
        double maxDiff = 0;
        int maxSegments = 0, maxPosition = 0, steps = 0;
        float[] logits = new float[SEQUENCES * c.vocabSize()];
        try (Executor e = m.backend().compile(plan, m.deviceWeights())) {
            for (int step = 0; step < 70; step++) {
                List<Stream> in = new ArrayList<>();
                List<int[]> tokens = new ArrayList<>();
                for (Stream s : streams) {
                    if (s.done || step < s.joinStep) continue;
                    if (step >= s.leaveStep) {
                        s.done = true;
                        s.alone.close();
                        continue;
                    }
                    in.add(s);
                    tokens.add(s.next());
                }
                if (in.isEmpty()) continue;
                int[] seqs = new int[in.size()], pos = new int[in.size()], counts = new int[in.size()];
                int total = 0;
                for (int i = 0; i < in.size(); i++) {
                    seqs[i] = in.get(i).slot;
                    pos[i] = in.get(i).position;
                    counts[i] = tokens.get(i).length;
                    total += counts[i];
                }
                int[] all = concat(tokens);
                assertEquals(total, all.length);
                e.writeInput(all, 0, all.length);
                e.run(Step.batch(seqs, pos, counts, in.size()));
                e.readOutput(logits, in.size() * c.vocabSize());
                steps++;
                maxSegments = Math.max(maxSegments, in.size());
                for (int i = 0; i < in.size(); i++) {
                    Stream s = in.get(i);
                    float[] expected = s.alone.next(tokens.get(i));
                    double scale = 1;
                    for (float f : expected) scale = Math.max(scale, Math.abs(f));
                    for (int v = 0; v < c.vocabSize(); v++) {
                        double d = Math.abs(expected[v] - logits[i * c.vocabSize() + v]) / scale;
                        maxDiff = Math.max(maxDiff, d);
                        assertTrue(d <= tolerance, "step " + step + " slot " + s.slot + " position " + s.position + " logit " + v
                                + ": alone " + expected[v] + ", batched " + logits[i * c.vocabSize() + v]);
                    }
                    s.position += counts[i];
                    maxPosition = Math.max(maxPosition, s.position);
                    int batchedArgmax = argmax(logits, i * c.vocabSize(), c.vocabSize());
                    assertEquals(argmax(expected, 0, c.vocabSize()), batchedArgmax, "greedy token, step " + step + " slot " + s.slot);
                    s.lastToken = batchedArgmax;
                }
            }
        } finally {
            for (Stream s : streams) s.alone.close();
        }
        return new Outcome(maxDiff, maxSegments, maxPosition, steps);
    }

    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (a[off + i] > a[off + best]) best = i;
        return best;
    }

    private static int[] slice(int[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    private static int[] concat(List<int[]> parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int o = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
