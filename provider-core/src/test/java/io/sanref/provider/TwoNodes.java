package io.sanref.provider;

import io.sanref.journal.JournalWriter;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.Hals;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test fixture: a client and a server provider on the loopback HAL, each driven by a reference switch, with
 * progress on agent threads. Every wait is bounded.
 */
final class TwoNodes implements AutoCloseable
{
    static final long BOUND_MS = 10_000;

    final ProviderCore clientProvider;
    final ProviderCore serverProvider;
    final ReferenceSwitch client;
    final ReferenceSwitch server;
    private SwitchSocket listener;

    TwoNodes()
    {
        this(JournalWriter.OFF);
    }

    TwoNodes(final JournalWriter clientJournal)
    {
        clientProvider = new ProviderCore(Hals.find("loopback"), HalConfig.defaults("client"),
            ProviderConfig.defaults("client").withMaxSockets(64).withOpsPerSocket(16).withJournal(clientJournal));
        serverProvider = new ProviderCore(Hals.find("loopback"), HalConfig.defaults("server"),
            ProviderConfig.defaults("server").withMaxSockets(64).withOpsPerSocket(16));
        client = new ReferenceSwitch(clientProvider, 64, 4096);
        server = new ReferenceSwitch(serverProvider, 64, 4096);
        assertEquals(0, client.startup());
        assertEquals(0, server.startup());
    }

    SanAddress listen()
    {
        if (null == listener)
        {
            listener = server.socket();
            assertEquals(0, server.bind(listener, new SanAddress("127.0.0.1", 0)));
            assertEquals(0, server.listen(listener, 16));
        }
        return serverProvider.localAddress(listener.descriptor());
    }

    /** @return {client, server} sockets of a new connection. */
    SwitchSocket[] connect()
    {
        final SanAddress address = listen();
        final SwitchSocket c = client.socket();
        final Overlapped ov = client.newOverlapped(false);
        assertEquals(Winsock.WSA_IO_PENDING, client.connect(c, address, ov));
        final SwitchSocket[] s = new SwitchSocket[1];
        await(() -> null != s[0] || null != (s[0] = server.accept(listener)), "accept");
        await(() -> !client.isOutstanding(ov), "connect completion");
        assertEquals(Winsock.NO_ERROR, ov.offsetHigh(), "connect completed with " + ov.offsetHigh());
        assertNotNull(s[0]);
        return new SwitchSocket[]{c, s[0]};
    }

    static void await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + BOUND_MS + " ms waiting for " + what);
            }
            Thread.yield();
        }
    }

    static void awaitDone(final ReferenceSwitch sw, final Overlapped... ovs)
    {
        await(() ->
        {
            for (final Overlapped ov : ovs)
            {
                if (!sw.reap(ov))
                {
                    return false;
                }
            }
            return true;
        }, "completions");
    }

    /** Final cleanup of both nodes, then the checks every test shares (R1, R7, A1). */
    public void close()
    {
        assertEquals(0, client.cleanup());
        assertEquals(0, server.cleanup());
        for (final ReferenceSwitch sw : new ReferenceSwitch[]{client, server})
        {
            assertEquals(0, sw.outstanding(), "lost completions");
            assertEquals(0, sw.stats().violations(), sw.stats().toString());
            assertEquals(sw.stats().createHandleUpcalls(), sw.stats().closeHandleUpcalls(), "one final upcall each");
        }
        assertEquals(0, clientProvider.liveSockets());
        assertEquals(0, serverProvider.liveSockets());
        assertTrue(0 == client.liveHandles() && 0 == server.liveHandles());
    }
}
