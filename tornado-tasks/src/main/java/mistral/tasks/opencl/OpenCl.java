package mistral.tasks.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The OpenCL 1.2 C API through FFM, bound to the system's ICD loader ({@code libOpenCL.so.1}).
 * Only what the backend uses; every call's status is checked by {@link #check}.
 */
final class OpenCl {
    static final int CL_SUCCESS = 0;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final long CL_DEVICE_TYPE_CPU = 2, CL_DEVICE_TYPE_GPU = 4, CL_DEVICE_TYPE_ACCELERATOR = 8;
    static final int CL_PLATFORM_VERSION = 0x0901, CL_PLATFORM_NAME = 0x0902, CL_PLATFORM_VENDOR = 0x0903;
    static final int CL_DEVICE_TYPE = 0x1000, CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002, CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004,
            CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010, CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F, CL_DEVICE_LOCAL_MEM_SIZE = 0x1023,
            CL_DEVICE_NAME = 0x102B, CL_DEVICE_VENDOR = 0x102C, CL_DRIVER_VERSION = 0x102D, CL_DEVICE_VERSION = 0x102F,
            CL_DEVICE_EXTENSIONS = 0x1030;
    static final long CL_MEM_READ_WRITE = 1, CL_MEM_READ_ONLY = 4, CL_MEM_COPY_HOST_PTR = 32;
    static final long CL_QUEUE_PROFILING_ENABLE = 2;
    static final int CL_PROGRAM_BINARY_SIZES = 0x1165, CL_PROGRAM_BINARIES = 0x1166, CL_PROGRAM_BUILD_LOG = 0x1183;
    static final int CL_MEM_SIZE = 0x1102;
    static final int CL_KERNEL_FUNCTION_NAME = 0x1190, CL_KERNEL_NUM_ARGS = 0x1191;
    static final int CL_KERNEL_ARG_ADDRESS_QUALIFIER = 0x1196, CL_KERNEL_ARG_TYPE_NAME = 0x1198, CL_KERNEL_ARG_NAME = 0x119A;
    static final int CL_KERNEL_ARG_ADDRESS_GLOBAL = 0x119B, CL_KERNEL_ARG_ADDRESS_LOCAL = 0x119C, CL_KERNEL_ARG_ADDRESS_CONSTANT = 0x119D,
            CL_KERNEL_ARG_ADDRESS_PRIVATE = 0x119E;
    static final int CL_BINARY_STATUS_INVALID = -2;
    static final int CL_PROFILING_COMMAND_START = 0x1282, CL_PROFILING_COMMAND_END = 0x1283;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB;
    private static final String UNAVAILABLE;

    static {
        SymbolLookup lib = null;
        String why = null;
        for (String name : new String[] {"libOpenCL.so.1", "libOpenCL.so", "OpenCL"}) {
            try {
                lib = SymbolLookup.libraryLookup(name, Arena.global());
                break;
            } catch (IllegalArgumentException e) {
                why = "no OpenCL runtime (libOpenCL.so.1 not found; install an ICD loader and a driver, e.g. pocl-opencl-icd)";
            }
        }
        LIB = lib;
        UNAVAILABLE = lib == null ? why : null;
    }

    /** Why OpenCL cannot be used here, or empty if the loader was found. */
    static Optional<String> unavailable() {
        return Optional.ofNullable(UNAVAILABLE);
    }

    private static MethodHandle fn(String name, FunctionDescriptor d) {
        if (LIB == null) return null;
        return LIB.find(name).map(s -> LINKER.downcallHandle(s, d)).orElse(null);
    }

    private static FunctionDescriptor status(ValueLayout... args) {
        return FunctionDescriptor.of(JAVA_INT, args);
    }

    static final MethodHandle clGetPlatformIDs = fn("clGetPlatformIDs", status(JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clGetPlatformInfo = fn("clGetPlatformInfo", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clGetDeviceIDs = fn("clGetDeviceIDs", status(ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clGetDeviceInfo = fn("clGetDeviceInfo", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clCreateContext = fn("clCreateContext",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle clCreateCommandQueue = fn("clCreateCommandQueue",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle clCreateBuffer = fn("clCreateBuffer",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clEnqueueWriteBuffer = fn("clEnqueueWriteBuffer",
            status(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clEnqueueReadBuffer = fn("clEnqueueReadBuffer",
            status(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clEnqueueCopyBuffer = fn("clEnqueueCopyBuffer",
            status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clEnqueueFillBuffer = fn("clEnqueueFillBuffer",
            status(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clCreateProgramWithSource = fn("clCreateProgramWithSource",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle clCreateProgramWithBinary = fn("clCreateProgramWithBinary",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle clBuildProgram = fn("clBuildProgram", status(ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle clGetProgramBuildInfo = fn("clGetProgramBuildInfo",
            status(ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clGetProgramInfo = fn("clGetProgramInfo", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clCreateKernelsInProgram = fn("clCreateKernelsInProgram", status(ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clGetKernelInfo = fn("clGetKernelInfo", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clGetKernelArgInfo = fn("clGetKernelArgInfo", status(ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clCreateKernel = fn("clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    static final MethodHandle clSetKernelArg = fn("clSetKernelArg", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS));
    static final MethodHandle clEnqueueNDRangeKernel = fn("clEnqueueNDRangeKernel",
            status(ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle clFinish = fn("clFinish", status(ADDRESS));
    static final MethodHandle clGetMemObjectInfo = fn("clGetMemObjectInfo", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clGetEventProfilingInfo = fn("clGetEventProfilingInfo", status(ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
    static final MethodHandle clReleaseEvent = fn("clReleaseEvent", status(ADDRESS));
    static final MethodHandle clReleaseMemObject = fn("clReleaseMemObject", status(ADDRESS));
    static final MethodHandle clReleaseKernel = fn("clReleaseKernel", status(ADDRESS));
    static final MethodHandle clReleaseProgram = fn("clReleaseProgram", status(ADDRESS));
    static final MethodHandle clReleaseCommandQueue = fn("clReleaseCommandQueue", status(ADDRESS));
    static final MethodHandle clReleaseContext = fn("clReleaseContext", status(ADDRESS));

    private OpenCl() {
    }

    /** Calls a status-returning function; a non-zero status becomes an {@link OpenClException}. */
    static void call(MethodHandle fn, String what, Object... args) {
        int status;
        try {
            status = (int) fn.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new OpenClException(what + " failed: " + t);
        }
        check(status, what);
    }

    /** Calls a handle-returning function whose last argument is an errcode_ret pointer. */
    static MemorySegment create(MethodHandle fn, String what, Arena arena, Object... argsWithoutErr) {
        MemorySegment err = arena.allocate(JAVA_INT);
        Object[] args = java.util.Arrays.copyOf(argsWithoutErr, argsWithoutErr.length + 1);
        args[argsWithoutErr.length] = err;
        MemorySegment handle;
        try {
            handle = (MemorySegment) fn.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new OpenClException(what + " failed: " + t);
        }
        check(err.get(JAVA_INT, 0), what);
        if (handle.equals(MemorySegment.NULL)) throw new OpenClException(what + " returned no handle");
        return handle;
    }

    /** Hot path (every task of every run): invokeExact, no boxing. */
    static void setArg(MemorySegment kernel, int index, long size, MemorySegment value) {
        int status;
        try {
            status = (int) clSetKernelArg.invokeExact(kernel, index, size, value);
        } catch (Throwable t) {
            throw new OpenClException("clSetKernelArg failed: " + t);
        }
        check(status, "clSetKernelArg");
    }

    static void enqueueKernel(MemorySegment queue, MemorySegment kernel, int dims, MemorySegment global,
                              MemorySegment local, MemorySegment event, String name) {
        int status;
        try {
            status = (int) clEnqueueNDRangeKernel.invokeExact(queue, kernel, dims, MemorySegment.NULL, global, local, 0,
                    MemorySegment.NULL, event);
        } catch (Throwable t) {
            throw new OpenClException("clEnqueueNDRangeKernel(" + name + ") failed: " + t);
        }
        check(status, "clEnqueueNDRangeKernel(" + name + ")");
    }

    static void check(int status, String what) {
        if (status != CL_SUCCESS) throw new OpenClException(what + " failed: " + errorName(status) + " (" + status + ")");
    }

    static void release(MethodHandle fn, MemorySegment handle) {
        if (handle == null || handle.equals(MemorySegment.NULL)) return;
        try {
            int ignored = (int) fn.invokeExact(handle);
        } catch (Throwable ignored) {
            // releasing during cleanup: nothing useful to do with a failure
        }
    }

    private static final Map<Integer, String> ERRORS = Map.ofEntries(
            Map.entry(-1, "CL_DEVICE_NOT_FOUND"), Map.entry(-2, "CL_DEVICE_NOT_AVAILABLE"),
            Map.entry(-3, "CL_COMPILER_NOT_AVAILABLE"), Map.entry(-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"),
            Map.entry(-5, "CL_OUT_OF_RESOURCES"), Map.entry(-6, "CL_OUT_OF_HOST_MEMORY"),
            Map.entry(-11, "CL_BUILD_PROGRAM_FAILURE"), Map.entry(-30, "CL_INVALID_VALUE"),
            Map.entry(-33, "CL_INVALID_DEVICE"), Map.entry(-34, "CL_INVALID_CONTEXT"),
            Map.entry(-36, "CL_INVALID_COMMAND_QUEUE"), Map.entry(-38, "CL_INVALID_MEM_OBJECT"),
            Map.entry(-42, "CL_INVALID_BINARY"), Map.entry(-43, "CL_INVALID_BUILD_OPTIONS"),
            Map.entry(-44, "CL_INVALID_PROGRAM"), Map.entry(-45, "CL_INVALID_PROGRAM_EXECUTABLE"),
            Map.entry(-46, "CL_INVALID_KERNEL_NAME"), Map.entry(-48, "CL_INVALID_KERNEL"),
            Map.entry(-49, "CL_INVALID_ARG_INDEX"), Map.entry(-50, "CL_INVALID_ARG_VALUE"),
            Map.entry(-51, "CL_INVALID_ARG_SIZE"), Map.entry(-52, "CL_INVALID_KERNEL_ARGS"),
            Map.entry(-53, "CL_INVALID_WORK_DIMENSION"), Map.entry(-54, "CL_INVALID_WORK_GROUP_SIZE"),
            Map.entry(-55, "CL_INVALID_WORK_ITEM_SIZE"), Map.entry(-61, "CL_INVALID_BUFFER_SIZE"),
            Map.entry(-63, "CL_INVALID_GLOBAL_WORK_SIZE"), Map.entry(-1001, "CL_PLATFORM_NOT_FOUND_KHR"));

    static String errorName(int status) {
        return ERRORS.getOrDefault(status, "OpenCL error");
    }
}
