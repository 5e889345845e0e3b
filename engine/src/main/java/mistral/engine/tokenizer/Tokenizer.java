package mistral.engine.tokenizer;

import java.util.OptionalInt;

/** Text to token ids and back, as the model's vocabulary defines them. */
public interface Tokenizer {
    int vocabSize();

    int bos();

    int eos();

    /** Token ids of plain text, without BOS; control pieces are never produced from text. */
    int[] encode(String text);

    /** Text as the model reads it: BOS first when the vocabulary asks for it. */
    int[] encodeWithBos(String text);

    /** Decodes a whole sequence; the space the dummy prefix added is dropped. */
    String decode(int[] ids);

    /** A streaming decoder that holds back incomplete UTF-8 sequences split across tokens. */
    TokenDecoder decoder();

    /** The piece a token id stands for, as the vocabulary spells it. */
    String piece(int id);

    /** The id of a control token such as {@code [INST]}, if the vocabulary has it. */
    OptionalInt controlToken(String piece);
}
