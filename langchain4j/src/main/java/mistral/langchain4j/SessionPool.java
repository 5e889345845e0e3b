package mistral.langchain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import mistral.engine.api.MistralModel;
import mistral.engine.api.PrefixSession;

/** A fixed set of sessions over one model: a call takes one (waiting while all are in use) and gives it back. */
final class SessionPool implements AutoCloseable {
    private final BlockingQueue<PrefixSession> free;
    private final List<PrefixSession> all = new ArrayList<>();

    SessionPool(MistralModel model, int sessions) {
        this.free = new ArrayBlockingQueue<>(sessions);
        for (int i = 0; i < sessions; i++) {
            PrefixSession s = model.prefixSession(0);
            all.add(s);
            free.add(s);
        }
    }

    PrefixSession take() {
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a session", e);
        }
    }

    void give(PrefixSession s) {
        free.add(s);
    }

    @Override
    public void close() {
        for (PrefixSession s : all) s.close();
    }
}
