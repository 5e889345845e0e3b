package mistral.tasks.java;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/** Linux's {@code madvise(2)} for the Java backend's memory: the file pages it releases and the weight pages it populates. */
final class Madvise {
    static final int DONTNEED = 4, HUGEPAGE = 14, POPULATE_WRITE = 23;
    static final int ENOMEM = 12;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MADVISE;

    static {
        Linker linker = Linker.nativeLinker();
        var madvise = linker.defaultLookup().find("madvise");
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
        MADVISE = linux && madvise.isPresent() ? linker.downcallHandle(madvise.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno")) : null;
    }

    private Madvise() {
    }

    /** Whether this system has it (Linux). */
    static boolean available() {
        return MADVISE != null;
    }

    /** The advice for [start, start + length), whole pages: 0, or the errno it failed with. */
    static int advise(long start, long length, int advice) {
        try (Arena state = Arena.ofConfined()) {
            MemorySegment callState = state.allocate(CALL_STATE);
            int rc;
            try {
                rc = (int) MADVISE.invokeExact(callState, MemorySegment.ofAddress(start), length, advice);
            } catch (Throwable t) {
                throw new IllegalStateException("madvise failed", t);
            }
            return rc == 0 ? 0 : (int) ERRNO.get(callState, 0L);
        }
    }
}
