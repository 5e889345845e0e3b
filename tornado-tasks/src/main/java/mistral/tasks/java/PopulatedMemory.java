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
 * whole 2 MiB units ({@code MADV_POPULATE_WRITE}, Linux 5.14; touched page by page before
 * that): {@code MAP_POPULATE} zeroes them on the calling thread, 1.5-1.8 GB/s for 4 GiB against
 * 3.4-4.2 on two cores. Elsewhere, or where the mapping fails, the arena allocates.
 *
 * <p>A mapping of 2 MiB or more starts on a 2 MiB boundary and asks for transparent huge pages
 * ({@code MADV_HUGEPAGE}; the default THP mode of most distributions, {@code madvise}, gives them
 * only to memory that asks). Decode reads every weight once a token, and with 4 KiB pages each
 * 4 KiB of it is a TLB miss: the 256-bit Q4_K matvec (14336 x 4096 from DRAM, 2 threads,
 * {@code -XX:UseAVX=2}, alternating processes on an Intel Xeon VM) read 10.6-10.9 GB/s on 4 KiB
 * pages and 11.8-12.7 on 2 MiB ones, and Q4_0_X4, Q6_K_I8 and Q8_0_X16 gained 12-18% the same way.
 * Where THP is off the advice fails and the pages stay 4 KiB. The price is paid at load on a VM
 * whose balloon reports free memory to its host (this project's Firecracker VM): zeroing the fresh
 * huge pages took half the load, and the 7B Q4_0 loaded in 7.1-9.8 s against 2.9-3.1
 * (docs/cpu-kernels.md); {@link #HUGE_PAGES_PROPERTY} set to false keeps 4 KiB pages there.
 *
 * <p>The segment starts {@link #PAGE_OFFSET} bytes into its mapping, not on the page boundary:
 * with every tensor page aligned the 7B Q4_0 decode took 227-315 ms a token against mostly 175-185
 * with the 64-byte offset that malloc happens to give (the same slowdown with the zeroing arena asked
 * for 4096-byte alignment; the cause inside the memory system is not known).
 */
final class PopulatedMemory {
    static final long PAGE_OFFSET = 64;
    private static final int PROT_READ_WRITE = 0x3, MAP_PRIVATE_ANONYMOUS = 0x22;
    static final long HUGE_PAGE = 2L << 20;
    /** {@code -Dmistral.hugePages=false} keeps the weights in 4 KiB pages. */
    static final String HUGE_PAGES_PROPERTY = "mistral.hugePages";
    private static final long MAP_FAILED = -1L, PAGE = 4096;
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
        long mapped = roundUp(bytes + PAGE_OFFSET, PAGE);
        boolean huge = mapped >= HUGE_PAGE && !"false".equals(System.getProperty(HUGE_PAGES_PROPERTY));
        long reserved = huge ? mapped + HUGE_PAGE - PAGE : mapped;
        MemorySegment base;
        try {
            base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, reserved, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap of " + reserved + " bytes failed", t);
        }
        if (base.address() == MAP_FAILED) return arena.allocate(bytes, 64); // the arena then tries, or fails with its own error
        long start = huge ? roundUp(base.address(), HUGE_PAGE) : base.address(), end = start + mapped;
        // the reservation's head and tail around the 2 MiB-aligned mapping go back at once
        if (start > base.address()) unmap(base.reinterpret(start - base.address()));
        if (base.address() + reserved > end) unmap(MemorySegment.ofAddress(end).reinterpret(base.address() + reserved - end));
        MemorySegment mapping = MemorySegment.ofAddress(start).reinterpret(mapped);
        if (huge) Madvise.advise(start, mapped, Madvise.HUGEPAGE); // a hint: EINVAL where THP is off, and then the pages are 4 KiB
        try {
            populate(mapping.address(), mapped);
        } catch (RuntimeException e) {
            unmap(mapping);
            throw e;
        }
        return MemorySegment.ofAddress(start + PAGE_OFFSET).reinterpret(bytes, arena, s -> unmap(mapping));
    }

    /**
     * Makes the pages of [address, address + length) resident on all cores, in pieces of whole
     * 2 MiB units from address (so that no huge page is split between two cores).
     */
    private static void populate(long address, long length) {
        long units = (length + HUGE_PAGE - 1) / HUGE_PAGE;
        int pieces = (int) Math.min(MAX_PIECES, units);
        IntStream.range(0, pieces).parallel().forEach(i -> {
            long first = units * i / pieces * HUGE_PAGE, end = Math.min(length, units * (i + 1) / pieces * HUGE_PAGE);
            populatePages(address + first, end - first, length);
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

    private static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
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
