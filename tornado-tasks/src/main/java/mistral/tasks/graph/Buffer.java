package mistral.tasks.graph;

/** A buffer that lives on the device an execution plan runs on. Identity is the name. */
public sealed interface Buffer permits F32Buffer, I32Buffer, WeightTensor {
    String name();

    long byteSize();
}
