package io.sanref.it;

import io.sanref.provider.ProviderConfig;
import io.sanref.provider.ProviderCore;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.SanProvider;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.Hals;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.constraints.Size;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SPI fuzzing: random sequences of SPI calls — valid and invalid descriptors, misused overlapped structures,
 * out-of-range buffers, closes at random points, peers going away, calls after the final cleanup — against a model
 * that predicts each call's Winsock code from the error matrix. After every step the reference switch must have
 * seen no violation; at the end every operation taken has completed exactly once and every slot is free.
 * jqwik shrinks a failing sequence to a minimal one, which then becomes a regular test.
 */
class SpiFuzzIT
{
    private static final long BOUND_MS = 10_000;
    private static final AtomicLong BAD_INPUTS = new AtomicLong();
    private static final AtomicLong SEQUENCES = new AtomicLong();

    /** One SPI call: what, on which socket of the model, with which variant of arguments. */
    record Action(Kind kind, int target, int variant)
    {
    }

    enum Kind
    {
        SOCKET, CONNECT, SEND, RECV, CLOSE, PEER_CLOSE, POLL_RESULT, GARBAGE_DESCRIPTOR, CLEANUP
    }

    @Provide
    Arbitrary<Action> action()
    {
        return Combinators.combine(
            Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 7))
            .as(Action::new);
    }

    @Property(tries = 150)
    void everyCallGetsTheErrorMatrixAndEveryTakenOperationCompletesOnce(
        @ForAll @Size(max = 40) final List<@net.jqwik.api.From("action") Action> actions)
    {
        SEQUENCES.incrementAndGet();
        try (World w = new World())
        {
            for (final Action a : actions)
            {
                w.step(a);
                assertEquals(0, w.client.stats().violations(), () -> "after " + a + ": " + w.client.stats());
                assertEquals(0, w.server.stats().violations(), () -> "after " + a + ": " + w.server.stats());
            }
        }
    }

    @AfterContainer
    static void report()
    {
        Reliability.record("spi-fuzz", Map.of("bad_inputs", BAD_INPUTS.get(), "fuzz_sequences", SEQUENCES.get()));
    }

    /** Two nodes, a listener, and the model of the client's sockets. */
    private static final class World implements AutoCloseable
    {
        final ProviderCore clientProvider = provider("fuzz-client");
        final ProviderCore serverProvider = provider("fuzz-server");
        final ReferenceSwitch client = new ReferenceSwitch(clientProvider, 16, 512);
        final ReferenceSwitch server = new ReferenceSwitch(serverProvider, 16, 512);
        final SwitchSocket listener;
        final SanAddress address;
        final List<Model> sockets = new ArrayList<>();
        final List<Overlapped> taken = new ArrayList<>();
        final List<Long> takenHandles = new ArrayList<>();
        final List<Long> closed = new ArrayList<>();
        boolean cleanedUp;

        /** What the model knows of one client socket. */
        static final class Model
        {
            /** The switch reuses its records once a handle closes: keep the descriptor this socket had. */
            long descriptor;
            SwitchSocket socket;
            SwitchSocket peer;
            boolean connected;
            boolean peerGone;
            boolean closed;
        }

        World()
        {
            assertEquals(0, client.startup());
            assertEquals(0, server.startup());
            listener = server.socket();
            assertEquals(0, server.bind(listener, new SanAddress("127.0.0.1", 0)));
            assertEquals(0, server.listen(listener, 8));
            address = serverProvider.localAddress(listener.descriptor());
        }

        private static ProviderCore provider(final String name)
        {
            return new ProviderCore(Hals.find("loopback"), HalConfig.defaults(name),
                ProviderConfig.defaults(name).withMaxSockets(16).withOpsPerSocket(8).withIdleStrategy("yielding"));
        }

        void step(final Action a)
        {
            final SanProvider p = clientProvider;
            if (cleanedUp)
            {
                BAD_INPUTS.incrementAndGet();
                final long d = sockets.isEmpty() ? 1 : sockets.get(a.target() % sockets.size()).descriptor;
                assertEquals(Winsock.WSANOTINITIALISED, p.closeSocket(d), "closeSocket after the final cleanup");
                assertEquals(Winsock.WSANOTINITIALISED, p.send(d, ByteBuffer.allocate(1), 0, 1, new Overlapped()));
                return;
            }
            if (Kind.SOCKET == a.kind() || sockets.isEmpty())
            {
                if (sockets.size() < 6)
                {
                    final Model m = new Model();
                    m.socket = client.socket();
                    assertEquals(0, m.socket.error(), "socket");
                    m.descriptor = m.socket.descriptor();
                    sockets.add(m);
                }
                return;
            }
            final Model m = sockets.get(a.target() % sockets.size());
            final long d = m.descriptor;
            switch (a.kind())
            {
                case CONNECT:
                    connect(m, a.variant());
                    break;
                case SEND:
                case RECV:
                    post(m, a);
                    break;
                case CLOSE:
                    if (m.closed)
                    {
                        BAD_INPUTS.incrementAndGet();
                        assertEquals(Winsock.WSAENOTSOCK, p.closeSocket(d), "second closeSocket (R8)");
                    }
                    else
                    {
                        final long handle = m.socket.handle();
                        assertEquals(0, client.closeSocket(m.socket));
                        m.closed = true;
                        closed.add(d);
                        await(() -> m.socket.isHandleClosed(handle), "the final upcall");
                        for (int i = 0; i < taken.size(); i++)
                        {
                            client.reap(taken.get(i));
                            assertTrue(handle != takenHandles.get(i) || !client.isOutstanding(taken.get(i)),
                                "an operation pending at close completed before the final upcall (R5, R7)");
                        }
                    }
                    break;
                case PEER_CLOSE:
                    if (null != m.peer && !m.peerGone)
                    {
                        assertEquals(0, server.closeSocket(m.peer));
                        m.peerGone = true;
                    }
                    break;
                case POLL_RESULT:
                    BAD_INPUTS.incrementAndGet();
                    assertEquals(m.closed ? Winsock.WSAENOTSOCK : Winsock.WSAEFAULT, p.getOverlappedResult(d, null),
                        "getOverlappedResult with a null overlapped");
                    break;
                case GARBAGE_DESCRIPTOR:
                    BAD_INPUTS.incrementAndGet();
                    final long garbage = closed.isEmpty() || 0 == (a.variant() & 1) ?
                        new long[]{0, -1, Long.MAX_VALUE, 12345, d + (1L << 24) * 999}[a.variant() % 5] :
                        closed.get(a.target() % closed.size());
                    assertEquals(Winsock.WSAENOTSOCK, p.send(garbage, ByteBuffer.allocate(4), 0, 4, new Overlapped()),
                        "send on descriptor " + garbage + " (A7)");
                    assertEquals(Winsock.WSAENOTSOCK, p.closeSocket(garbage), "closeSocket on descriptor " + garbage);
                    break;
                case CLEANUP:
                    if (0 == a.variant())
                    {
                        assertEquals(0, client.cleanup(), "the final cleanup");
                        cleanedUp = true;
                        for (final Overlapped ov : taken)
                        {
                            client.reap(ov);
                            assertTrue(!client.isOutstanding(ov), "R1: the final cleanup completed everything");
                        }
                    }
                    break;
                default:
                    break;
            }
        }

        private void connect(final Model m, final int variant)
        {
            final long d = m.descriptor;
            if (m.closed)
            {
                BAD_INPUTS.incrementAndGet();
                assertEquals(Winsock.WSAENOTSOCK, clientProvider.connect(d, address, new Overlapped()),
                    "connect on a closed socket");
                return;
            }
            final Overlapped ov = client.newOverlapped(false);
            final int rc = client.connect(m.socket, address, ov);
            if (m.connected)
            {
                BAD_INPUTS.incrementAndGet();
                assertEquals(Winsock.WSAEISCONN, rc, "connect on a connected socket");
                return;
            }
            assertEquals(Winsock.WSA_IO_PENDING, rc, "connect");
            final SwitchSocket[] s = new SwitchSocket[1];
            await(() -> null != s[0] || null != (s[0] = server.accept(listener)), "accept");
            await(() -> !client.isOutstanding(ov), "connect completion");
            assertEquals(0, ov.offsetHigh());
            m.peer = s[0];
            m.connected = true;
            if (1 == variant)
            {
                BAD_INPUTS.incrementAndGet();
                assertEquals(Winsock.WSAEFAULT, clientProvider.connect(d, null, new Overlapped()), "null address");
            }
        }

        private void post(final Model m, final Action a)
        {
            final long d = m.descriptor;
            final boolean recv = Kind.RECV == a.kind();
            final ByteBuffer b = ByteBuffer.allocate(32);
            switch (a.variant())
            {
                case 0:
                    bad(clientProvider.send(d, b, 0, 8, null), m, Winsock.WSAEFAULT, "null overlapped");
                    return;
                case 1:
                    bad(clientProvider.recv(d, b, 30, 8, new Overlapped()), m, Winsock.WSAEFAULT, "range past the end");
                    return;
                case 2:
                    bad(clientProvider.recv(d, b, 0, -4, new Overlapped()), m, Winsock.WSAEFAULT, "negative length");
                    return;
                case 3:
                    bad(clientProvider.send(d, null, 0, 4, new Overlapped()), m, Winsock.WSAEFAULT, "null buffer");
                    return;
                default:
                    break;
            }
            if (m.closed)
            {
                BAD_INPUTS.incrementAndGet();
                assertEquals(Winsock.WSAENOTSOCK, recv ? clientProvider.recv(d, b, 0, 32, new Overlapped()) :
                    clientProvider.send(d, b, 0, 8, new Overlapped()), "post on a closed socket (A7)");
                return;
            }
            final Overlapped ov = client.newOverlapped(4 == a.variant());
            final int rc = recv ? client.recv(m.socket, b, 0, 32, ov) : client.send(m.socket, b, 0, 8, ov);
            if (!m.connected)
            {
                BAD_INPUTS.incrementAndGet();
                assertEquals(Winsock.WSAENOTCONN, rc, "post before connect");
            }
            else if (m.peerGone)
            {
                assertTrue(Set.of(Winsock.WSA_IO_PENDING, Winsock.WSAECONNRESET).contains(rc), "post after the peer left");
            }
            else
            {
                assertEquals(Winsock.WSA_IO_PENDING, rc, recv ? "recv" : "send");
            }
            if (Winsock.WSA_IO_PENDING == rc)
            {
                taken.add(ov);
                takenHandles.add(m.socket.handle());
                if (4 == a.variant() && 0 == (a.target() & 1))
                {
                    // A misused overlapped: posted again while still in use.
                    BAD_INPUTS.incrementAndGet();
                    final int again = clientProvider.recv(d, ByteBuffer.allocate(4), 0, 4, ov);
                    assertTrue(Winsock.WSAEINVAL == again || Winsock.WSA_IO_PENDING != again,
                        "an overlapped still in use is not taken twice: " + again);
                    if (Winsock.WSA_IO_PENDING == again)
                    {
                        fail("the provider took an overlapped that was still in use");
                    }
                }
            }
        }

        private void bad(final int rc, final Model m, final int expected, final String what)
        {
            BAD_INPUTS.incrementAndGet();
            final int want = m.closed ? Winsock.WSAENOTSOCK : !m.connected ? Winsock.WSAENOTCONN :
                m.peerGone ? -1 : expected;
            if (-1 == want)
            {
                assertTrue(Winsock.WSAECONNRESET == rc || expected == rc, what + ": " + rc);
            }
            else
            {
                assertEquals(want, rc, what);
            }
        }

        public void close()
        {
            if (!cleanedUp)
            {
                for (final Model m : sockets)
                {
                    if (!m.closed)
                    {
                        assertEquals(0, client.closeSocket(m.socket));
                    }
                }
                assertEquals(0, client.cleanup());
            }
            assertEquals(0, server.cleanup());
            for (final Overlapped ov : taken)
            {
                client.reap(ov);
                assertTrue(!client.isOutstanding(ov), "every taken operation completed");
            }
            assertEquals(0, client.outstanding(), "lost completions");
            assertEquals(0, client.stats().duplicateCompletions());
            assertEquals(client.stats().createHandleUpcalls(), client.stats().closeHandleUpcalls());
            assertEquals(0, clientProvider.liveSockets());
            assertEquals(0, serverProvider.liveSockets());
        }

        private static void await(final BooleanSupplier condition, final String what)
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
    }
}
