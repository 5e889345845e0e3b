package mistral.engine.gguf;

/** Decodes one metadata value; arrays become Java arrays of the element type. */
final class GgufValues {
    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private GgufValues() {
    }

    static Object read(GgufCursor c, int type, String key) {
        return switch (type) {
            case UINT8 -> (int) c.u8(key) & 0xFF;
            case INT8 -> (int) c.u8(key);
            case UINT16 -> (int) c.u16(key) & 0xFFFF;
            case INT16 -> (int) c.u16(key);
            case UINT32 -> (long) c.u32(key) & 0xFFFFFFFFL;
            case INT32 -> c.u32(key);
            case FLOAT32 -> c.f32(key);
            case BOOL -> c.u8(key) != 0;
            case STRING -> c.string(key);
            case UINT64, INT64 -> c.u64(key);
            case FLOAT64 -> c.f64(key);
            case ARRAY -> array(c, key);
            default -> throw c.error("metadata key " + key + " has unknown value type " + type);
        };
    }

    private static int elementBytes(int type) {
        return switch (type) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64 -> 8;
            case STRING -> 8; // at least its length field
            default -> 1;
        };
    }

    private static Object array(GgufCursor c, String key) {
        int type = c.u32(key + " element type");
        long n = c.count(key + " array length", elementBytes(type));
        if (n > Integer.MAX_VALUE - 8) throw c.error("metadata array " + key + " is too long: " + n);
        int len = (int) n;
        switch (type) {
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = c.string(key);
                return a;
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = c.f32(key);
                return a;
            }
            case INT32, UINT32 -> {
                int[] a = new int[len];
                for (int i = 0; i < len; i++) a[i] = c.u32(key);
                return a;
            }
            case ARRAY -> throw c.error("metadata key " + key + " holds nested arrays, which GGUF models do not use");
            default -> {
                Object[] a = new Object[len];
                for (int i = 0; i < len; i++) a[i] = read(c, type, key);
                return a;
            }
        }
    }
}
