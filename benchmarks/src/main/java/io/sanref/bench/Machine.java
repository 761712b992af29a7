package io.sanref.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The machine a run was measured on, and how loaded it was at the start and the end. */
final class Machine
{
    private final String host;
    private final String cpu;
    private final int cores;
    private final String jdk;
    private final String os;
    private final String loadAtStart;
    private final String note;
    private final Instant started;
    private String loadAtEnd = "?";
    private Instant finished;

    private Machine(final String note)
    {
        this.note = note;
        host = hostName();
        cpu = cpuModel();
        cores = Runtime.getRuntime().availableProcessors();
        jdk = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
        loadAtStart = loadAverage();
        started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    static Machine describe(final String note)
    {
        return new Machine(note);
    }

    void finish()
    {
        loadAtEnd = loadAverage();
        finished = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    String host()
    {
        return host;
    }

    String markdown()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("- host: ").append(host).append('\n');
        sb.append("- CPU: ").append(cpu).append(", ").append(cores).append(" cores visible to the JVM\n");
        sb.append("- JDK: ").append(jdk).append('\n');
        sb.append("- OS: ").append(os).append('\n');
        sb.append("- run: ").append(started).append(" to ").append(null == finished ? "?" : finished.toString()).append('\n');
        sb.append("- load average (1, 5, 15 min) at start: ").append(loadAtStart)
            .append("; at end: ").append(loadAtEnd).append('\n');
        if (!note.isEmpty())
        {
            sb.append("- load note: ").append(note).append('\n');
        }
        return sb.toString();
    }

    private static String hostName()
    {
        try
        {
            final Path etc = Path.of("/etc/hostname");
            if (Files.isReadable(etc))
            {
                final String name = Files.readString(etc).trim();
                if (!name.isEmpty())
                {
                    return name;
                }
            }
            return InetAddress.getLocalHost().getHostName();
        }
        catch (final IOException ex)
        {
            return "unknown-host";
        }
    }

    private static String cpuModel()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException ignore)
        {
            // not Linux: fall through
        }
        return System.getProperty("os.arch") + " (model unknown)";
    }

    private static String loadAverage()
    {
        try
        {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown";
        }
    }
}
