package mistral.tasks.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The weights' memory: zeroed, writable, resident before its first touch and 64 bytes past a page
 * boundary on Linux (a 2 MiB one, in huge pages, from 2 MiB up), gone with its arena.
 */
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
    void everyPageIsResidentBeforeItsFirstTouch() throws Throwable {
        assumeTrue(LINUX);
        Linker linker = Linker.nativeLinker();
        MethodHandle mincore = linker.downcallHandle(linker.defaultLookup().find("mincore").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        long bytes = 200L << 20;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = PopulatedMemory.allocate(bytes, arena);
            long base = m.address() - PopulatedMemory.PAGE_OFFSET, pages = (bytes + PopulatedMemory.PAGE_OFFSET + 4095) / 4096;
            MemorySegment resident = arena.allocate(pages);
            assertEquals(0, (int) mincore.invokeExact(MemorySegment.ofAddress(base), pages * 4096, resident));
            for (long p = 0; p < pages; p++) assertEquals(1, resident.get(ValueLayout.JAVA_BYTE, p) & 1, "page " + p + " of " + pages);
        }
    }

    @Test
    void largeMappingsStartOnA2MiBBoundaryInHugePages() throws IOException {
        assumeTrue(LINUX);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = PopulatedMemory.allocate(6L << 20, arena);
            long start = m.address() - PopulatedMemory.PAGE_OFFSET;
            assertEquals(0, start % PopulatedMemory.HUGE_PAGE);
            assumeTrue(!thpMode().isEmpty() && !thpMode().equals("never"), "transparent huge pages are off");
            assertTrue(anonHugePagesKb(start) >= 2048, "AnonHugePages of the mapping at 0x" + Long.toHexString(start));
        }
    }

    @Test
    void hugePagesFalseKeeps4KiBPages() throws IOException {
        assumeTrue(LINUX);
        assumeTrue(thpMode().equals("madvise"), "THP gives huge pages only where asked");
        String before = System.getProperty(PopulatedMemory.HUGE_PAGES_PROPERTY);
        System.setProperty(PopulatedMemory.HUGE_PAGES_PROPERTY, "false");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = PopulatedMemory.allocate(6L << 20, arena);
            assertEquals(0, anonHugePagesKb(m.address() - PopulatedMemory.PAGE_OFFSET));
        } finally {
            if (before == null) System.clearProperty(PopulatedMemory.HUGE_PAGES_PROPERTY);
            else System.setProperty(PopulatedMemory.HUGE_PAGES_PROPERTY, before);
        }
    }

    /** The kernel's transparent huge page mode (always, madvise or never), or "" where it has none. */
    private static String thpMode() throws IOException {
        Path enabled = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!Files.exists(enabled)) return "";
        String modes = Files.readString(enabled);
        return modes.substring(modes.indexOf('[') + 1, modes.indexOf(']'));
    }

    /** The AnonHugePages line of the /proc/self/smaps entry (one mapping, or several merged) that holds address. */
    private static long anonHugePagesKb(long address) throws IOException {
        boolean inMapping = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                String[] range = line.substring(0, line.indexOf(' ')).split("-");
                inMapping = Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                        && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0;
            } else if (inMapping && line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no mapping holds 0x" + Long.toHexString(address) + " in /proc/self/smaps");
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
