package mistral.tasks.opencl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The file {@code kernels --build-binary} writes: a header naming the device, driver and build
 * options, the length and SHA-256 of the driver's program binary, then the binary. Drivers trust
 * their own binary format (PoCL crashes the process on a truncated one), so the engine checks
 * the header before the driver sees a byte. Files without the header (a vendor's offline-compiled
 * .aocx or .xclbin) go to the driver as they are.
 */
final class KernelBinaryFile {
    private static final byte[] MAGIC = "MJKBIN01".getBytes(StandardCharsets.US_ASCII);

    private KernelBinaryFile() {
    }

    static String deviceKey(ClDevice d) {
        return d.name() + " | " + d.platformName() + " " + d.driver();
    }

    static byte[] wrap(ClDevice device, String options, byte[] binary) {
        byte[] dev = deviceKey(device).getBytes(StandardCharsets.UTF_8), opt = options.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + dev.length + 4 + opt.length + 8 + 32 + binary.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(dev.length).put(dev).putInt(opt.length).put(opt).putLong(binary.length).put(sha256(binary)).put(binary);
        return b.array();
    }

    /** The driver's binary out of a file: checked when it has the header, as it is when it has none. */
    static byte[] unwrap(Path file, byte[] bytes, ClDevice device, String options) {
        if (bytes.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) return bytes;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).position(MAGIC.length);
        try {
            String dev = string(b), opt = string(b);
            long length = b.getLong();
            byte[] hash = new byte[32];
            b.get(hash);
            if (length != b.remaining()) {
                throw new OpenClException(file + ": truncated kernel binary (the header says " + length + " bytes, " + b.remaining() + " follow)");
            }
            byte[] binary = new byte[b.remaining()];
            b.get(binary);
            if (!Arrays.equals(hash, sha256(binary))) throw new OpenClException(file + ": corrupt kernel binary (its SHA-256 does not match)");
            if (!dev.equals(deviceKey(device))) {
                throw new OpenClException(file + ": the kernel binary was built for " + dev + ", not for " + deviceKey(device));
            }
            if (!opt.equals(options)) {
                throw new OpenClException(file + ": the kernel binary was built with options '" + opt + "', this device needs '" + options + "'");
            }
            return binary;
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new OpenClException(file + ": truncated kernel binary (its header is cut short)");
        }
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) throw new IllegalArgumentException();
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
