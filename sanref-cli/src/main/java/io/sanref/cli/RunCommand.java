package io.sanref.cli;

import io.sanref.scenario.Scenario;
import io.sanref.scenario.ScenarioOptions;
import io.sanref.scenario.ScenarioResult;
import io.sanref.scenario.ScenarioRunner;
import io.sanref.scenario.RemoteRunner;
import io.sanref.spi.SanAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code sanref run}: one scenario with both ends in this process, checked. */
@Command(
    name = "run",
    description = "Run a close-protocol scenario with both ends in this process and check its expectations.",
    footer = {"", "Scenarios: close-idle, close-pending-recv, close-pending-send, peer-reset, simultaneous-close,",
        "  close-during-connect, close-during-completion, close-pending-rdma, cleanup-with-open-sockets,",
        "  stale-descriptor, double-close, backlog-full, churn, mixed.",
        "A long soak: sanref run --scenario mixed --connections 100000 --ops-per-socket 64 --seed 1",
        "Exit codes: 0 pass, 1 an expectation or the audit failed, 2 bad input, 3 not supported by the HAL."})
final class RunCommand implements Callable<Integer>
{
    @Option(names = "--hal", defaultValue = "loopback", description = "HAL to run on (default: ${DEFAULT-VALUE}).")
    String hal;

    @Option(names = "--scenario", required = true, description = "Scenario name; see below.")
    String scenario;

    @Option(names = "--connections", description = "Connections to open (default: 200 for mixed, 16 otherwise).")
    Integer connections;

    @Option(names = "--ops-per-socket", description = "Operations posted per socket (default: 32 for mixed, 8 otherwise).")
    Integer opsPerSocket;

    @Option(names = "--seed", description = "Seed for every random choice (default: from the clock; always printed).")
    Long seed;

    @Option(names = "--wait-ms", defaultValue = "10000", description = "Bound on every wait (default: ${DEFAULT-VALUE}).")
    long waitMs;

    @Option(names = "--json", description = "Print one JSON object instead of the summary.")
    boolean json;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "Journal every completion here and audit it at the end (default: a fresh temporary directory).")
    Path journal;

    @Option(names = "--no-journal", description = "Journal nothing and skip the audit.")
    boolean noJournal;

    @Option(names = "--connect", paramLabel = "HOST:PORT",
        description = "Run only the client end here, against 'sanref serve' at HOST:PORT (scenarios that support it).")
    String connect;

    public Integer call()
    {
        final Scenario sc = ScenarioRunner.find(scenario);
        final boolean mixed = "mixed".equals(sc.name());
        final int n = null != connections ? connections : mixed ? 200 : 16;
        final int k = null != opsPerSocket ? opsPerSocket : mixed ? 32 : 8;
        final long s = null != seed ? seed : System.nanoTime() & 0xFFFF_FFFFL;
        final Path dir = noJournal ? null : journalDirectory();
        final ScenarioOptions options = new ScenarioOptions(hal, sc.name(), n, k, s, waitMs, true, dir);
        System.err.println("sanref run " + sc.name() + " on " + hal + ": " + n + " connections, " + k +
            " ops per socket, seed " + s + (null == dir ? ", no journal" : ", journal " + dir));

        final ScenarioResult result;
        if (null != connect)
        {
            final SanAddress remote = Addresses.parse(connect, "--connect");
            final String why = RemoteRunner.unsupportedReason(hal, sc.name());
            if (null != why)
            {
                System.err.println("sanref run: " + why);
                return Sanref.EXIT_NOT_SUPPORTED;
            }
            result = RemoteRunner.run(options, remote);
        }
        else
        {
            result = ScenarioRunner.run(options);
        }
        System.out.print(json ? result.toJson() + System.lineSeparator() : result.summary());
        if (!result.supported())
        {
            return Sanref.EXIT_NOT_SUPPORTED;
        }
        return result.passed() ? Sanref.EXIT_PASS : Sanref.EXIT_FAIL;
    }

    private Path journalDirectory()
    {
        return journalDirectory(journal);
    }

    /** @return a fresh temporary directory for null, else the given one if it is new or empty. */
    static Path journalDirectory(final Path journal)
    {
        try
        {
            if (null == journal)
            {
                return Files.createTempDirectory("sanref-journal-");
            }
            if (Files.isDirectory(journal))
            {
                try (Stream<Path> entries = Files.list(journal))
                {
                    if (entries.findAny().isPresent())
                    {
                        throw new IllegalArgumentException("journal directory " + journal +
                            " is not empty; give a new or empty directory (one journal per run)");
                    }
                }
            }
            else if (Files.exists(journal))
            {
                throw new IllegalArgumentException("--journal " + journal + " exists and is not a directory");
            }
            return journal;
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot use journal directory " + journal + ": " + ex.getMessage());
        }
    }
}
