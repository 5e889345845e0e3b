package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The weights' memory: zeroed, writable, 64 bytes past a page boundary on Linux, gone with its arena. */
class PopulatedMemoryTest {
    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    @Test
    void isZeroedWritableAndOffFromThePageBoundary() {
        long bytes = 3 * 4096 + 40;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = PopulatedMemory.allocate(bytes, arena);
            assertEquals(bytes, m.byteSize());
            assertEquals(0, m.address() % 64);
            if (LINUX) assertEquals(PopulatedMemory.PAGE_OFFSET, m.address() % 4096);
            for (long i = 0; i < bytes; i++) assertEquals(0, m.get(ValueLayout.JAVA_BYTE, i), "byte " + i);
            m.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 7);
            m.set(ValueLayout.JAVA_BYTE, 0, (byte) 9);
            assertEquals(7, m.get(ValueLayout.JAVA_BYTE, bytes - 1));
            assertEquals(9, m.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void isReleasedWithItsArena() {
        Arena arena = Arena.ofShared();
        MemorySegment m = PopulatedMemory.allocate(1 << 20, arena);
        arena.close();
        assertThrows(IllegalStateException.class, () -> m.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void zeroBytesIsAnEmptySegment() {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0, PopulatedMemory.allocate(0, arena).byteSize());
        }
    }
}
