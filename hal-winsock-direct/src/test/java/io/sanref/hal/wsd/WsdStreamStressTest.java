package io.sanref.hal.wsd;

import io.sanref.spi.MemoryAccess;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Seeded stress of the data path: sends and receives of random sizes (many larger than the receive window and the
 * I/O buffers, so they are cut into frames and flow-controlled), and RDMA writes and reads of random sizes and
 * offsets (fragmented); every byte checked. Prints its seed; {@code -Dsanref.seed=N} replays one.
 */
class WsdStreamStressTest
{
    private static final int ROUNDS = Integer.getInteger("sanref.wsd.stress.rounds", 300);
    private static final int REGION = 256 * 1024;

    @Test
    void randomSendsAndRdmaArriveIntactAndInOrder()
    {
        final long seed = Long.getLong("sanref.seed", System.nanoTime());
        System.out.println("WsdStreamStressTest seed " + seed + " (-Dsanref.seed=" + seed + " to replay), " + ROUNDS +
            " rounds");
        final Random random = new Random(seed);
        try (Driver server = new Driver("stress-server", Map.of(WsdOptions.RECV_WINDOW_BYTES, "4096"));
             Driver client = new Driver("stress-client", Map.of(WsdOptions.IO_BUFFER_BYTES, "2048")))
        {
            final HalListener listener = server.listen();
            final HalEndpoint c = client.fabric.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, c.connect(listener.localAddress(), 1));
            final HalEndpoint s = server.awaitAccept(listener, 2);
            assertEquals(HalStatus.SUCCESS, client.awaitCompletion(1, HalOpcode.CONNECT).status());

            final ByteBuffer localBuf = ByteBuffer.allocateDirect(REGION);
            final ByteBuffer remoteBuf = ByteBuffer.allocate(REGION);
            final HalMemoryRegion local = c.registerMemory(localBuf, MemoryAccess.LOCAL_WRITE);
            final HalMemoryRegion remote = s.registerMemory(remoteBuf, MemoryAccess.REMOTE_READ | MemoryAccess.REMOTE_WRITE);
            assertNotNull(local);
            assertNotNull(remote);

            long id = 100;
            long streamPos = 0;
            for (int round = 0; round < ROUNDS; round++)
            {
                final String where = "round " + round + " (seed " + seed + ")";
                if (random.nextBoolean())
                {
                    // Client -> server stream: one send, received with receives of random sizes.
                    final int length = 1 + random.nextInt(random.nextBoolean() ? 300 : 150_000);
                    final ByteBuffer out = ByteBuffer.allocate(length + 7);
                    for (int i = 0; i < length; i++)
                    {
                        out.put(7 + i, streamByte(streamPos + i, seed));
                    }
                    final long sendId = id++;
                    assertEquals(HalStatus.SUCCESS, c.postSend(sendId, out, 7, length), where);
                    int got = 0;
                    while (got < length)
                    {
                        final int want = 1 + random.nextInt(70_000);
                        final ByteBuffer in = ByteBuffer.allocate(want + 3);
                        final long recvId = id++;
                        assertEquals(HalStatus.SUCCESS, s.postRecv(recvId, in, 3, want), where);
                        final Driver.Completion r = server.awaitCompletion(recvId, HalOpcode.RECV);
                        assertEquals(HalStatus.SUCCESS, r.status(), where);
                        for (int i = 0; i < r.bytes(); i++)
                        {
                            assertEquals(streamByte(streamPos + got + i, seed), in.get(3 + i),
                                where + ": stream byte " + (streamPos + got + i));
                        }
                        got += r.bytes();
                    }
                    assertEquals(length, got, where + ": a receive took bytes of a later send");
                    final Driver.Completion sc = client.awaitCompletion(sendId, HalOpcode.SEND);
                    assertEquals(HalStatus.SUCCESS, sc.status(), where);
                    assertEquals(length, sc.bytes(), where);
                    streamPos += length;
                }
                else
                {
                    final int length = random.nextInt(REGION / 2);
                    final int at = random.nextInt(REGION - length + 1);
                    final byte salt = (byte)random.nextInt();
                    for (int i = 0; i < length; i++)
                    {
                        localBuf.put(i, (byte)(i * 7 + salt));
                    }
                    final long w = id++;
                    assertEquals(HalStatus.SUCCESS, c.postRdmaWrite(w, local, 0, length, remote.remoteKey(), at), where);
                    final Driver.Completion wc = client.awaitCompletion(w, HalOpcode.RDMA_WRITE);
                    assertEquals(HalStatus.SUCCESS, wc.status(), where);
                    assertEquals(length, wc.bytes(), where);
                    for (int i = 0; i < length; i++)
                    {
                        assertEquals((byte)(i * 7 + salt), remoteBuf.get(at + i), where + ": remote byte " + (at + i));
                    }
                    final int back = REGION / 2;
                    final long r = id++;
                    assertEquals(HalStatus.SUCCESS, c.postRdmaRead(r, local, back, length, remote.remoteKey(), at), where);
                    assertEquals(HalStatus.SUCCESS, client.awaitCompletion(r, HalOpcode.RDMA_READ).status(), where);
                    for (int i = 0; i < length; i++)
                    {
                        assertEquals((byte)(i * 7 + salt), localBuf.get(back + i), where + ": read-back byte " + i);
                    }
                }
            }
            c.abort();
            s.abort();
            listener.close();
        }
    }

    private static byte streamByte(final long position, final long seed)
    {
        return (byte)(position * 31 + (position >>> 8) + seed);
    }
}
