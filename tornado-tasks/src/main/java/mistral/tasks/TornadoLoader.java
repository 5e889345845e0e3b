package mistral.tasks;

import java.util.List;
import java.util.Optional;
import mistral.tasks.graph.Backend;

/**
 * Reaches the TornadoVM backend by reflection: its classes exist only in a build with
 * {@code -P tornado}, and TornadoVM's own modules only when the JVM was started with its argfile
 * (bin/mistral adds it for {@code --device tornado} when TORNADOVM_HOME is set).
 */
final class TornadoLoader {
    private static final String BACKEND = "mistral.tasks.tornado.TornadoBackend";

    private TornadoLoader() {
    }

    /** Why the TornadoVM backend cannot be used in this JVM, if it cannot. */
    static Optional<String> unavailable() {
        try {
            Class.forName(BACKEND);
        } catch (ClassNotFoundException e) {
            return Optional.of("this build has no TornadoVM backend (build with: mvn -P tornado package, TORNADOVM_HOME set)");
        } catch (LinkageError e) {
            return Optional.of("TornadoVM is not loaded (install the TornadoVM SDK and set TORNADOVM_HOME; bin/mistral then adds its JVM flags)");
        }
        if (System.getProperty("tornado.load.runtime.implementation") == null) {
            return Optional.of("TornadoVM is not loaded (set TORNADOVM_HOME; bin/mistral adds its JVM flags for --device tornado and devices)");
        }
        return Optional.empty();
    }

    static Backend open(Integer index, boolean profile) {
        unavailable().ifPresent(why -> {
            throw new IllegalArgumentException("--device tornado: " + why);
        });
        try {
            return (Backend) Class.forName(BACKEND).getConstructor(Integer.class, boolean.class).newInstance(index, profile);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException("TornadoVM backend: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("TornadoVM backend: " + e, e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<String> describe() {
        try {
            return (List<String>) Class.forName(BACKEND).getMethod("describe").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            return List.of(String.format("%-10s %s", "tornado", "discovery failed: " + e));
        }
    }
}
