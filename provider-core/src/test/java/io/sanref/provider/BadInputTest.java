package io.sanref.provider;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.UpcallTable;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.Hals;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gets the error matrix's Winsock code (CLOSE-PROTOCOL.md) and never an exception, a crash or a hang.
 */
class BadInputTest
{
    private static final long[] NEVER_ISSUED = {0, -1, -12345, Long.MIN_VALUE, Long.MAX_VALUE, 12345, 1L << 40};

    @Test
    void callsBeforeStartupAreNotInitialisedR1()
    {
        final ProviderCore p = new ProviderCore(Hals.find("loopback"), HalConfig.defaults("x"), ProviderConfig.defaults("x"));
        final Overlapped ov = new Overlapped();
        assertEquals(Winsock.WSANOTINITIALISED, Winsock.errorOf(p.socket(0)));
        assertEquals(Winsock.WSANOTINITIALISED, p.closeSocket(1 << 24));
        assertEquals(Winsock.WSANOTINITIALISED, p.send(1 << 24, ByteBuffer.allocate(1), 0, 1, ov));
        assertEquals(Winsock.WSANOTINITIALISED, p.recv(1 << 24, ByteBuffer.allocate(1), 0, 1, ov));
        assertEquals(Winsock.WSANOTINITIALISED, p.connect(1 << 24, new SanAddress("127.0.0.1", 1), ov));
        assertEquals(Winsock.WSANOTINITIALISED, p.cleanup());
        assertEquals(Winsock.WSAEFAULT, p.startup(null), "a null upcall table");
        assertTrue(!ov.isPending(), "nothing touched the overlapped");
    }

    /**
     * A HAL that cannot register on an endpoint that already failed or was reset — news the provider has not
     * polled yet — gets the broken connection's code, as every other call would, not "out of memory" (found by
     * SPI fuzzing: a registration right after a bad RDMA key). A healthy endpoint's refusal stays WSAENOBUFS.
     */
    @Test
    void aRegistrationTheHalRefusesAnswersByTheEndpointsStateR9()
    {
        final FakeHal hal = new FakeHal();
        final ProviderCore p = new ProviderCore(hal, HalConfig.defaults("reg"),
            ProviderConfig.defaults("reg").withMaxSockets(2).withCallerDrivenProgress());
        final io.sanref.refswitch.ReferenceSwitch sw = new io.sanref.refswitch.ReferenceSwitch(p, 2, 8);
        assertEquals(0, sw.startup());
        final SwitchSocket s = sw.socket();
        assertEquals(Winsock.WSA_IO_PENDING, sw.connect(s, new SanAddress("127.0.0.1", 1), sw.newOverlapped(false)));
        p.doWork();
        final ByteBuffer memory = ByteBuffer.allocateDirect(16);
        assertEquals(-Winsock.WSAENOBUFS, p.registerMemory(s.descriptor(), memory, MemoryAccess.ALL), "healthy");
        hal.failEndpointsSilently(io.sanref.spi.hal.HalEndpoint.RESET);
        assertEquals(-Winsock.WSAECONNRESET, p.registerMemory(s.descriptor(), memory, MemoryAccess.ALL), "reset");
        hal.failEndpointsSilently(io.sanref.spi.hal.HalEndpoint.ERROR);
        assertEquals(-Winsock.WSAECONNABORTED, p.registerMemory(s.descriptor(), memory, MemoryAccess.ALL), "failed");
        assertEquals(0, sw.closeSocket(s));
        assertEquals(0, sw.cleanup());
    }

    @Test
    void descriptorsNeverIssuedAreNotSocketsR8()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final ProviderCore p = nodes.clientProvider;
            final ByteBuffer b = ByteBuffer.allocate(8);
            final Overlapped ov = new Overlapped();
            for (final long d : NEVER_ISSUED)
            {
                assertEquals(Winsock.WSAENOTSOCK, p.closeSocket(d), "closeSocket(" + d + ")");
                assertEquals(Winsock.WSAENOTSOCK, p.send(d, b, 0, 8, ov), "send(" + d + ")");
                assertEquals(Winsock.WSAENOTSOCK, p.recv(d, b, 0, 8, ov), "recv(" + d + ")");
                assertEquals(Winsock.WSAENOTSOCK, p.getOverlappedResult(d, ov), "getOverlappedResult(" + d + ")");
                assertEquals(Winsock.WSAENOTSOCK, p.bind(d, new SanAddress("127.0.0.1", 0)));
                assertEquals(Winsock.WSAENOTSOCK, p.listen(d, 1));
                assertEquals(Winsock.WSAENOTSOCK, p.connect(d, new SanAddress("127.0.0.1", 1), ov));
                assertEquals(Winsock.WSAENOTSOCK, Winsock.errorOf(p.accept(d, 0)));
                assertEquals(Winsock.WSAENOTSOCK, Winsock.errorOf(p.registerMemory(d, b, MemoryAccess.LOCAL_WRITE)));
                assertEquals(Winsock.WSAENOTSOCK, p.rdmaWrite(d, 1, 0, 1, 1, 0, ov));
            }
        }
    }

    @Test
    void nullOrBusyOverlappedAndBuffersOutOfRangeAreRejectedAtOnce()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket[] pair = nodes.connect();
            final long d = pair[0].descriptor();
            final ProviderCore p = nodes.clientProvider;
            final ByteBuffer b = ByteBuffer.allocate(16);
            final Overlapped ov = new Overlapped();

            assertEquals(Winsock.WSAEFAULT, p.send(d, b, 0, 8, null), "null overlapped");
            assertEquals(Winsock.WSAEFAULT, p.recv(d, null, 0, 8, ov), "null buffer");
            assertEquals(Winsock.WSAEFAULT, p.recv(d, b, 0, -1, ov), "negative length");
            assertEquals(Winsock.WSAEFAULT, p.recv(d, b, -1, 4, ov), "negative offset");
            assertEquals(Winsock.WSAEFAULT, p.recv(d, b, 12, 8, ov), "beyond the buffer");
            assertEquals(Winsock.WSAEFAULT, p.recv(d, b, Integer.MAX_VALUE, Integer.MAX_VALUE, ov), "overflowing range");
            assertEquals(Winsock.WSAEFAULT, p.connect(d, null, ov), "null address");

            final Overlapped busy = nodes.client.newOverlapped(false);
            assertEquals(Winsock.WSA_IO_PENDING, nodes.client.recv(pair[0], b, 0, 8, busy));
            assertEquals(Winsock.WSAEINVAL, p.recv(d, ByteBuffer.allocate(8), 0, 8, busy), "an overlapped still in use");

            final long reg = p.registerMemory(d, ByteBuffer.allocate(64), MemoryAccess.LOCAL_WRITE);
            assertTrue(reg > 0);
            assertEquals(Winsock.WSAEFAULT, p.rdmaWrite(d, reg, 60, 8, 1, 0, ov), "local range outside the registration");
            assertEquals(Winsock.WSAEFAULT, p.rdmaWrite(d, reg, 0, -8, 1, 0, ov), "negative RDMA length");
            assertEquals(Winsock.WSAEFAULT, p.rdmaWrite(d, reg, 0, 8, 1, -1, ov), "negative remote offset");
            assertEquals(Winsock.WSAEFAULT, p.rdmaWrite(d, reg + 1, 0, 8, 1, 0, ov), "a registration never made");
            final SwitchSocket[] other = nodes.connect();
            assertEquals(Winsock.WSAEFAULT, p.rdmaWrite(other[0].descriptor(), reg, 0, 8, 1, 0, ov),
                "a registration of another socket (R9)");
            nodes.client.closeSocket(other[0]);
            nodes.server.closeSocket(other[1]);
            assertEquals(Winsock.WSAEINVAL, Winsock.errorOf(p.registerMemory(d, b, 0x80)), "unknown access bits");
            assertEquals(Winsock.WSAEFAULT, Winsock.errorOf(p.registerMemory(d, null, MemoryAccess.LOCAL_WRITE)));
            assertEquals(Winsock.WSAEINVAL, p.deregisterMemory(d, reg + 1), "deregister something never registered");
            assertEquals(0, p.deregisterMemory(d, reg));
            assertEquals(Winsock.WSAEINVAL, p.deregisterMemory(d, reg), "deregister twice");
            assertTrue(!ov.isPending(), "a rejected call never touches its overlapped");

            nodes.client.closeSocket(pair[0]);
            nodes.server.closeSocket(pair[1]);
        }
    }

    @Test
    void sendOrReceiveBeforeConnectIsNotConnected()
    {
        try (TwoNodes nodes = new TwoNodes())
        {
            final SwitchSocket s = nodes.client.socket();
            final Overlapped ov = new Overlapped();
            assertEquals(Winsock.WSAENOTCONN, nodes.clientProvider.send(s.descriptor(), ByteBuffer.allocate(1), 0, 1, ov));
            assertEquals(Winsock.WSAENOTCONN, nodes.clientProvider.recv(s.descriptor(), ByteBuffer.allocate(1), 0, 1, ov));
            assertEquals(Winsock.WSAEINVAL, nodes.clientProvider.listen(s.descriptor(), 1), "listen before bind");
            assertEquals(Winsock.WSAEINVAL, Winsock.errorOf(nodes.clientProvider.accept(s.descriptor(), 0)),
                "accept on a socket that does not listen");
            assertEquals(0, nodes.client.closeSocket(s), "closing an unconnected socket is fine");
        }
    }

    @Test
    void callsAfterTheFinalCleanupAreNotInitialisedR1()
    {
        final TwoNodes nodes = new TwoNodes();
        final SwitchSocket[] pair = nodes.connect();
        nodes.close();
        final ProviderCore p = nodes.clientProvider;
        final long d = pair[0].descriptor();
        final Overlapped ov = new Overlapped();
        assertEquals(Winsock.WSANOTINITIALISED, p.send(d, ByteBuffer.allocate(1), 0, 1, ov));
        assertEquals(Winsock.WSANOTINITIALISED, p.closeSocket(d));
        assertEquals(Winsock.WSANOTINITIALISED, p.getOverlappedResult(d, ov));
        assertEquals(Winsock.WSANOTINITIALISED, Winsock.errorOf(p.socket(0)));
    }

    /** Counts completion upcalls per overlapped, so a test that bypasses the reference switch can still check A1. */
    private static final class CountingUpcalls implements UpcallTable
    {
        final Map<Overlapped, Integer> completions = Collections.synchronizedMap(new IdentityHashMap<>());
        final AtomicLong handles = new AtomicLong();

        public long createSocketHandle(final long providerDescriptor, final long switchContext)
        {
            return handles.incrementAndGet();
        }

        public int closeSocketHandle(final long switchHandle)
        {
            return 0;
        }

        public int completeOverlappedRequest(final long switchHandle, final Overlapped ov, final int error, final int bytes)
        {
            completions.merge(ov, 1, Integer::sum);
            return 0;
        }

        public long querySocketHandleContext(final long switchHandle)
        {
            return 0;
        }
    }

    @Test
    void randomGarbageNeverEscapesAndEveryTakenOperationCompletesOnce()
    {
        final long seed = Long.getLong("sanref.seed", System.nanoTime());
        System.out.println("randomGarbageNeverEscapesAndEveryTakenOperationCompletesOnce: seed " + seed);
        final Random random = new Random(seed);
        final CountingUpcalls upcalls = new CountingUpcalls();
        final ProviderCore p = new ProviderCore(Hals.find("loopback"), HalConfig.defaults("garbage"),
            ProviderConfig.defaults("garbage").withMaxSockets(8).withOpsPerSocket(32));
        assertEquals(0, p.startup(upcalls));
        final long listener = p.socket(0);
        assertEquals(0, p.bind(listener, new SanAddress("127.0.0.1", 0)));
        assertEquals(0, p.listen(listener, 4));
        final long client = p.socket(0);
        final Overlapped connect = new Overlapped();
        assertEquals(Winsock.WSA_IO_PENDING, p.connect(client, p.localAddress(listener), connect));
        final long[] server = new long[1];
        TwoNodes.await(() -> (server[0] = p.accept(listener, 0)) > 0, "accept");
        TwoNodes.await(() -> !connect.isPending(), "connect");

        final long[] descriptors = {client, server[0], listener, 0, -1, random.nextLong()};
        final List<Overlapped> taken = new ArrayList<>();
        for (int i = 0; i < 20_000; i++)
        {
            final long d = descriptors[random.nextInt(descriptors.length)];
            final ByteBuffer b = random.nextBoolean() ? null : ByteBuffer.allocate(random.nextInt(32));
            final int off = random.nextInt(64) - 16;
            final int len = random.nextInt(64) - 16;
            final Overlapped ov = 0 == random.nextInt(8) ? null : new Overlapped(random.nextInt(4), 0);
            final int rc;
            switch (random.nextInt(7))
            {
                case 0: rc = p.send(d, b, off, len, ov); break;
                case 1: rc = p.recv(d, b, off, len, ov); break;
                case 2: rc = p.getOverlappedResult(d, ov); break;
                case 3: rc = p.rdmaRead(d, random.nextLong(), off, len, random.nextLong(), random.nextLong(), ov); break;
                case 4: rc = p.deregisterMemory(d, random.nextLong()); break;
                case 5: rc = Winsock.errorOf(p.remoteKey(d, random.nextLong())); break;
                default: rc = p.bind(d, null); break;
            }
            assertTrue(rc >= 0, "a Winsock code, not " + rc);
            if (Winsock.WSA_IO_PENDING == rc)
            {
                taken.add(ov);
            }
        }
        assertEquals(0, p.closeSocket(client));
        assertEquals(0, p.closeSocket(server[0]));
        assertEquals(0, p.closeSocket(listener));
        assertEquals(0, p.cleanup());
        for (final Overlapped ov : taken)
        {
            assertTrue(!ov.isPending(), "every taken operation completed");
            final int upcallsSeen = upcalls.completions.getOrDefault(ov, 0);
            assertEquals(ov.suppressesUpcall() ? 0 : 1, upcallsSeen, "exactly one upcall unless the switch polls (R3)");
        }
        assertEquals(0, p.liveSockets());
    }
}
