package io.sanref.scenario;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run a scenario.
 *
 * @param hal           HAL name.
 * @param scenario      scenario name.
 * @param connections   connections to open (where the scenario opens several).
 * @param opsPerSocket  operations posted per socket (where the scenario posts several).
 * @param seed          seed for every random choice.
 * @param waitBoundMs   bound on every wait; past it the scenario fails with a clear message.
 * @param showProgress  print progress of long runs on stderr.
 * @param journalDir    where to journal, or {@code null} for none.
 */
public record ScenarioOptions(
    String hal,
    String scenario,
    int connections,
    int opsPerSocket,
    long seed,
    long waitBoundMs,
    boolean showProgress,
    Path journalDir)
{
    public static final int MAX_OPS_PER_SOCKET = 256;

    public ScenarioOptions
    {
        Objects.requireNonNull(hal, "hal");
        Objects.requireNonNull(scenario, "scenario");
        if (connections < 1)
        {
            throw new IllegalArgumentException("--connections must be at least 1");
        }
        if (opsPerSocket < 2 || opsPerSocket > MAX_OPS_PER_SOCKET)
        {
            throw new IllegalArgumentException("--ops-per-socket must be 2.." + MAX_OPS_PER_SOCKET);
        }
        if (waitBoundMs < 1)
        {
            throw new IllegalArgumentException("wait bound must be at least 1 ms");
        }
    }

    public static ScenarioOptions of(final String hal, final String scenario)
    {
        return new ScenarioOptions(hal, scenario, 16, 8, 1, 10_000, false, null);
    }

    public ScenarioOptions withConnections(final int n)
    {
        return new ScenarioOptions(hal, scenario, n, opsPerSocket, seed, waitBoundMs, showProgress, journalDir);
    }

    public ScenarioOptions withOpsPerSocket(final int n)
    {
        return new ScenarioOptions(hal, scenario, connections, n, seed, waitBoundMs, showProgress, journalDir);
    }

    public ScenarioOptions withSeed(final long s)
    {
        return new ScenarioOptions(hal, scenario, connections, opsPerSocket, s, waitBoundMs, showProgress, journalDir);
    }

    public ScenarioOptions withJournal(final Path dir)
    {
        return new ScenarioOptions(hal, scenario, connections, opsPerSocket, seed, waitBoundMs, showProgress, dir);
    }

    public ScenarioOptions withProgress(final boolean show)
    {
        return new ScenarioOptions(hal, scenario, connections, opsPerSocket, seed, waitBoundMs, show, journalDir);
    }
}
