package io.sanref.bench;

import io.sanref.journal.Journal;
import io.sanref.journal.JournalWriter;
import io.sanref.provider.ProviderConfig;
import io.sanref.provider.ProviderCore;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.UpcallTable;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Two full providers (client and server) on one HAL fabric, with progress driven by the caller: each benchmark
 * thread calls {@link ProviderCore#doWork()} on the provider it owns, so a two-thread ping-pong runs on exactly two
 * threads, like the raw-ring and Aeron baselines. The HAL is found by name at run time ({@link Hals#find}); no HAL
 * is named in code.
 * <p>
 * Threading: set-up and tear-down on one thread; afterwards {@link #client}'s progress belongs to one thread and
 * {@link #server}'s to one thread (they may be the same).
 */
final class ProviderPair implements AutoCloseable
{
    static final long BOUND_NS = TimeUnit.SECONDS.toNanos(10);

    final ProviderCore client;
    final ProviderCore server;
    final CountingUpcalls clientUpcalls = new CountingUpcalls();
    final CountingUpcalls serverUpcalls = new CountingUpcalls();
    private final Journal journal;
    private final Path journalDir;
    private long listener;
    private SanAddress listenAddress;

    /**
     * @param halName    a HAL name for {@link Hals#find}.
     * @param journalOn  write both nodes' lifecycle records through a real {@link Journal} (ring and Chronicle).
     * @param maxSockets socket-table size on each node.
     * @param opsPerSocket pending operations per socket (at most 256).
     */
    ProviderPair(final String halName, final boolean journalOn, final int maxSockets, final int opsPerSocket)
    {
        final HalProvider hal = Hals.find(halName);
        final String why = hal.unavailableReason();
        if (null != why)
        {
            throw new IllegalStateException("HAL '" + halName + "' cannot run here: " + why);
        }
        JournalWriter clientWriter = JournalWriter.OFF;
        JournalWriter serverWriter = JournalWriter.OFF;
        if (journalOn)
        {
            try
            {
                journalDir = Files.createTempDirectory("sanref-bench-journal");
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            journal = Journal.open(journalDir);
            clientWriter = journal.writer(1);
            serverWriter = journal.writer(2);
        }
        else
        {
            journalDir = null;
            journal = null;
        }
        final int depth = Math.max(HalConfig.DEFAULT_QUEUE_DEPTH, opsPerSocket);
        client = new ProviderCore(hal, halConfig("bench-client", depth),
            config("bench-client", maxSockets, opsPerSocket, clientWriter));
        server = new ProviderCore(hal, halConfig("bench-server", depth),
            config("bench-server", maxSockets, opsPerSocket, serverWriter));
        check(0 == client.startup(clientUpcalls), "client startup");
        check(0 == server.startup(serverUpcalls), "server startup");
    }

    private static HalConfig halConfig(final String name, final int depth)
    {
        return new HalConfig(name, depth, depth, HalConfig.DEFAULT_CONNECT_TIMEOUT_MS, java.util.Map.of());
    }

    private static ProviderConfig config(
        final String name, final int maxSockets, final int ops, final JournalWriter writer)
    {
        return ProviderConfig.defaults(name)
            .withMaxSockets(maxSockets)
            .withOpsPerSocket(ops)
            .withIdleStrategy("busy-spin")
            .withCallerDrivenProgress()
            .withJournal(writer);
    }

    /** @return the journal both nodes write to, or null when it is off. */
    Journal journal()
    {
        return journal;
    }

    /**
     * Open a connection, driving both providers' progress on the calling thread.
     *
     * @return {client descriptor, server descriptor}.
     */
    long[] connect()
    {
        if (0 == listener)
        {
            listener = client(server.socket(0), "listener socket");
            check(0 == server.bind(listener, new SanAddress("127.0.0.1", 0)), "bind");
            check(0 == server.listen(listener, 64), "listen");
            listenAddress = server.localAddress(listener);
        }
        final long c = client(client.socket(0), "client socket");
        final Overlapped ov = new Overlapped();
        // wsd's connect waits (bounded) for the listener's first answer, which only the server's progress
        // produces: while the call runs, a helper thread drives the server, then hands it back to this thread.
        final java.util.concurrent.atomic.AtomicBoolean connecting = new java.util.concurrent.atomic.AtomicBoolean(true);
        final Thread serverProgress = new Thread(() ->
        {
            while (connecting.get())
            {
                server.doWork();
            }
        }, "bench-connect-server-progress");
        serverProgress.start();
        final int rc;
        try
        {
            rc = client.connect(c, listenAddress, ov);
        }
        finally
        {
            connecting.set(false);
            joinQuietly(serverProgress);
        }
        check(Winsock.WSA_IO_PENDING == rc || 0 == rc, "connect returned " + rc);
        long s = -Winsock.WSAEWOULDBLOCK;
        final long deadline = System.nanoTime() + BOUND_NS;
        while (s < 0 || ov.isPending())
        {
            client.doWork();
            server.doWork();
            if (s < 0)
            {
                s = server.accept(listener, 0);
                check(s > 0 || -Winsock.WSAEWOULDBLOCK == s, "accept returned " + s);
            }
            check(System.nanoTime() - deadline < 0, "connect did not complete within 10 s");
        }
        check(Winsock.NO_ERROR == ov.offsetHigh(), "connect completed with " + ov.offsetHigh());
        return new long[]{c, s};
    }

    private static void joinQuietly(final Thread t)
    {
        try
        {
            t.join(BOUND_NS / 1_000_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        check(!t.isAlive(), "the server's progress thread did not stop");
    }

    /** Drive both nodes until {@code ov} has completed, bounded. */
    void await(final Overlapped ov)
    {
        final long deadline = System.nanoTime() + BOUND_NS;
        while (ov.isPending())
        {
            client.doWork();
            server.doWork();
            check(System.nanoTime() - deadline < 0, "operation did not complete within 10 s: " + ov);
        }
    }

    /** Drive both nodes for a few rounds so completions of aborted work are reaped (frees HAL credits). */
    void drain()
    {
        for (int i = 0; i < 64; i++)
        {
            if (0 == client.doWork() + server.doWork() && i > 4)
            {
                return;
            }
        }
    }

    private static long client(final long d, final String what)
    {
        check(d > 0, what + " failed: " + d);
        return d;
    }

    static void check(final boolean ok, final String what)
    {
        if (!ok)
        {
            throw new IllegalStateException(what);
        }
    }

    public void close()
    {
        client.cleanup();
        server.cleanup();
        if (null != journal)
        {
            journal.close();
            deleteQuietly(journalDir);
        }
    }

    static void deleteQuietly(final Path dir)
    {
        if (null == dir)
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // a temp directory left behind is not worth failing a benchmark for
        }
    }

    /**
     * A switch's upcall table that only counts: no lock, no allocation. Handles are the descriptors themselves.
     * Threading: any thread.
     */
    static final class CountingUpcalls implements UpcallTable
    {
        long completions;
        volatile long closedHandles;
        volatile long lastClosedHandle;

        public long createSocketHandle(final long providerDescriptor, final long switchContext)
        {
            return providerDescriptor;
        }

        public int closeSocketHandle(final long switchHandle)
        {
            lastClosedHandle = switchHandle;
            closedHandles++;
            return 0;
        }

        public int completeOverlappedRequest(
            final long switchHandle, final Overlapped overlapped, final int error, final int bytes)
        {
            completions++;
            return 0;
        }

        public long querySocketHandleContext(final long switchHandle)
        {
            return 0;
        }
    }
}
