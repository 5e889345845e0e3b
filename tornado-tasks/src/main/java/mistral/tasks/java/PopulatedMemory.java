package mistral.tasks.java;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Memory for the weights the Java backend copies out of the file. On Linux an anonymous mapping
 * whose pages the kernel supplies up front: {@code Arena.allocate} zeroes its memory on the calling
 * thread one page fault at a time, 3.5 us a page on this project's VM, 16-20 s of a 7B Q4_0 load
 * (the load went from 36-46 s to 25-32 s populated). The pages are populated on all cores, in
 * pieces of at least 2 MiB ({@code MADV_POPULATE_WRITE}, Linux 5.14; touched page by page before
 * that): {@code MAP_POPULATE} zeroes them on the calling thread, 1.5-1.8 GB/s for 4 GiB against
 * 3.4-4.2 on two cores. Elsewhere, or where the mapping fails, the arena allocates.
 *
 * <p>The segment starts {@link #PAGE_OFFSET} bytes into its mapping, not on the page boundary:
 * with every tensor page aligned the 7B Q4_0 decode took 227-315 ms a token against mostly 175-185
 * with the 64-byte offset that malloc happens to give (the same slowdown with the zeroing arena asked
 * for 4096-byte alignment; the cause inside the memory system is not known).
 */
final class PopulatedMemory {
    static final long PAGE_OFFSET = 64;
    private static final int PROT_READ_WRITE = 0x3, MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final long MAP_FAILED = -1L, PAGE = 4096, MIN_PIECE = 2L << 20;
    private static final int MAX_PIECES = 64;
    private static final MethodHandle MMAP, MUNMAP;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        var mmap = libc.find("mmap");
        var munmap = libc.find("munmap");
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        boolean usable = linux && mmap.isPresent() && munmap.isPresent() && Madvise.available();
        MMAP = usable ? linker.downcallHandle(mmap.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)) : null;
        MUNMAP = usable ? linker.downcallHandle(munmap.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG)) : null;
    }

    private PopulatedMemory() {
    }

    /** {@code bytes} bytes, 64-byte aligned, released when the arena closes. */
    static MemorySegment allocate(long bytes, Arena arena) {
        if (MMAP == null || bytes == 0) return arena.allocate(bytes, 64);
        long mapped = bytes + PAGE_OFFSET;
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, mapped, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap of " + mapped + " bytes failed", t);
        }
        if (base.address() == MAP_FAILED) return arena.allocate(bytes, 64); // the arena then tries, or fails with its own error
        MemorySegment mapping = base.reinterpret(mapped);
        try {
            populate(mapping.address(), mapped);
        } catch (RuntimeException e) {
            unmap(mapping);
            throw e;
        }
        return MemorySegment.ofAddress(base.address() + PAGE_OFFSET).reinterpret(bytes, arena, s -> unmap(mapping));
    }

    /** Makes the pages of [address, address + length) resident, in pieces of whole pages on all cores. */
    private static void populate(long address, long length) {
        long pages = (length + PAGE - 1) / PAGE;
        int pieces = (int) Math.max(1, Math.min(MAX_PIECES, pages * PAGE / MIN_PIECE));
        IntStream.range(0, pieces).parallel().forEach(i -> {
            long first = pages * i / pieces, end = pages * (i + 1) / pieces;
            populatePages(address + first * PAGE, (end - first) * PAGE, length);
        });
    }

    private static void populatePages(long start, long length, long mappingLength) {
        int errno = Madvise.advise(start, length, Madvise.POPULATE_WRITE);
        if (errno == 0) return;
        if (errno == Madvise.ENOMEM) {
            throw new IllegalStateException("out of memory: the system could not supply the " + (mappingLength >> 20)
                    + " MiB of a weight's copy (madvise MADV_POPULATE_WRITE: ENOMEM)");
        }
        // EINVAL before Linux 5.14 (no MADV_POPULATE_WRITE): a write to each page faults it in, zeroed
        MemorySegment pages = MemorySegment.ofAddress(start).reinterpret(length);
        for (long p = 0; p < length; p += PAGE) pages.set(ValueLayout.JAVA_BYTE, p, (byte) 0);
    }

    private static void unmap(MemorySegment mapping) {
        int rc;
        try {
            rc = (int) MUNMAP.invokeExact(mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException("munmap failed", t);
        }
        if (rc != 0) throw new IllegalStateException("munmap of " + mapping.byteSize() + " bytes failed");
    }
}
