package io.sanref.hal.rdma;

import io.sanref.spi.MemoryAccess;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HAL over the soft engine, end to end between two nodes: stream delivery, credits, close by QP→ERR, keys. */
class RdmaHalTest
{
    private static final int ROUNDS = 200_000;

    private final HalFabric client = new RdmaHalProvider().open(config("client"));
    private final HalFabric server = new RdmaHalProvider().open(config("server"));
    private final List<long[]> clientDone = new ArrayList<>();
    private final List<long[]> serverDone = new ArrayList<>();
    private HalEndpoint c;
    private HalEndpoint s;

    private static HalConfig config(final String name)
    {
        // Small private buffers so sends are cut into chunks and credits run out.
        return new HalConfig(name, 32, 32, 5_000, Map.of("rdma.bounceBuffers", "2", "rdma.bounceBytes", "256"));
    }

    @AfterEach
    void close()
    {
        client.close();
        server.close();
    }

    @Test
    void aLargeSendArrivesWholeAsAStreamAndCompletesOnlyOnceConsumed()
    {
        connect();
        final long seed = Long.getLong("sanref.seed", System.nanoTime());
        System.out.println("RdmaHalTest seed " + seed + " (rerun with -Dsanref.seed=" + seed + ")");
        final Random random = new Random(seed);
        final byte[] data = new byte[5_000];
        random.nextBytes(data);
        assertEquals(HalStatus.SUCCESS, c.postSend(1, ByteBuffer.wrap(data), 0, data.length));
        drive(() -> false, 2_000);
        assertTrue(clientDone.isEmpty(), "no receive posted: the send is still pending (credits ran out)");

        final ByteBuffer in = ByteBuffer.allocate(data.length);
        int received = 0;
        long wrId = 100;
        while (received < data.length)
        {
            final int length = Math.min(1 + random.nextInt(1_500), data.length - received);
            assertEquals(HalStatus.SUCCESS, s.postRecv(wrId, in, received, length));
            final long id = wrId++;
            drive(() -> serverDone.stream().anyMatch((d) -> d[0] == id), ROUNDS);
            final long[] done = serverDone.stream().filter((d) -> d[0] == id).findFirst().orElseThrow();
            assertEquals(HalStatus.SUCCESS, done[2]);
            assertTrue(done[3] > 0 && done[3] <= length);
            received += (int)done[3];
        }
        assertTrue(java.util.Arrays.equals(data, in.array()), "the bytes arrived in order");
        drive(() -> !clientDone.isEmpty(), ROUNDS);
        assertEquals(List.of(1L, (long)HalOpcode.SEND, (long)HalStatus.SUCCESS, (long)data.length),
            List.of(clientDone.get(0)[0], clientDone.get(0)[1], clientDone.get(0)[2], clientDone.get(0)[3]));
    }

    @Test
    void abortFlushesEverythingWithZeroBytesAndThePeerSeesAResetBeforeItsFlushes()
    {
        connect();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(HalStatus.SUCCESS, c.postSend(10 + i, ByteBuffer.allocate(600), 0, 600));
            assertEquals(HalStatus.SUCCESS, c.postRecv(20 + i, ByteBuffer.allocate(64), 0, 64));
            assertEquals(HalStatus.SUCCESS, s.postRecv(30 + i, ByteBuffer.allocate(1), 0, 0 == i ? 1 : 1));
        }
        drive(() -> serverDone.size() >= 4, ROUNDS);
        serverDone.clear();
        for (int i = 0; i < 2; i++)
        {
            assertEquals(HalStatus.SUCCESS, s.postRecv(40 + i, ByteBuffer.allocate(8), 0, 8));
        }
        c.abort();
        assertEquals(HalStatus.FLUSHED, c.postSend(99, ByteBuffer.allocate(8), 0, 8), "posts after abort fail");
        drive(() -> clientDone.size() >= 8 && serverDone.size() >= 3, ROUNDS);

        for (final long[] d : clientDone)
        {
            assertEquals(HalStatus.FLUSHED, d[2], "request " + d[0]);
            assertEquals(0, d[3], "0 bytes for request " + d[0]);
        }
        assertEquals(HalOpcode.EVENT_PEER_RESET, serverDone.get(0)[1], "the reset event comes first");
        assertEquals(7, serverDone.get(0)[0], "with the endpoint's context");
        assertEquals(HalStatus.REMOTE_RESET, serverDone.get(1)[2]);
        assertEquals(HalStatus.REMOTE_RESET, serverDone.get(2)[2]);
        assertEquals(HalEndpoint.RESET, s.state());
        assertEquals(HalStatus.REMOTE_RESET, s.postRecv(98, ByteBuffer.allocate(8), 0, 8));

        s.abort();
        drive(() -> 0 == client.counters().get("endpoints_live") && 0 == server.counters().get("endpoints_live"),
            ROUNDS);
        for (final HalFabric f : List.of(client, server))
        {
            final Map<String, Long> counters = f.counters();
            assertEquals(0L, counters.get("qps_live"), counters.toString());
            assertEquals(0L, counters.get("mrs_live"), counters.toString());
            assertEquals(0L, counters.get("pds_live"), counters.toString());
            assertEquals(8192L, counters.get("credits_free"), counters.toString());
        }
    }

    @Test
    void aWrongKeyIsARemoteAccessErrorThatEndsTheConnection()
    {
        connect();
        final ByteBuffer target = ByteBuffer.allocateDirect(128);
        final HalMemoryRegion remote = s.registerMemory(target, MemoryAccess.REMOTE_WRITE);
        final HalMemoryRegion local = c.registerMemory(ByteBuffer.allocateDirect(128), MemoryAccess.LOCAL_WRITE);
        assertNotNull(remote);
        assertNotNull(local);
        assertEquals(HalStatus.SUCCESS, c.postRecv(5, ByteBuffer.allocate(8), 0, 8));
        assertEquals(HalStatus.SUCCESS, c.postRdmaWrite(6, local, 0, 64, remote.remoteKey() + 1, 0));
        assertEquals(HalStatus.SUCCESS, c.postRdmaWrite(7, local, 0, 64, remote.remoteKey(), 0));
        drive(() -> clientDone.size() >= 3 && !serverDone.isEmpty(), ROUNDS);

        assertEquals(6, clientDone.get(0)[0]);
        assertEquals(HalStatus.REMOTE_ACCESS_ERROR, clientDone.get(0)[2]);
        assertEquals(HalStatus.FLUSHED, clientDone.get(1)[2], "queued behind it");
        assertEquals(HalStatus.FLUSHED, clientDone.get(2)[2], "the receive");
        assertEquals(HalEndpoint.ERROR, c.state());
        assertEquals(HalOpcode.EVENT_PEER_RESET, serverDone.get(0)[1], "the peer sees a reset");
        for (int i = 0; i < target.capacity(); i++)
        {
            assertEquals(0, target.get(i), "nothing written");
        }
    }

    @Test
    void eachQueuePairReservesItsWorstCaseInTheVerbsCqSoTheCqCannotOverflow()
    {
        // Depth 32 + 2 private buffers: a QP needs (32 + 2 + 2) + 2 = 38 entries; 64 fit one QP, not two.
        final HalFabric small = new RdmaHalProvider().open(new HalConfig("small", 32, 32, 5_000,
            Map.of("rdma.bounceBuffers", "2", "rdma.bounceBytes", "256", "rdma.cqEntries", "64")));
        try
        {
            final HalListener listener = server.createListener();
            assertEquals(HalStatus.SUCCESS, listener.listen(new SanAddress("rdma-cq-test", 0), 4));
            final HalEndpoint first = small.createEndpoint(1);
            final HalEndpoint second = small.createEndpoint(2);
            assertEquals(HalStatus.SUCCESS, first.connect(listener.localAddress(), 1));
            assertEquals(26L, small.counters().get("verbs_cq_entries_free"));
            assertEquals(HalStatus.NO_RESOURCES, second.connect(listener.localAddress(), 2));
            first.abort();
            second.abort();
            listener.close();
            for (int i = 0; i < ROUNDS && 0 != small.counters().get("endpoints_live"); i++)
            {
                small.progress();
                small.poll((id, op, st, b) -> clientDone.add(new long[]{id, op, st, b}), 64);
                server.progress();
            }
            assertEquals(64L, small.counters().get("verbs_cq_entries_free"), "the reservation came back");
            assertEquals(0L, small.counters().get("verbs_cq_overflows"));
        }
        finally
        {
            small.close();
        }
    }

    private void connect()
    {
        final HalListener listener = server.createListener();
        assertEquals(HalStatus.SUCCESS, listener.listen(new SanAddress("rdma-test", 0), 4));
        c = client.createEndpoint(3);
        assertEquals(HalStatus.SUCCESS, c.connect(listener.localAddress(), 77));
        final HalEndpoint[] accepted = new HalEndpoint[1];
        drive(() -> null != accepted[0] || null != (accepted[0] = listener.accept(7)), ROUNDS);
        s = accepted[0];
        drive(() -> !clientDone.isEmpty(), ROUNDS);
        assertEquals(List.of(77L, (long)HalOpcode.CONNECT, (long)HalStatus.SUCCESS),
            List.of(clientDone.get(0)[0], clientDone.get(0)[1], clientDone.get(0)[2]));
        clientDone.clear();
        assertEquals(HalEndpoint.ACTIVE, c.state());
        assertEquals(HalEndpoint.ACTIVE, s.state());
        assertEquals(c.connectionId(), s.connectionId());
        assertEquals(listener.localAddress(), c.remoteAddress());
        assertEquals(listener.localAddress().host(), s.remoteAddress().host(), "the initiator's source address");
    }

    /** Drive both nodes until the condition holds, at most {@code rounds} times (a bound, not a clock). */
    private void drive(final BooleanSupplier until, final int rounds)
    {
        for (int i = 0; i < rounds && !until.getAsBoolean(); i++)
        {
            client.progress();
            server.progress();
            client.poll((id, op, st, b) -> clientDone.add(new long[]{id, op, st, b}), 64);
            server.poll((id, op, st, b) -> serverDone.add(new long[]{id, op, st, b}), 64);
        }
    }
}
