package mistral.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import mistral.tasks.TensorType;
import mistral.tasks.graph.WeightTensor;

/**
 * A GGUF v2/v3 file mapped into memory. Header fields are parsed and checked once; tensor data
 * is never copied: {@link #tensor} hands out slices of the mapping.
 */
public final class GgufFile implements AutoCloseable {
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final long MAX_ELEMENTS = 1L << 40;

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataStart;

    private GgufFile(Path path, Arena arena, MemorySegment file, int version, Map<String, Object> metadata,
                     Map<String, GgufTensorInfo> tensors, long dataStart) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataStart = dataStart;
    }

    public static GgufFile open(Path path) {
        if (!Files.exists(path)) throw new GgufException(path, "no such file");
        if (Files.isDirectory(path)) throw new GgufException(path, "is a directory, not a GGUF file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 24) throw new GgufException(path, "truncated: " + size + " bytes is too short for a GGUF header");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, seg);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new GgufException(path, "no such file");
        } catch (IOException e) {
            arena.close();
            throw new GgufException(path, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A GGUF file already in memory (tests, fuzzing); {@code path} only names it in errors. The
     * segment must stay valid while the file is open; closing it frees nothing.
     */
    public static GgufFile of(Path path, MemorySegment contents) {
        if (contents.byteSize() < 24) throw new GgufException(path, "truncated: " + contents.byteSize() + " bytes is too short for a GGUF header");
        return parse(path, null, contents);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg) {
        GgufCursor c = new GgufCursor(seg, path);
        int magic = c.u32("magic");
        if (magic != MAGIC) {
            throw c.error(String.format("not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic, MAGIC));
        }
        int version = c.u32("version");
        if (version != 2 && version != 3) throw c.error("unsupported GGUF version " + version + " (2 and 3 are supported)");
        long tensorCount = c.count("tensor count", 8);
        long kvCount = c.count("metadata count", 12);
        Map<String, Object> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = c.string("metadata key");
            int type = c.u32("type of " + key);
            meta.put(key, GgufValues.read(c, type, key));
        }
        int alignment = 32;
        if (meta.get("general.alignment") instanceof Number a) {
            alignment = a.intValue();
            if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw c.error("general.alignment " + alignment + " is not a power of two");
        }
        Map<String, GgufTensorInfo> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = c.string("tensor name");
            int nDims = c.u32("dimension count of " + name);
            if (nDims < 1 || nDims > 4) throw c.error("tensor " + name + " has " + nDims + " dimensions (1..4 allowed)");
            long[] dims = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                dims[d] = c.u64("dimension of " + name);
                if (dims[d] <= 0 || dims[d] > MAX_ELEMENTS / elements) {
                    throw c.error("tensor " + name + " has absurd dimensions " + Arrays.toString(dims));
                }
                elements *= dims[d];
            }
            int type = c.u32("type of " + name);
            long offset = c.u64("offset of " + name);
            if (infos.put(name, new GgufTensorInfo(name, dims, type, offset)) != null) {
                throw c.error("tensor " + name + " appears twice");
            }
        }
        long dataStart = (c.position() + alignment - 1) / alignment * alignment;
        long dataBytes = seg.byteSize() - dataStart;
        for (GgufTensorInfo t : infos.values()) {
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw c.error("tensor " + t.name() + " offset " + t.offset() + " is not aligned to " + alignment);
            }
            TensorType type = TensorType.fromGgml(t.ggmlType()).orElse(null);
            if (type == null) continue; // reported when the tensor is used
            if (t.dims()[0] % type.blockSize != 0) {
                throw c.error("tensor " + t.name() + " row length " + t.dims()[0] + " is not a multiple of the " + type + " block size");
            }
            long bytes = type.bytesFor(t.elements());
            if (dataBytes < 0 || t.offset() > dataBytes - bytes) {
                throw c.error("truncated: tensor " + t.name() + " (" + bytes + " bytes at data offset " + t.offset()
                        + ") runs past the end of the file (" + Math.max(0, dataBytes) + " data bytes)");
            }
        }
        return new GgufFile(path, arena, seg, version, Collections.unmodifiableMap(meta),
                Collections.unmodifiableMap(infos), dataStart);
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String string(String key) {
        return get(key, String.class);
    }

    public long integer(String key) {
        Object v = metadata.get(key);
        if (v instanceof Number n && !(v instanceof Float) && !(v instanceof Double)) return n.longValue();
        throw missing(key, "an integer", v);
    }

    public long integer(String key, long fallback) {
        return has(key) ? integer(key) : fallback;
    }

    public double real(String key) {
        Object v = metadata.get(key);
        if (v instanceof Number n) return n.doubleValue();
        throw missing(key, "a number", v);
    }

    public double real(String key, double fallback) {
        return has(key) ? real(key) : fallback;
    }

    public boolean bool(String key, boolean fallback) {
        Object v = metadata.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw missing(key, "a bool", v);
    }

    public <T> T get(String key, Class<T> type) {
        Object v = metadata.get(key);
        if (type.isInstance(v)) return type.cast(v);
        throw missing(key, type.getSimpleName(), v);
    }

    private GgufException missing(String key, String expected, Object found) {
        return new GgufException(path, found == null ? "missing metadata key " + key
                : "metadata key " + key + " is " + found.getClass().getSimpleName() + ", expected " + expected);
    }

    /** A 2-D tensor as rows x cols (or a 1-D one as a single row), checked to be of a supported type. */
    public WeightTensor tensor(String name) {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) throw new GgufException(path, "missing tensor " + name);
        TensorType type = TensorType.fromGgml(t.ggmlType()).orElseThrow(() -> new GgufException(path,
                "tensor " + name + " has type " + TensorType.ggmlName(t.ggmlType())
                        + ", which this engine does not support (supported: " + TensorType.fileTypes() + ")"));
        if (t.dims().length > 2) throw new GgufException(path, "tensor " + name + " has " + t.dims().length + " dimensions, expected 1 or 2");
        long cols = t.dims()[0];
        long rows = t.dims().length == 2 ? t.dims()[1] : 1;
        if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE) throw new GgufException(path, "tensor " + name + " is too large");
        long bytes = type.bytesFor(t.elements());
        return new WeightTensor(name, type, (int) rows, (int) cols, file.asSlice(dataStart + t.offset(), bytes));
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }
}
