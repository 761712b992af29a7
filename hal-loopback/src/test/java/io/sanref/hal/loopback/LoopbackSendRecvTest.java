package io.sanref.hal.loopback;

import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackSendRecvTest
{
    static ByteBuffer pattern(final int length, final int seed)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++)
        {
            buffer.put(i, (byte)(seed + i * 31));
        }
        return buffer;
    }

    static byte[] bytes(final ByteBuffer buffer, final int offset, final int length)
    {
        final byte[] copy = new byte[length];
        for (int i = 0; i < length; i++)
        {
            copy[i] = buffer.get(offset + i);
        }
        return copy;
    }

    @Test
    void sendReachesPostedReceiveWithItsBytesAndBothComplete()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer recv = ByteBuffer.allocateDirect(200);
            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postRecv(10, recv, 8, 100));
            final ByteBuffer send = pattern(64, 7);
            assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(20, send, 0, 64));

            pair.pumpUntil("send and recv", () -> pair.serverCompletions.has(10) && pair.clientCompletions.has(20));

            final Completion r = pair.serverCompletions.only(10);
            assertEquals(new Completion(10, HalOpcode.RECV, HalStatus.SUCCESS, 64), r);
            assertEquals(new Completion(20, HalOpcode.SEND, HalStatus.SUCCESS, 64), pair.clientCompletions.only(20));
            assertArrayEquals(bytes(send, 0, 64), bytes(recv, 8, 64));
            assertEquals(0, recv.get(7), "byte before the receive window untouched");
            assertEquals(0, recv.get(72), "byte after the data untouched");
        }
    }

    /**
     * Pipes are pooled (P5): once both ends aborted, the next connection gets them back emptied. Data left in the
     * rings by the first connection (sent, never received) must not reach the second, which must carry exactly
     * its own bytes — and it must really be the same pipes, or this test proves nothing.
     */
    @Test
    void aPipeReusedAfterBothEndsAbortedCarriesNothingOfTheEarlierConnection()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final LoopbackEndpoint firstClient = (LoopbackEndpoint)pair.clientEndpoint;
            assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(1, pattern(100, 3), 0, 100));
            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postSend(2, pattern(100, 4), 0, 100));
            pair.settle();
            pair.clientEndpoint.abort();
            pair.serverEndpoint.abort();
            pair.settle();

            final io.sanref.spi.hal.HalEndpoint client = pair.client.createEndpoint(11);
            assertEquals(HalStatus.SUCCESS, client.connect(pair.listener.localAddress(), 12));
            final io.sanref.spi.hal.HalEndpoint server = pair.listener.accept(13);
            pair.pumpUntil("second connect", () -> pair.clientCompletions.has(12));
            assertEquals(HalStatus.SUCCESS, pair.clientCompletions.only(12).status());
            assertTrue(firstClient.sharesPipesWith((LoopbackEndpoint)client), "the second connection reuses the pipes");

            final ByteBuffer atServer = ByteBuffer.allocate(64);
            final ByteBuffer atClient = ByteBuffer.allocate(64);
            assertEquals(HalStatus.SUCCESS, server.postRecv(20, atServer, 0, 64));
            assertEquals(HalStatus.SUCCESS, client.postRecv(21, atClient, 0, 64));
            assertEquals(HalStatus.SUCCESS, client.postSend(22, pattern(16, 9), 0, 16));
            assertEquals(HalStatus.SUCCESS, server.postSend(23, pattern(24, 8), 0, 24));
            pair.pumpUntil("second connection's data", () -> pair.serverCompletions.has(20) &&
                pair.clientCompletions.has(21));
            assertEquals(16, pair.serverCompletions.only(20).bytes(), "only the second connection's bytes");
            assertEquals(24, pair.clientCompletions.only(21).bytes(), "only the second connection's bytes");
            assertArrayEquals(bytes(pattern(16, 9), 0, 16), bytes(atServer, 0, 16));
            assertArrayEquals(bytes(pattern(24, 8), 0, 24), bytes(atClient, 0, 24));
            client.abort();
            server.abort();
        }
    }

    @Test
    void bothDirectionsCarryDataIndependently()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer atClient = ByteBuffer.allocate(32);
            final ByteBuffer atServer = ByteBuffer.allocate(32);
            pair.clientEndpoint.postRecv(1, atClient, 0, 32);
            pair.serverEndpoint.postRecv(2, atServer, 0, 32);
            pair.clientEndpoint.postSend(3, pattern(32, 1), 0, 32);
            pair.serverEndpoint.postSend(4, pattern(32, 2), 0, 32);

            pair.pumpUntil("all four", () -> pair.clientCompletions.all.size() == 2 &&
                pair.serverCompletions.all.size() == 2);

            assertArrayEquals(bytes(pattern(32, 2), 0, 32), bytes(atClient, 0, 32));
            assertArrayEquals(bytes(pattern(32, 1), 0, 32), bytes(atServer, 0, 32));
        }
    }

    @Test
    void largeSendIsSplitAcrossSmallerReceivesAndCompletesOnlyWhenAllConsumed()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer send = pattern(10_000, 3);
            final ByteBuffer recv = ByteBuffer.allocate(12_000);
            assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(50, send, 0, 10_000));
            for (int i = 0; i < 3; i++)
            {
                assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postRecv(100 + i, recv, i * 3000, 3000));
            }

            pair.pumpUntil("three receives", () -> pair.serverCompletions.all.size() == 3);
            pair.settle();
            for (int i = 0; i < 3; i++)
            {
                assertEquals(3000, pair.serverCompletions.only(100 + i).bytes());
            }
            assertFalse(pair.clientCompletions.has(50), "1000 bytes are still unconsumed, so the send is pending");

            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postRecv(103, recv, 9000, 3000));
            pair.pumpUntil("last receive and the send", () -> pair.clientCompletions.has(50));

            assertEquals(1000, pair.serverCompletions.only(103).bytes());
            assertEquals(
                new Completion(50, HalOpcode.SEND, HalStatus.SUCCESS, 10_000), pair.clientCompletions.only(50));
            assertArrayEquals(bytes(send, 0, 10_000), bytes(recv, 0, 10_000));
        }
    }

    @Test
    void sendLargerThanTheDataRingIsFragmentedAndArrivesWhole()
    {
        final String[] small = {LoopbackOptions.RING_BYTES, "1024"};
        try (LoopbackPair pair = new LoopbackPair(
            LoopbackPair.config("client", 8, 8, small), LoopbackPair.config("server", 8, 8, small)).connect())
        {
            final int length = 100_000;
            final ByteBuffer send = pattern(length, 9);
            final ByteBuffer recv = ByteBuffer.allocate(length);
            assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(1, send, 0, length));

            int received = 0;
            long nextId = 1000;
            while (received < length)
            {
                final long id = nextId++;
                final int chunk = Math.min(4096, length - received);
                assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postRecv(id, recv, received, chunk));
                pair.pumpUntil("receive " + id, () -> pair.serverCompletions.has(id));
                final Completion completion = pair.serverCompletions.only(id);
                assertEquals(HalStatus.SUCCESS, completion.status());
                received += completion.bytes();
            }

            pair.pumpUntil("send completion", () -> pair.clientCompletions.has(1));
            assertEquals(length, pair.clientCompletions.only(1).bytes());
            assertArrayEquals(bytes(send, 0, length), bytes(recv, 0, length));
        }
    }

    @Test
    void dataSentBeforeAnyReceiveIsPostedIsHeldAndDeliveredLaterR10()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer send = pattern(300, 5);
            assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(1, send, 0, 300));
            pair.settle();
            assertFalse(pair.clientCompletions.has(1), "not consumed yet");
            assertEquals(0, pair.serverCompletions.all.size());

            final ByteBuffer recv = ByteBuffer.allocate(512);
            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postRecv(2, recv, 0, 512));
            pair.pumpUntil("delivery", () -> pair.serverCompletions.has(2) && pair.clientCompletions.has(1));

            assertEquals(300, pair.serverCompletions.only(2).bytes());
            assertArrayEquals(bytes(send, 0, 300), bytes(recv, 0, 300));
            assertEquals(HalStatus.SUCCESS, pair.clientCompletions.only(1).status());
        }
    }

    @Test
    void sendsStayPendingWhileThePeerPostsNoReceiveAndCompleteInOrderAfter()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            for (int i = 0; i < 4; i++)
            {
                assertEquals(HalStatus.SUCCESS, pair.clientEndpoint.postSend(10 + i, pattern(100, i), 0, 100));
            }
            pair.settle();
            assertEquals(0, pair.clientCompletions.all.size(), "no send completes without a receive");

            final ByteBuffer recv = ByteBuffer.allocate(400);
            assertEquals(HalStatus.SUCCESS, pair.serverEndpoint.postRecv(99, recv, 0, 400));
            pair.pumpUntil("all sends", () -> pair.clientCompletions.all.size() == 4);

            for (int i = 0; i < 4; i++)
            {
                assertEquals(new Completion(10 + i, HalOpcode.SEND, HalStatus.SUCCESS, 100),
                    pair.clientCompletions.all.get(i));
            }
            assertEquals(400, pair.serverCompletions.only(99).bytes());
        }
    }

    @Test
    void zeroByteReceiveCompletesWhenDataArrivesWithoutConsumingIt()
    {
        try (LoopbackPair pair = LoopbackPair.open().connect())
        {
            final ByteBuffer recv = ByteBuffer.allocate(16);
            pair.serverEndpoint.postRecv(1, recv, 0, 0);
            pair.serverEndpoint.postRecv(2, recv, 0, 16);
            pair.clientEndpoint.postSend(3, pattern(16, 4), 0, 16);

            pair.pumpUntil("both receives", () -> pair.serverCompletions.all.size() == 2);
            assertEquals(0, pair.serverCompletions.only(1).bytes());
            assertEquals(16, pair.serverCompletions.only(2).bytes());
            assertArrayEquals(bytes(pattern(16, 4), 0, 16), bytes(recv, 0, 16));
        }
    }
}
