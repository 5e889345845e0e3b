package mistral.engine.gguf;

import java.nio.file.Path;

/** A GGUF file that cannot be used: the message names the file and what is wrong. */
public final class GgufException extends RuntimeException {
    public GgufException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
