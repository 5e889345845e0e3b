package mistral.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import mistral.engine.api.Cancellation;
import mistral.engine.api.GenerateOptions;
import mistral.engine.api.GenerationResult;
import mistral.engine.api.StopReason;
import mistral.engine.api.StopSequences;
import mistral.engine.api.TokenListener;
import mistral.engine.api.TokenLogprob;

/**
 * One generation on a slot, answered whole or as Server-Sent Events exactly as OpenAI sends them
 * ({@code data: {...}} chunks, then {@code data: [DONE]}). A client that goes away, a stop string
 * or the deadline cancels the generation at the next token, and the slot is freed at once.
 */
final class GenerationRun {
    /** How an endpoint shapes its JSON (chat.completion vs text_completion). */
    interface Format {
        /** A streamed chunk: text (may be empty), its tokens' logprobs (may be empty), finish reason or null. */
        ObjectNode chunk(String text, List<Token> tokens, String finishReason, boolean first);

        /** The whole answer. */
        ObjectNode full(String text, List<Token> tokens, String finishReason, ObjectNode usage);

        /** The last chunk when stream_options.include_usage is set. */
        ObjectNode usageChunk(ObjectNode usage);
    }

    /** A generated token with its logprob and the alternatives asked for. */
    record Token(int id, String text, double logprob, List<TokenLogprob> top) {
    }

    /** A request whose client disconnected: nothing more can be sent. */
    static final class ClientGone extends RuntimeException {
        ClientGone(IOException cause) {
            super("the client went away", cause, false, false);
        }
    }

    private final OpenAiServer server;
    private final String endpoint;

    GenerationRun(OpenAiServer server, String endpoint) {
        this.server = server;
        this.endpoint = endpoint;
    }

    /**
     * @param logprobs     the answer carries each token's logprob (and {@code topLogprobs} alternatives)
     * @param continuation a completion (its text continues the prompt) rather than a chat answer
     * @param echo         text to send before the generated text (completions' {@code echo})
     */
    void run(Context ctx, int[] prompt, GenerationRequest req, boolean logprobs, int topLogprobs, boolean continuation, String echo,
             Format format) {
        long start = System.nanoTime();
        long deadline = start + server.timeoutNanos();
        SlotPool.Slot slot = server.acquire(prompt, deadline);
        Cancellation cancel = new Cancellation();
        ScheduledFuture<?> timer = server.timers().schedule(cancel::cancel, Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        StopSequences stops = new StopSequences(req.stop());
        List<Token> tokens = new ArrayList<>();
        StringBuilder text = new StringBuilder(echo);
        boolean[] gone = {false};
        long[] firstToken = {0};
        OutputStream out = req.stream() ? openStream(ctx) : null;
        try {
            GenerateOptions options = req.options(prompt.length, server.context(), slot.session.rolling())
                    .withCancellation(cancel).withTopLogprobs(topLogprobs);
            if (out != null) send(out, format.chunk(echo, List.of(), null, true), gone, cancel);
            GenerationResult r = slot.session.generate(prompt, options, new TokenListener() {
                @Override
                public void onToken(int id, String piece) {
                    onToken(id, piece, 0, List.of());
                }

                @Override
                public void onToken(int id, String piece, double logprob, List<TokenLogprob> top) {
                    if (firstToken[0] == 0) firstToken[0] = System.nanoTime();
                    String emitted = stops.accept(piece);
                    if (stops.stopped()) cancel.cancel();
                    Token t = id >= 0 && !stops.stopped() ? new Token(id, server.tokenText(id), logprob, top) : null;
                    if (t != null) tokens.add(t);
                    text.append(emitted);
                    if (out != null && (!emitted.isEmpty() || (t != null && logprobs))) {
                        send(out, format.chunk(emitted, t == null ? List.of() : List.of(t), null, false), gone, cancel);
                    }
                }
            }, continuation);
            String rest = stops.flush();
            text.append(rest);
            boolean timedOut = r.stopReason() == StopReason.CANCELLED && !stops.stopped() && !gone[0];
            if (r.stopReason() == StopReason.CANCELLED && !stops.stopped()) server.metrics().cancelled();
            String finish = stops.stopped() || r.stopReason() == StopReason.EOS ? "stop" : "length";
            int cached = prompt.length - r.prefilled();
            server.metrics().tokens(prompt.length, cached, r.generatedIds().length);
            if (firstToken[0] != 0) server.metrics().timeToFirstToken((firstToken[0] - start) / 1e9);
            server.metrics().decodeTokensPerSecond(r.decodeTokensPerSecond());
            ObjectNode usage = usage(prompt.length, r.generatedIds().length, cached);
            if (gone[0]) throw new ClientGone(null);
            if (timedOut) {
                ApiError e = new ApiError(504, "timeout", null, "timeout", "the generation passed its deadline of "
                        + server.timeoutNanos() / 1_000_000_000L + " s");
                if (out == null) throw e;
                send(out, e.body(), gone, cancel);
                sendRaw(out, "data: [DONE]\n\n", gone, cancel);
                return;
            }
            if (out == null) {
                server.metrics().request(endpoint, 200);
                ctx.status(200).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(format.full(text.toString(), tokens, finish, usage)));
                return;
            }
            if (!rest.isEmpty()) send(out, format.chunk(rest, List.of(), null, false), gone, cancel);
            send(out, format.chunk("", List.of(), finish, false), gone, cancel);
            if (req.includeUsage()) send(out, format.usageChunk(usage), gone, cancel);
            sendRaw(out, "data: [DONE]\n\n", gone, cancel);
            server.metrics().request(endpoint, 200);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        } finally {
            timer.cancel(false);
            server.release(slot);
        }
    }

    static ObjectNode usage(int prompt, int completion, int cached) {
        ObjectNode u = Json.MAPPER.createObjectNode();
        u.put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
        return u;
    }

    private static OutputStream openStream(Context ctx) {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream; charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        try {
            return ctx.res().getOutputStream();
        } catch (IOException e) {
            throw new ClientGone(e);
        }
    }

    private static void send(OutputStream out, ObjectNode event, boolean[] gone, Cancellation cancel) {
        try {
            sendRaw(out, "data: " + Json.MAPPER.writeValueAsString(event) + "\n\n", gone, cancel);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes and flushes; a client that went away cancels the generation (at the next token). */
    private static void sendRaw(OutputStream out, String s, boolean[] gone, Cancellation cancel) {
        if (gone[0]) return;
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException | RuntimeException e) {
            gone[0] = true;
            cancel.cancel();
        }
    }
}
