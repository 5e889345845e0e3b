package mistral.tasks.kernels;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian int and long accesses to byte arrays, one load or store each: the regroupings
 * build their layouts in byte arrays, and byte-by-byte writes made Q4_0's regrouping 2x slower.
 */
final class LittleEndianBytes {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndianBytes() {
    }

    static void putInt(byte[] a, int o, int v) {
        INT.set(a, o, v);
    }

    static long getLong(byte[] a, int o) {
        return (long) LONG.get(a, o);
    }

    static void putLong(byte[] a, int o, long v) {
        LONG.set(a, o, v);
    }
}
