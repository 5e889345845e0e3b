package mistral.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.moderation.Moderation;
import dev.langchain4j.model.moderation.ModerationModel;
import dev.langchain4j.model.moderation.ModerationRequest;
import dev.langchain4j.model.moderation.ModerationResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import mistral.engine.api.MistralModel;
import mistral.engine.api.ModerationResult;

/**
 * Moderation by Mistral's self-reflection prompt (paper, section 5.2) as a LangChain4j
 * {@link ModerationModel}, so {@code @Moderate} in AiServices works: a text is flagged when the
 * model's best answer is one of the 13 categories rather than "not moderated". The response's
 * metadata carries the {@code category} and the {@code probabilities} of the flagged text (or of
 * the last text when none is flagged).
 */
public final class MistralModerationModel implements ModerationModel, AutoCloseable {
    private final MistralModel model;

    private MistralModerationModel(Builder b) {
        this.model = SharedModels.acquire(b.requirePath(), b.load.build());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ModerationResponse doModerate(ModerationRequest request) {
        ModerationResult last = null;
        String flagged = null;
        synchronized (this) { // one moderation at a time: each opens a session of its own
            for (String text : request.texts()) {
                last = model.moderate(text);
                if (last.flagged()) {
                    flagged = text;
                    break;
                }
            }
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (last != null) {
            metadata.put("category", last.category());
            metadata.put("probabilities", last.probabilities());
        }
        return ModerationResponse.builder().moderation(flagged != null ? Moderation.flagged(flagged) : Moderation.notFlagged())
                .metadata(metadata).build();
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public String modelName() {
        return model.id();
    }

    @Override
    public void close() {
        SharedModels.release(model);
    }

    public static final class Builder extends MistralBuilder<Builder> {
        public MistralModerationModel build() {
            return new MistralModerationModel(this);
        }
    }
}
