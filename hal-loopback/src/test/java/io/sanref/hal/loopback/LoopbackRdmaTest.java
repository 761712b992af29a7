package io.sanref.hal.loopback;

import io.sanref.spi.MemoryAccess;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.sanref.hal.loopback.LoopbackSendRecvTest.bytes;
import static io.sanref.hal.loopback.LoopbackSendRecvTest.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackRdmaTest
{
    private static final int REMOTE_ALL = MemoryAccess.REMOTE_READ | MemoryAccess.REMOTE_WRITE;

    private static void assertUntouched(final ByteBuffer buffer)
    {
        for (int i = 0; i < buffer.capacity(); i++)
        {
            assertEquals(0, buffer.get(i), "byte " + i + " of the target was written");
        }
    }

    /** Post one RDMA write from the client into the server's region and return its completion. */
    private static Completion write(
        final LoopbackPair pair, final HalMemoryRegion local, final int length, final long key, final long offset)
    {
        assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postRdmaWrite(900, local, 0, length, key, offset));
        pair.pumpUntil("rdma write", () -> pair.clientCompletions.has(900));
        return pair.clientCompletions.only(900);
    }

    private static HalMemoryRegion source(final LoopbackPair pair, final int length)
    {
        final ByteBuffer buffer = pattern(length, 42);
        final HalMemoryRegion region = pair.clientEndpoint.registerMemory(buffer, MemoryAccess.LOCAL_WRITE);
        assertNotNull(region);
        return region;
    }

    @Test
    void rdmaWriteLandsInThePeersRegionAtTheOffset()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocateDirect(64);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(target, REMOTE_ALL);
            final HalMemoryRegion local = source(pair, 32);
            assertNotEquals(0, remote.remoteKey());

            assertEquals(new Completion(900, HalOpcode.RDMA_WRITE, HalStatus.SUCCESS, 32),
                write(pair, local, 32, remote.remoteKey(), 16));

            assertArrayEquals(bytes(local.buffer(), 0, 32), bytes(target, 16, 32));
            assertEquals(0, target.get(15));
            assertEquals(0, target.get(48));
            assertEquals(0, pair.serverCompletions.all.size(), "one-sided: the target sees nothing");
        }
    }

    @Test
    void rdmaReadFetchesThePeersRegionIntoTheLocalRegion()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer exposed = pattern(64, 9);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(exposed, MemoryAccess.REMOTE_READ);
            final ByteBuffer sink = ByteBuffer.allocate(64);
            final HalMemoryRegion local = pair.clientEndpoint.registerMemory(sink, MemoryAccess.LOCAL_WRITE);

            assertEquals(
                HalStatus.SUCCESS, pair.clientEndpoint.postRdmaRead(901, local, 8, 40, remote.remoteKey(), 24));
            pair.pumpUntil("rdma read", () -> pair.clientCompletions.has(901));

            assertEquals(
                new Completion(901, HalOpcode.RDMA_READ, HalStatus.SUCCESS, 40), pair.clientCompletions.only(901));
            assertArrayEquals(bytes(exposed, 24, 40), bytes(sink, 8, 40));
        }
    }

    @Test
    void wrongKeyIsARemoteAccessErrorAndWritesNothingR9()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocate(64);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(target, REMOTE_ALL);

            final long guessed = remote.remoteKey() ^ (1L << 45);
            assertEquals(HalStatus.REMOTE_ACCESS_ERROR, write(pair, source(pair, 16), 16, guessed, 0).status());
            assertUntouched(target);
        }
    }

    @Test
    void outOfBoundsIsARemoteAccessErrorAndWritesNothingR9()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocate(64);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(target, REMOTE_ALL);

            assertEquals(
                HalStatus.REMOTE_ACCESS_ERROR, write(pair, source(pair, 32), 32, remote.remoteKey(), 40).status());
            assertUntouched(target);
        }
    }

    @Test
    void negativeRemoteOffsetIsARemoteAccessError()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocate(64);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(target, REMOTE_ALL);

            assertEquals(
                HalStatus.REMOTE_ACCESS_ERROR, write(pair, source(pair, 8), 8, remote.remoteKey(), -8).status());
            assertUntouched(target);
        }
    }

    @Test
    void writeWithoutRemoteWriteAccessIsARemoteAccessErrorR9()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocate(64);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(target, MemoryAccess.REMOTE_READ);

            assertEquals(
                HalStatus.REMOTE_ACCESS_ERROR, write(pair, source(pair, 8), 8, remote.remoteKey(), 0).status());
            assertUntouched(target);
        }
    }

    @Test
    void readWithoutRemoteReadAccessIsARemoteAccessError()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalMemoryRegion remote =
                pair.serverEndpoint.registerMemory(pattern(64, 1), MemoryAccess.REMOTE_WRITE);
            final ByteBuffer sink = ByteBuffer.allocate(64);
            final HalMemoryRegion local = pair.clientEndpoint.registerMemory(sink, MemoryAccess.LOCAL_WRITE);

            pair.clientEndpoint.postRdmaRead(902, local, 0, 8, remote.remoteKey(), 0);
            pair.pumpUntil("read", () -> pair.clientCompletions.has(902));
            assertEquals(HalStatus.REMOTE_ACCESS_ERROR, pair.clientCompletions.only(902).status());
            assertUntouched(sink);
        }
    }

    @Test
    void readIntoALocalRegionWithoutLocalWriteIsARemoteAccessError()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(pattern(64, 1), MemoryAccess.REMOTE_READ);
            final ByteBuffer sink = ByteBuffer.allocate(64);
            final HalMemoryRegion local = pair.clientEndpoint.registerMemory(sink, MemoryAccess.REMOTE_READ);

            pair.clientEndpoint.postRdmaRead(903, local, 0, 8, remote.remoteKey(), 0);
            pair.pumpUntil("read", () -> pair.clientCompletions.has(903));
            assertEquals(HalStatus.REMOTE_ACCESS_ERROR, pair.clientCompletions.only(903).status());
            assertUntouched(sink);
        }
    }

    @Test
    void deregisteredRegionsKeyFailsAndWritesNothingR9()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocate(64);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(target, REMOTE_ALL);
            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.deregisterMemory(remote));
            assertFalse(remote.isValid());
            assertEquals(HalStatus.INVALID, pair.serverEndpoint.deregisterMemory(remote), "only once");

            final HalMemoryRegion again = pair.serverEndpoint.registerMemory(target, REMOTE_ALL);
            assertNotEquals(remote.remoteKey(), again.remoteKey(), "a recycled slot gets a fresh key");

            assertEquals(
                HalStatus.REMOTE_ACCESS_ERROR, write(pair, source(pair, 8), 8, remote.remoteKey(), 0).status());
            assertUntouched(target);
        }
    }

    @Test
    void accessAfterThePeerClosedFailsWritesNothingAndTheInitiatorSeesTheResetR9()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocate(64);
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(target, REMOTE_ALL);
            final HalMemoryRegion local = source(pair, 8);

            pair.serverEndpoint.abort();
            assertFalse(remote.isValid(), "abort invalidates the peer's regions");

            assertEquals(HalStatus.REMOTE_ACCESS_ERROR, write(pair, local, 8, remote.remoteKey(), 0).status());
            assertUntouched(target);
            pair.settle();
            assertEquals(HalEndpoint.RESET, pair.clientEndpoint.state());
            assertTrue(pair.clientCompletions.indexOf(LoopbackPair.CLIENT_CONTEXT, HalOpcode.EVENT_PEER_RESET) >= 0);
        }
    }

    @Test
    void keyIsValidOnlyOnItsOwnConnectionR9()
    {
        try (LoopbackPair first = LoopbackPair.open().connect();
            LoopbackPair second = LoopbackPair.open().connect())
        {
            final ByteBuffer target = ByteBuffer.allocate(64);
            final HalMemoryRegion foreign = first.serverEndpoint.registerMemory(target, REMOTE_ALL);

            assertEquals(HalStatus.REMOTE_ACCESS_ERROR,
                write(second, source(second, 8), 8, foreign.remoteKey(), 0).status());
            assertUntouched(target);
        }
    }

    @Test
    void failedAccessMovesTheInitiatorToErrorAndFlushesItsOtherRequests()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalEndpoint client = pair.clientEndpoint;
            assertEquals(HalStatus.SUCCESS, client.postRecv(1, ByteBuffer.allocate(8), 0, 8));
            assertEquals(HalStatus.SUCCESS, client.postSend(2, pattern(8, 0), 0, 8));
            assertEquals(HalStatus.SUCCESS, client.postRdmaWrite(3, source(pair, 8), 0, 8, 12345, 0));
            pair.pumpUntil("three completions", () -> pair.clientCompletions.all.size() == 3);
            pair.settle();

            assertEquals(HalEndpoint.ERROR, client.state());
            assertEquals(HalStatus.REMOTE_ACCESS_ERROR, pair.clientCompletions.only(3).status());
            assertEquals(HalStatus.FLUSHED, pair.clientCompletions.only(1).status());
            assertEquals(HalStatus.FLUSHED, pair.clientCompletions.only(2).status());
            assertEquals(3, pair.clientCompletions.all.size());
            assertEquals(HalEndpoint.RESET, pair.serverEndpoint.state(), "the peer learns the connection is gone");
        }
    }

    @Test
    void localRegionOfAnotherEndpointOrOutOfBoundsIsInvalidAtPost()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final HalMemoryRegion remote = pair.serverEndpoint.registerMemory(ByteBuffer.allocate(64), REMOTE_ALL);
            final HalMemoryRegion local = source(pair, 16);
            assertEquals(HalStatus.INVALID, pair.clientEndpoint.postRdmaWrite(1, remote, 0, 8, remote.remoteKey(), 0));
            assertEquals(HalStatus.INVALID, pair.clientEndpoint.postRdmaWrite(2, local, 8, 16, remote.remoteKey(), 0));
            assertEquals(HalStatus.INVALID, pair.clientEndpoint.postRdmaWrite(3, null, 0, 8, remote.remoteKey(), 0));
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size());
        }
    }

    @Test
    void regionTableFullReturnsNull()
    {
        final String[] two = {LoopbackOptions.REGIONS_PER_ENDPOINT, "2"};
        try (LoopbackPair pair = new LoopbackPair(
            LoopbackPair.config("client", 4, 4, two), LoopbackPair.config("server", 4, 4, two)).connect())
        {
            assertNotNull(pair.clientEndpoint.registerMemory(ByteBuffer.allocate(8), MemoryAccess.ALL));
            assertNotNull(pair.clientEndpoint.registerMemory(ByteBuffer.allocate(8), MemoryAccess.ALL));
            assertEquals(null, pair.clientEndpoint.registerMemory(ByteBuffer.allocate(8), MemoryAccess.ALL));
        }
    }
}
