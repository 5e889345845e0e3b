package mistral.engine.cli;

import java.io.PrintStream;
import java.util.Set;
import mistral.tasks.Devices;
import mistral.tasks.java.JavaBackend;

final class DevicesCommand extends Command {
    @Override
    String help() {
        return "usage: mistral devices [--threads N]\n  lists every device --device accepts";
    }

    @Override
    Set<String> valued() {
        return Set.of("--threads");
    }

    @Override
    Set<String> switches() {
        return Set.of();
    }

    @Override
    void run(Args a, PrintStream out, PrintStream err) {
        Devices.describe(a.integer("--threads", JavaBackend.defaultThreads())).forEach(out::println);
    }
}
