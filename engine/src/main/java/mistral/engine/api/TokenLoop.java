package mistral.engine.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import mistral.engine.model.Sequence;
import mistral.engine.model.LogProbs;
import mistral.engine.model.Sampler;
import mistral.engine.tokenizer.TokenDecoder;

/**
 * Prefill, then sample-and-feed until EOS, the token budget or a cancellation: the one decode
 * loop that {@link MistralModel#generate} and {@link Conversation} share.
 */
final class TokenLoop {
    /** What ran: the result, and how many generated tokens went into the session's cache. */
    record Outcome(GenerationResult result, int fedGenerated) {
    }

    private TokenLoop() {
    }

    /** The k most likely tokens, best first (ties to the lower id), as log-probabilities. */
    static List<TokenLogprob> top(float[] logits, double logSumExp, int k) {
        int[] best = new int[k];
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (n == k && logits[i] <= logits[best[k - 1]]) continue;
            int j = n < k ? n++ : k - 1;
            while (j > 0 && logits[best[j - 1]] < logits[i]) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        List<TokenLogprob> out = new ArrayList<>(n);
        for (int j = 0; j < n; j++) out.add(new TokenLogprob(best[j], logits[best[j]] - logSumExp));
        return out;
    }

    /**
     * Feeds ids[from..] to a session that already holds ids[0, from), then generates.
     *
     * @param decoder turns the generated ids into text (primed by the caller as it needs)
     */
    static Outcome run(Sequence s, int[] ids, int from, GenerateOptions options, int eos, TokenDecoder decoder,
                       TokenListener listener) {
        Sampler sampler = new Sampler(options.sampling());
        int[] generated = new int[options.maxTokens()];
        double[] logprobs = new double[options.maxTokens()];
        int count = 0, fed = 0;
        StringBuilder text = new StringBuilder();
        long t0 = System.nanoTime();
        float[][] last = new float[1][];
        int prefilled = s.feed(ids, from, ids.length, (pos, logits) -> last[0] = logits, options::cancelled);
        long t1 = System.nanoTime();
        StopReason stop = StopReason.MAX_TOKENS;
        float[] logits = last[0];
        if (prefilled < ids.length - from || logits == null) {
            stop = StopReason.CANCELLED;
        } else {
            while (true) {
                if (count == options.maxTokens()) break;
                if (options.cancelled()) {
                    stop = StopReason.CANCELLED;
                    break;
                }
                int id = sampler.sample(logits);
                if (id == eos) {
                    stop = StopReason.EOS;
                    break;
                }
                double lse = LogProbs.logSumExp(logits);
                logprobs[count] = logits[id] - lse;
                List<TokenLogprob> top = options.topLogprobs() > 0 ? top(logits, lse, options.topLogprobs()) : List.of();
                generated[count++] = id;
                String piece = decoder.next(id);
                text.append(piece);
                listener.onToken(id, piece, logprobs[count - 1], top);
                if (count < options.maxTokens() && !options.cancelled()) {
                    logits = s.next(id);
                    fed++;
                }
            }
        }
        String rest = decoder.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            listener.onToken(-1, rest);
        }
        s.idle();
        long t2 = System.nanoTime();
        GenerationResult r = new GenerationResult(ids, prefilled, Arrays.copyOf(generated, count), Arrays.copyOf(logprobs, count),
                text.toString(), stop, t1 - t0, t2 - t1, s.profile().isEmpty() ? "" : s.profile().table());
        return new Outcome(r, fed);
    }
}
