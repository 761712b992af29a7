package io.sanref.it;

import io.sanref.provider.ProviderConfig;
import io.sanref.provider.ProviderCore;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.SanProvider;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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
    /** What a call may answer once the peer reset the connection or it broke under a remote access error. */
    private static final Set<Integer> CONNECTION_LOST =
        Set.of(Winsock.WSA_IO_PENDING, Winsock.WSAECONNRESET, Winsock.WSAECONNABORTED);
    private static final int REGISTRATIONS_PER_SOCKET = 2;

    /** One SPI call: what, on which socket of the model, with which variant of arguments. */
    record Action(Kind kind, int target, int variant)
    {
    }

    enum Kind
    {
        SOCKET, CONNECT, SEND, RECV, CLOSE, PEER_CLOSE, POLL_RESULT, GARBAGE_DESCRIPTOR, CLEANUP,
        REGISTER, DEREGISTER, RDMA
    }

    @Provide
    Arbitrary<Action> action()
    {
        return Combinators.combine(
            Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 7))
            .as(Action::new);
    }

    /** Every HAL that can run here, undecorated: the model predicts exact codes, which faults would bend. */
    @Provide
    Arbitrary<String> hal()
    {
        return Arbitraries.of(Hals.all().stream().filter((h) -> null == h.unavailableReason())
            .map(HalProvider::name).sorted().toList());
    }

    @Property(tries = 1000, seed = "20261202")
    void everyCallGetsTheErrorMatrixAndEveryTakenOperationCompletesOnce(
        @ForAll("hal") final String hal,
        @ForAll @Size(max = 40) final List<@net.jqwik.api.From("action") Action> actions)
    {
        SEQUENCES.incrementAndGet();
        try (World w = new World(hal))
        {
            for (final Action a : actions)
            {
                w.step(a);
                assertEquals(0, w.client.stats().violations(), () -> "after " + a + ": " + w.client.stats());
                assertEquals(0, w.server.stats().violations(), () -> "after " + a + ": " + w.server.stats());
            }
        }
    }

    /**
     * Shrunk from a fuzzing run (seed 20261202; the other counter-example it found, a registration on a connection
     * a bad key had just broken, is BadInputTest's registration test in provider-core): an RDMA write queued behind a send the peer has no receive for
     * waits its turn in the send queue, as verbs orders it, and completes once the peer receives — not lost.
     */
    @Example
    void rdmaQueuedBehindAWaitingSendCompletesWhenThePeerReceives()
    {
        try (World w = new World("loopback"))
        {
            for (final Action a : List.of(new Action(Kind.SOCKET, 0, 0), new Action(Kind.CONNECT, 0, 0),
                new Action(Kind.REGISTER, 0, 6), new Action(Kind.SEND, 0, 7), new Action(Kind.RDMA, 0, 5)))
            {
                w.step(a);
            }
            final World.Model m = w.sockets.get(0);
            final Overlapped send = m.sends.get(0);
            final Overlapped rdma = w.taken.get(w.taken.size() - 1);
            assertTrue(w.client.isOutstanding(rdma), "the RDMA write waits behind the send");
            final Overlapped recv = w.server.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, w.server.recv(m.peer, ByteBuffer.allocate(32), 0, 32, recv));
            World.await(() -> !w.client.isOutstanding(send) && !w.client.isOutstanding(rdma), "send, then RDMA");
            assertEquals(0, send.offsetHigh(), "the send");
            assertEquals(0, rdma.offsetHigh(), "the RDMA write behind it");
        }
    }

    /** Cumulative, written after every sequence: the last write holds the totals, whatever order jqwik runs in. */
    static void report()
    {
        Reliability.record("spi-fuzz", Map.of("bad_inputs", BAD_INPUTS.get(), "fuzz_sequences", SEQUENCES.get()));
    }

    /** Two nodes, a listener, and the model of the client's sockets. */
    private static final class World implements AutoCloseable
    {
        final ProviderCore clientProvider;
        final ProviderCore serverProvider;
        final ReferenceSwitch client;
        final ReferenceSwitch server;
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
            /** A remote access error moved the connection to error: later posts may fail with 10053 (or 10054). */
            boolean broken;
            boolean closed;
            final List<Long> registrations = new ArrayList<>();
            final List<Long> deregistered = new ArrayList<>();
            ByteBuffer peerMemory;
            long peerKey;
            final List<Overlapped> sends = new ArrayList<>();
        }

        World(final String hal)
        {
            clientProvider = provider(hal, "fuzz-client");
            serverProvider = provider(hal, "fuzz-server");
            client = new ReferenceSwitch(clientProvider, 16, 512);
            server = new ReferenceSwitch(serverProvider, 16, 512);
            assertEquals(0, client.startup());
            assertEquals(0, server.startup());
            listener = server.socket();
            assertEquals(0, server.bind(listener, new SanAddress("127.0.0.1", 0)));
            assertEquals(0, server.listen(listener, 8));
            address = serverProvider.localAddress(listener.descriptor());
        }

        private static ProviderCore provider(final String hal, final String name)
        {
            return new ProviderCore(Hals.find(hal), HalConfig.defaults(name),
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
                case REGISTER:
                    register(m, a.variant());
                    break;
                case DEREGISTER:
                    deregister(m, a);
                    break;
                case RDMA:
                    rdma(m, a);
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
            else if (m.peerGone || m.broken)
            {
                assertTrue(CONNECTION_LOST.contains(rc), "post after the peer left or the connection broke: " + rc);
            }
            else
            {
                assertEquals(Winsock.WSA_IO_PENDING, rc, recv ? "recv" : "send");
            }
            if (Winsock.WSA_IO_PENDING == rc)
            {
                taken.add(ov);
                takenHandles.add(m.socket.handle());
                if (!recv)
                {
                    m.sends.add(ov);
                }
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

        /** R9 and the error matrix for registration: null buffer, bad access flags, state, and a good one. */
        private void register(final Model m, final int variant)
        {
            final long d = m.descriptor;
            final ByteBuffer memory = ByteBuffer.allocateDirect(64);
            if (0 == variant || 1 == variant)
            {
                // Arguments are checked before the socket's state: only a dead descriptor answers otherwise.
                BAD_INPUTS.incrementAndGet();
                final long rc = 0 == variant ? clientProvider.registerMemory(d, null, MemoryAccess.ALL) :
                    clientProvider.registerMemory(d, memory, 64);
                final int expected = m.closed ? Winsock.WSAENOTSOCK : 0 == variant ? Winsock.WSAEFAULT : Winsock.WSAEINVAL;
                assertEquals(-expected, rc, 0 == variant ? "register a null buffer" : "register unknown access flags");
                return;
            }
            if (m.registrations.size() >= REGISTRATIONS_PER_SOCKET)
            {
                return;
            }
            final long rc = clientProvider.registerMemory(d, memory, MemoryAccess.ALL);
            if (m.closed || !m.connected)
            {
                BAD_INPUTS.incrementAndGet();
                assertEquals(m.closed ? -Winsock.WSAENOTSOCK : -Winsock.WSAENOTCONN, rc, "register on a socket " +
                    (m.closed ? "closed" : "not connected"));
            }
            else if (m.peerGone || m.broken)
            {
                assertTrue(rc > 0 || CONNECTION_LOST.contains((int)-rc), "register after the connection went: " + rc);
            }
            else
            {
                assertTrue(rc > 0, "register on a connected socket: " + rc);
            }
            if (rc > 0)
            {
                m.registrations.add(rc);
                assertTrue(clientProvider.remoteKey(d, rc) > 0, "a live registration has a remote key");
            }
        }

        private void deregister(final Model m, final Action a)
        {
            final long d = m.descriptor;
            final int variant = a.variant() % 4;
            if (3 == variant && !m.registrations.isEmpty())
            {
                final long r = m.registrations.remove(a.target() % m.registrations.size());
                assertEquals(m.closed ? Winsock.WSAENOTSOCK : Winsock.NO_ERROR, clientProvider.deregisterMemory(d, r),
                    "deregister a live registration");
                m.deregistered.add(r);
                return;
            }
            BAD_INPUTS.incrementAndGet();
            final long r;
            final String what;
            if (2 == variant && !m.deregistered.isEmpty())
            {
                r = m.deregistered.get(a.target() % m.deregistered.size());
                what = "deregister twice";
            }
            else if (1 == variant && otherRegistration(m) > 0)
            {
                r = otherRegistration(m);
                what = "deregister another socket's registration (R9)";
            }
            else
            {
                r = new long[]{0, -1, 12345, Long.MAX_VALUE}[a.target() % 4];
                what = "deregister a registration never issued (" + r + ")";
            }
            assertEquals(m.closed ? Winsock.WSAENOTSOCK : Winsock.WSAEINVAL, clientProvider.deregisterMemory(d, r), what);
            assertEquals(m.closed ? -Winsock.WSAENOTSOCK : -Winsock.WSAEINVAL, clientProvider.remoteKey(d, r),
                "remote key of " + what);
        }

        private long otherRegistration(final Model m)
        {
            for (final Model other : sockets)
            {
                if (other != m && !other.registrations.isEmpty())
                {
                    return other.registrations.get(0);
                }
            }
            return 0;
        }

        /**
         * RDMA: local ranges and registrations checked at the call (WSAEFAULT); remote keys and ranges checked at the
         * target (the operation completes with 10053 and the connection breaks, R9); good transfers move the bytes.
         */
        private void rdma(final Model m, final Action a)
        {
            final long d = m.descriptor;
            final long local = m.registrations.isEmpty() ? 0 : m.registrations.get(0);
            final boolean write = 0 == (a.target() & 1);
            switch (a.variant())
            {
                case 0:
                    bad(rdma(d, write, local, 60, 8, 1, 0, new Overlapped()), m, Winsock.WSAEFAULT,
                        "RDMA from outside the local registration");
                    return;
                case 1:
                    bad(rdma(d, write, otherRegistration(m) + 77, 0, 8, 1, 0, new Overlapped()), m, Winsock.WSAEFAULT,
                        "RDMA from a registration not on this socket (R9)");
                    return;
                case 2:
                    bad(rdma(d, write, local, 0, 8, 1, -8, new Overlapped()), m, Winsock.WSAEFAULT,
                        "RDMA to a negative remote offset");
                    return;
                case 3:
                    bad(rdma(d, write, local, 0, 8, 1, 0, null), m, Winsock.WSAEFAULT, "RDMA without an overlapped");
                    return;
                default:
                    break;
            }
            if (m.closed || !m.connected || 0 == local)
            {
                bad(rdma(d, write, local, 0, 8, 1, 0, new Overlapped()), m, Winsock.WSAEFAULT, "RDMA with no registration");
                return;
            }
            if (null == m.peerMemory && !m.peerGone && !m.broken)
            {
                m.peerMemory = ByteBuffer.allocateDirect(64);
                final long r = server.registerMemory(m.peer, m.peerMemory, MemoryAccess.ALL);
                assertTrue(r > 0, "the peer registers memory on a live connection: " + r);
                m.peerKey = server.remoteKey(m.peer, r);
            }
            final boolean good = 4 == a.variant() || 5 == a.variant();
            final long key = good ? m.peerKey : 6 == a.variant() ? m.peerKey + 4096 : m.peerKey;
            final long remoteOffset = 7 == a.variant() ? 60 : 0;
            final Overlapped ov = client.newOverlapped(false);
            final SwitchSocket s = m.socket;
            final boolean lost = m.peerGone || m.broken;
            final int rc = write ? client.rdmaWrite(s, local, 0, 8, key, remoteOffset, ov) :
                client.rdmaRead(s, local, 0, 8, key, remoteOffset, ov);
            if (lost)
            {
                assertTrue(CONNECTION_LOST.contains(rc), "RDMA after the connection went: " + rc);
            }
            else
            {
                assertEquals(Winsock.WSA_IO_PENDING, rc, "RDMA " + (write ? "write" : "read"));
            }
            if (Winsock.WSA_IO_PENDING != rc)
            {
                return;
            }
            taken.add(ov);
            takenHandles.add(s.handle());
            if (!good)
            {
                BAD_INPUTS.incrementAndGet();
                m.broken = true;
            }
            if (sendWaiting(m))
            {
                // A send queue completes in posting order: this request waits behind a send the peer has not
                // received yet, and completes when it does, or at close (995). The end of the run checks it.
                return;
            }
            await(() -> !client.isOutstanding(ov), "RDMA completion");
            final int code = (int)ov.offsetHigh();
            if (lost)
            {
                assertTrue(CONNECTION_LOST.contains(code) && Winsock.WSA_IO_PENDING != code || 0 == code && good,
                    "RDMA after the connection went completed with " + code);
            }
            else if (good)
            {
                assertEquals(0, code, "a good RDMA " + (write ? "write" : "read"));
            }
            else
            {
                assertEquals(Winsock.WSAECONNABORTED, code, "RDMA with a wrong key or out of the remote range (R9)");
            }
        }

        private boolean sendWaiting(final Model m)
        {
            for (final Overlapped send : m.sends)
            {
                client.reap(send);
                if (client.isOutstanding(send))
                {
                    return true;
                }
            }
            return false;
        }

        private int rdma(
            final long d, final boolean write, final long local, final int offset, final int length,
            final long remoteKey, final long remoteOffset, final Overlapped ov)
        {
            return write ? clientProvider.rdmaWrite(d, local, offset, length, remoteKey, remoteOffset, ov) :
                clientProvider.rdmaRead(d, local, offset, length, remoteKey, remoteOffset, ov);
        }

        private void bad(final int rc, final Model m, final int expected, final String what)
        {
            BAD_INPUTS.incrementAndGet();
            final int want = m.closed ? Winsock.WSAENOTSOCK : !m.connected ? Winsock.WSAENOTCONN :
                m.peerGone || m.broken ? -1 : expected;
            if (-1 == want)
            {
                assertTrue(CONNECTION_LOST.contains(rc) || expected == rc, what + ": " + rc);
            }
            else
            {
                assertEquals(want, rc, what);
            }
        }

        public void close()
        {
            try
            {
                closeAndCheck();
            }
            finally
            {
                report();
            }
        }

        private void closeAndCheck()
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
