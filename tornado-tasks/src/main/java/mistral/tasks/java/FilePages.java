package mistral.tasks.java;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Drops a file mapping's pages from the process once the Java backend has its own copy
 * ({@code madvise(MADV_DONTNEED)} on a read-only file mapping): the page cache keeps them, but they
 * no longer count in the process's resident memory, so a load peaks near one copy of the weights
 * instead of two. Only whole pages inside the range; elsewhere than Linux it does nothing.
 */
final class FilePages {
    private static final int MADV_DONTNEED = 4;
    private static final long PAGE = 4096;
    private static final MethodHandle MADVISE;

    static {
        Linker linker = Linker.nativeLinker();
        var madvise = linker.defaultLookup().find("madvise");
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        MADVISE = linux && madvise.isPresent() ? linker.downcallHandle(madvise.get(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)) : null;
    }

    private FilePages() {
    }

    /** Releases the whole pages of a mapped file segment; false where nothing was released. */
    static boolean release(MemorySegment mapped) {
        if (MADVISE == null || !mapped.isNative() || !mapped.isMapped()) return false;
        long start = (mapped.address() + PAGE - 1) & -PAGE, end = (mapped.address() + mapped.byteSize()) & -PAGE;
        if (end <= start) return false;
        try {
            return (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED) == 0;
        } catch (Throwable t) {
            return false; // an optimization: the copy is made either way
        }
    }
}
