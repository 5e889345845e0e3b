package mistral.engine.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF v3: metadata, tensor infos, then tensor data streamed one tensor at a time, so a
 * multi-gigabyte model never has to be in memory. Writes what it is told (tests use that to make
 * corrupt files).
 */
public final class GgufWriter {
    public static final int ALIGNMENT = 32;

    /** Streams one tensor's bytes; must write exactly the declared size. */
    @FunctionalInterface
    public interface TensorData {
        void write(String name, FileChannel out) throws IOException;
    }

    private record Entry(String key, int type, Object value) {
    }

    private record Tensor(String name, long[] dims, int ggmlType, long bytes) {
    }

    private final List<Entry> metadata = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter put(String key, String value) {
        metadata.add(new Entry(key, GgufValues.STRING, value));
        return this;
    }

    public GgufWriter putU32(String key, int value) {
        metadata.add(new Entry(key, GgufValues.UINT32, value));
        return this;
    }

    public GgufWriter putF32(String key, float value) {
        metadata.add(new Entry(key, GgufValues.FLOAT32, value));
        return this;
    }

    public GgufWriter putBool(String key, boolean value) {
        metadata.add(new Entry(key, GgufValues.BOOL, value));
        return this;
    }

    public GgufWriter put(String key, String[] values) {
        metadata.add(new Entry(key, GgufValues.ARRAY, values));
        return this;
    }

    public GgufWriter put(String key, float[] values) {
        metadata.add(new Entry(key, GgufValues.ARRAY, values));
        return this;
    }

    public GgufWriter put(String key, int[] values) {
        metadata.add(new Entry(key, GgufValues.ARRAY, values));
        return this;
    }

    /** Declares a tensor; dims[0] is the contiguous dimension. */
    public GgufWriter tensor(String name, long[] dims, int ggmlType, long bytes) {
        tensors.add(new Tensor(name, dims.clone(), ggmlType, bytes));
        return this;
    }

    public void write(Path path, TensorData data) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Header h = new Header();
            h.u32(0x46554747).u32(3).u64(tensors.size()).u64(metadata.size());
            for (Entry e : metadata) {
                h.string(e.key).u32(e.type);
                h.value(e.type, e.value);
            }
            long offset = 0;
            for (Tensor t : tensors) {
                h.string(t.name).u32(t.dims.length);
                for (long d : t.dims) h.u64(d);
                h.u32(t.ggmlType).u64(offset);
                offset = align(offset + t.bytes);
            }
            h.pad();
            ch.write(h.buffer());
            for (Tensor t : tensors) {
                long start = ch.position();
                data.write(t.name, ch);
                long written = ch.position() - start;
                if (written != t.bytes) throw new IOException(t.name + ": wrote " + written + " bytes, declared " + t.bytes);
                ch.write(ByteBuffer.allocate((int) (align(written) - written)));
            }
        }
    }

    static long align(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /** Grows as needed; little-endian. */
    private static final class Header {
        private ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void room(int n) {
            if (b.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n)).order(ByteOrder.LITTLE_ENDIAN);
                b.flip();
                bigger.put(b);
                b = bigger;
            }
        }

        Header u32(int v) {
            room(4);
            b.putInt(v);
            return this;
        }

        Header u64(long v) {
            room(8);
            b.putLong(v);
            return this;
        }

        Header string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            room(bytes.length);
            b.put(bytes);
            return this;
        }

        void value(int type, Object v) {
            switch (type) {
                case GgufValues.STRING -> string((String) v);
                case GgufValues.UINT32 -> u32((Integer) v);
                case GgufValues.FLOAT32 -> u32(Float.floatToIntBits((Float) v));
                case GgufValues.BOOL -> {
                    room(1);
                    b.put((byte) ((Boolean) v ? 1 : 0));
                }
                case GgufValues.ARRAY -> {
                    switch (v) {
                        case String[] a -> {
                            u32(GgufValues.STRING).u64(a.length);
                            for (String s : a) string(s);
                        }
                        case float[] a -> {
                            u32(GgufValues.FLOAT32).u64(a.length);
                            for (float f : a) u32(Float.floatToIntBits(f));
                        }
                        case int[] a -> {
                            u32(GgufValues.INT32).u64(a.length);
                            for (int i : a) u32(i);
                        }
                        default -> throw new IllegalArgumentException("unsupported array " + v.getClass());
                    }
                }
                default -> throw new IllegalArgumentException("unsupported type " + type);
            }
        }

        void pad() {
            int n = (int) (align(b.position()) - b.position());
            room(n);
            b.put(new byte[n]);
        }

        ByteBuffer buffer() {
            return b.flip();
        }
    }
}
