package mistral.tasks.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs a per-row rewrite of a matrix (a regrouping at load) on heap copies of each row: one bulk
 * copy of the row in, one of its rewrite out, so the rewrite works on byte arrays (and, where it
 * reads through {@link KQuants}, on segments over them).
 */
final class HeapRows {
    /** Rewrites one row: in holds the source row, out receives the rewritten row. */
    interface RowRewrite {
        void rewrite(byte[] in, byte[] out);
    }

    private HeapRows() {
    }

    /** Rows [firstRow, firstRow + rows) of src (srcRow bytes each) rewritten into dst (dstRow bytes each). */
    static void rewrite(MemorySegment src, long srcRow, MemorySegment dst, long dstRow, int firstRow, int rows, RowRewrite f) {
        byte[] in = new byte[Math.toIntExact(srcRow)], out = new byte[Math.toIntExact(dstRow)];
        for (long r = firstRow; r < firstRow + rows; r++) {
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, r * srcRow, in, 0, in.length);
            f.rewrite(in, out);
            MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, r * dstRow, out.length);
        }
    }
}
