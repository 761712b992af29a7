package io.sanref.provider;

import io.sanref.journal.JournalWriter;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.Objects;

/**
 * Sizes and policies of one provider instance.
 *
 * @param nodeName       a name for logs and the journal.
 * @param maxSockets     socket-table slots (at most 2^24).
 * @param opsPerSocket   pending operations per socket (at most 256).
 * @param registrationsPerSocket memory registrations per socket.
 * @param idleStrategy   {@code busy-spin}, {@code yielding}, {@code backoff} or {@code sleeping}.
 * @param callerDrivesProgress if true no agent thread is started; the caller calls
 *                       {@link ProviderCore#doWork()}.
 * @param waitBoundMs    bound on every wait inside the provider (close, cleanup).
 * @param journal        where lifecycle records go; {@link JournalWriter#OFF} for none.
 */
public record ProviderConfig(
    String nodeName,
    int maxSockets,
    int opsPerSocket,
    int registrationsPerSocket,
    String idleStrategy,
    boolean callerDrivesProgress,
    long waitBoundMs,
    JournalWriter journal)
{
    public ProviderConfig
    {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(journal, "journal");
        if (maxSockets < 1 || maxSockets > (1 << SanSocket.INDEX_BITS))
        {
            throw new IllegalArgumentException("maxSockets must be 1.." + (1 << SanSocket.INDEX_BITS));
        }
        if (opsPerSocket < 1 || opsPerSocket > 256)
        {
            throw new IllegalArgumentException("opsPerSocket must be 1..256");
        }
        if (registrationsPerSocket < 1 || registrationsPerSocket > 256)
        {
            throw new IllegalArgumentException("registrationsPerSocket must be 1..256");
        }
        if (waitBoundMs < 1)
        {
            throw new IllegalArgumentException("waitBoundMs must be at least 1");
        }
        newIdleStrategy(idleStrategy);
    }

    public static ProviderConfig defaults(final String nodeName)
    {
        return new ProviderConfig(nodeName, 4096, 64, 16, "backoff", false, 10_000, JournalWriter.OFF);
    }

    public ProviderConfig withMaxSockets(final int max)
    {
        return new ProviderConfig(
            nodeName, max, opsPerSocket, registrationsPerSocket, idleStrategy, callerDrivesProgress, waitBoundMs,
            journal);
    }

    public ProviderConfig withJournal(final JournalWriter writer)
    {
        return new ProviderConfig(
            nodeName, maxSockets, opsPerSocket, registrationsPerSocket, idleStrategy, callerDrivesProgress,
            waitBoundMs, writer);
    }

    public ProviderConfig withIdleStrategy(final String name)
    {
        return new ProviderConfig(
            nodeName, maxSockets, opsPerSocket, registrationsPerSocket, name, callerDrivesProgress, waitBoundMs,
            journal);
    }

    public ProviderConfig withCallerDrivenProgress()
    {
        return new ProviderConfig(
            nodeName, maxSockets, opsPerSocket, registrationsPerSocket, idleStrategy, true, waitBoundMs, journal);
    }

    public ProviderConfig withOpsPerSocket(final int ops)
    {
        return new ProviderConfig(
            nodeName, maxSockets, ops, registrationsPerSocket, idleStrategy, callerDrivesProgress, waitBoundMs,
            journal);
    }

    static IdleStrategy newIdleStrategy(final String name)
    {
        switch (null == name ? "" : name)
        {
            case "busy-spin": return new BusySpinIdleStrategy();
            case "yielding": return new YieldingIdleStrategy();
            case "backoff": return new BackoffIdleStrategy(100, 10, 1_000, 100_000);
            case "sleeping": return new SleepingMillisIdleStrategy(1);
            default: throw new IllegalArgumentException(
                "unknown idle strategy '" + name + "'; use busy-spin, yielding, backoff or sleeping");
        }
    }
}
