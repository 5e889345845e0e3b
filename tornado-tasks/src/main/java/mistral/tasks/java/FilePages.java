package mistral.tasks.java;

import java.lang.foreign.MemorySegment;

/**
 * Drops a file mapping's pages from the process once the Java backend has its own copy
 * ({@code madvise(MADV_DONTNEED)} on a read-only file mapping): the page cache keeps them, but they
 * no longer count in the process's resident memory, so a load peaks near one copy of the weights
 * instead of two. Only whole pages inside the range; elsewhere than Linux it does nothing.
 */
final class FilePages {
    private static final long PAGE = 4096;

    private FilePages() {
    }

    /** Releases the whole pages of a mapped file segment; false where nothing was released. */
    static boolean release(MemorySegment mapped) {
        if (!Madvise.available() || !mapped.isNative() || !mapped.isMapped()) return false;
        long start = (mapped.address() + PAGE - 1) & -PAGE, end = (mapped.address() + mapped.byteSize()) & -PAGE;
        if (end <= start) return false;
        try {
            return Madvise.advise(start, end - start, Madvise.DONTNEED) == 0;
        } catch (IllegalStateException e) {
            return false; // an optimization: the copy is made either way
        }
    }
}
