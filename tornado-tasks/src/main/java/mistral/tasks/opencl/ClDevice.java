package mistral.tasks.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static mistral.tasks.opencl.OpenCl.*;

/** One OpenCL device and what the engine needs to know about it. */
public record ClDevice(int index, MemorySegment platform, MemorySegment device, String platformName, String name,
                       String vendor, String driver, String version, long type, int computeUnits,
                       long globalMemory, long maxAlloc, long localMemory, int maxWorkGroup, boolean fp16) {

    /** Every device of every platform, numbered in that order (the N of {@code opencl:N}). */
    public static List<ClDevice> all() {
        List<ClDevice> out = new ArrayList<>();
        if (unavailable().isPresent()) return out;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
            int status = (int) clGetPlatformIDs.invokeExact(0, MemorySegment.NULL, count);
            if (status == -1001 || count.get(ValueLayout.JAVA_INT, 0) == 0) return out; // no platforms installed
            check(status, "clGetPlatformIDs");
            int np = count.get(ValueLayout.JAVA_INT, 0);
            MemorySegment platforms = a.allocate(ValueLayout.ADDRESS, np);
            call(clGetPlatformIDs, "clGetPlatformIDs", np, platforms, MemorySegment.NULL);
            for (int p = 0; p < np; p++) {
                MemorySegment platform = platforms.getAtIndex(ValueLayout.ADDRESS, p);
                String pname = platformString(platform, CL_PLATFORM_NAME);
                int st = (int) clGetDeviceIDs.invokeExact(platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
                if (st != CL_SUCCESS) continue; // a platform without devices
                int nd = count.get(ValueLayout.JAVA_INT, 0);
                MemorySegment devices = a.allocate(ValueLayout.ADDRESS, nd);
                call(clGetDeviceIDs, "clGetDeviceIDs", platform, CL_DEVICE_TYPE_ALL, nd, devices, MemorySegment.NULL);
                for (int d = 0; d < nd; d++) {
                    MemorySegment dev = devices.getAtIndex(ValueLayout.ADDRESS, d);
                    out.add(new ClDevice(out.size(), platform, dev, pname, deviceString(dev, CL_DEVICE_NAME).trim(),
                            deviceString(dev, CL_DEVICE_VENDOR), deviceString(dev, CL_DRIVER_VERSION),
                            deviceString(dev, CL_DEVICE_VERSION), deviceNumber(dev, CL_DEVICE_TYPE, 8),
                            (int) deviceNumber(dev, CL_DEVICE_MAX_COMPUTE_UNITS, 4), deviceNumber(dev, CL_DEVICE_GLOBAL_MEM_SIZE, 8),
                            deviceNumber(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, 8), deviceNumber(dev, CL_DEVICE_LOCAL_MEM_SIZE, 8),
                            (int) deviceNumber(dev, CL_DEVICE_MAX_WORK_GROUP_SIZE, 8),
                            deviceString(dev, CL_DEVICE_EXTENSIONS).contains("cl_khr_fp16")));
                }
            }
        } catch (OpenClException e) {
            throw e;
        } catch (Throwable t) {
            throw new OpenClException("OpenCL device discovery failed: " + t);
        }
        return out;
    }

    public boolean isGpu() {
        return (type & CL_DEVICE_TYPE_GPU) != 0;
    }

    public String typeName() {
        if ((type & CL_DEVICE_TYPE_GPU) != 0) return "GPU";
        if ((type & CL_DEVICE_TYPE_CPU) != 0) return "CPU";
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        return "other";
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s (%s, %s) %d compute units, %.1f GiB global, max alloc %.1f GiB, fp16 %s, driver %s",
                name, typeName(), platformName, computeUnits, globalMemory / (double) (1L << 30),
                maxAlloc / (double) (1L << 30), fp16 ? "yes" : "no", driver);
    }

    private static String platformString(MemorySegment platform, int param) {
        return infoString(clGetPlatformInfo, "clGetPlatformInfo", platform, param);
    }

    private static String deviceString(MemorySegment dev, int param) {
        return infoString(clGetDeviceInfo, "clGetDeviceInfo", dev, param);
    }

    /** clGet*Info for a string: ask for the size, then the bytes. */
    private static String infoString(MethodHandle fn, String what, MemorySegment handle, int param) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment size = a.allocate(ValueLayout.JAVA_LONG);
            call(fn, what, handle, param, 0L, MemorySegment.NULL, size);
            MemorySegment buf = a.allocate(Math.max(1, size.get(ValueLayout.JAVA_LONG, 0)));
            call(fn, what, handle, param, buf.byteSize(), buf, MemorySegment.NULL);
            return buf.getString(0, StandardCharsets.UTF_8);
        }
    }

    /** A numeric device property of {@code bytes} bytes (4 for cl_uint, 8 for cl_ulong and size_t). */
    private static long deviceNumber(MemorySegment dev, int param, int bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(8); // zeroed: a 4-byte answer reads back as its value (little-endian)
            call(clGetDeviceInfo, "clGetDeviceInfo", dev, param, (long) bytes, v, MemorySegment.NULL);
            return v.get(ValueLayout.JAVA_LONG, 0);
        }
    }
}
