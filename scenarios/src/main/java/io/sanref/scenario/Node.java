package io.sanref.scenario;

import io.sanref.journal.JournalWriter;
import io.sanref.provider.ProviderConfig;
import io.sanref.provider.ProviderCore;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalProvider;

import java.util.Map;

/**
 * One end of a scenario: a provider on the chosen HAL and the reference switch that drives it.
 */
public final class Node
{
    private final String name;
    private final ProviderCore provider;
    private final ReferenceSwitch sw;

    Node(final String name, final HalProvider hal, final int maxSockets, final int opsPerSocket,
        final int maxOverlapped, final JournalWriter journal)
    {
        this.name = name;
        final HalConfig halConfig = new HalConfig(
            name, opsPerSocket, opsPerSocket, HalConfig.DEFAULT_CONNECT_TIMEOUT_MS, Map.of());
        final ProviderConfig config = ProviderConfig.defaults(name)
            .withMaxSockets(maxSockets)
            .withOpsPerSocket(opsPerSocket)
            .withJournal(journal);
        provider = new ProviderCore(hal, halConfig, config);
        sw = new ReferenceSwitch(provider, maxSockets, maxOverlapped);
    }

    private final java.util.concurrent.atomic.AtomicInteger startups = new java.util.concurrent.atomic.AtomicInteger();

    /** Start the provider through the switch (reference-counted, R1). */
    public int startup()
    {
        final int rc = sw.startup();
        if (Winsock.NO_ERROR == rc)
        {
            startups.incrementAndGet();
        }
        return rc;
    }

    /** One cleanup; the one that brings the count to zero is final (R1). */
    public int cleanup()
    {
        final int rc = sw.cleanup();
        if (Winsock.NO_ERROR == rc || Winsock.WSAENETDOWN == rc)
        {
            startups.decrementAndGet();
        }
        return rc;
    }

    /** @return startups not yet matched by a cleanup. */
    public int startups()
    {
        return startups.get();
    }

    public String name()
    {
        return name;
    }

    public ProviderCore provider()
    {
        return provider;
    }

    public ReferenceSwitch sw()
    {
        return sw;
    }

    /**
     * Host the scenarios listen on: loopback unless {@code -Dsanref.listen.host} names another. RDMA over rdma_cm needs
     * the address of the RDMA device's netdev (rdma_cm resolves no route for 127.0.0.1).
     */
    static final String LISTEN_HOST = System.getProperty("sanref.listen.host", "127.0.0.1");

    /** @return a socket bound and listening on an ephemeral port of {@link #LISTEN_HOST}, or {@code null}. */
    public SwitchSocket listen(final int backlog)
    {
        final SwitchSocket ls = sw.socket();
        if (null == ls || 0 != ls.error())
        {
            return null;
        }
        if (Winsock.NO_ERROR != sw.bind(ls, new SanAddress(LISTEN_HOST, 0)) ||
            Winsock.NO_ERROR != sw.listen(ls, backlog))
        {
            sw.closeSocket(ls);
            return null;
        }
        return ls;
    }

    public SanAddress addressOf(final SwitchSocket listener)
    {
        return provider.localAddress(listener.descriptor());
    }

    public String toString()
    {
        return name;
    }
}
