package io.sanref.hal.wsd;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The steady-state send/receive path allocates nothing on the progress thread (its own allocation counter, from
 * {@code com.sun.management.ThreadMXBean}, measured over many round trips after a warm-up). Not a timing test.
 */
class WsdAllocationTest
{
    private static final int WARMUP = 20_000;
    private static final int MEASURED = 20_000;

    /** Counts completions without allocating. */
    private static final class Counter implements CompletionHandler
    {
        volatile long sends;
        volatile long recvs;
        volatile long failures;

        public void onCompletion(final long id, final int opcode, final int status, final int bytes)
        {
            if (HalStatus.SUCCESS != status)
            {
                failures++;
            }
            else if (HalOpcode.SEND == opcode)
            {
                sends++;
            }
            else if (HalOpcode.RECV == opcode)
            {
                recvs++;
            }
        }
    }

    @Test
    void sendAndReceiveAllocateNothingOnTheProgressThread() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemorySupported())
        {
            org.junit.jupiter.api.Assumptions.abort("this JVM does not count per-thread allocation");
        }
        threads.setThreadAllocatedMemoryEnabled(true);
        final WsdFabric server = new WsdFabric(new HalConfig("alloc-server", 16, 16, 5_000, Map.of()));
        final WsdFabric client = new WsdFabric(new HalConfig("alloc-client", 16, 16, 5_000, Map.of()));
        final Counter serverCq = new Counter();
        final Counter clientCq = new Counter();
        final long[] allocated = new long[1];
        final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        final Thread progress = new Thread(() ->
        {
            while (running.get())
            {
                client.progress();
                client.poll(clientCq, 16);
                server.progress();
                server.poll(serverCq, 16);
            }
        }, "alloc-progress");
        progress.start();
        try
        {
            final HalListener l = server.createListener();
            assertEquals(HalStatus.SUCCESS, l.listen(new SanAddress("127.0.0.1", 0), 4));
            final HalEndpoint c = client.createEndpoint(1);
            assertEquals(HalStatus.SUCCESS, c.connect(l.localAddress(), 1));
            HalEndpoint s = null;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (null == s || HalEndpoint.ACTIVE != c.state())
            {
                if (null == s)
                {
                    s = l.accept(2);
                }
                if (System.nanoTime() > deadline)
                {
                    fail("connect did not complete");
                }
                Thread.yield();
            }
            final ByteBuffer out = ByteBuffer.allocateDirect(64);
            final ByteBuffer in = ByteBuffer.allocateDirect(64);
            roundTrips(c, s, out, in, serverCq, clientCq, WARMUP);
            final long before = threads.getThreadAllocatedBytes(progress.getId());
            roundTrips(c, s, out, in, serverCq, clientCq, MEASURED);
            allocated[0] = threads.getThreadAllocatedBytes(progress.getId()) - before;
            System.out.println("wsd progress thread allocated " + allocated[0] + " bytes over " + MEASURED +
                " send/receive round trips (" + (double)allocated[0] / MEASURED + " B/op)");
            assertEquals(0, serverCq.failures + clientCq.failures);
            c.abort();
            s.abort();
            l.close();
        }
        finally
        {
            running.set(false);
            progress.join(10_000);
            client.close();
            server.close();
        }
        assertTrue(allocated[0] < MEASURED, "the progress thread allocated " + allocated[0] + " bytes over " +
            MEASURED + " round trips: the steady-state path must not allocate (under 1 byte per round trip)");
    }

    private static void roundTrips(final HalEndpoint c, final HalEndpoint s, final ByteBuffer out, final ByteBuffer in,
        final Counter serverCq, final Counter clientCq, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final long recvs = serverCq.recvs;
            final long sends = clientCq.sends;
            assertEquals(HalStatus.SUCCESS, s.postRecv(i, in, 0, 32));
            assertEquals(HalStatus.SUCCESS, c.postSend(i, out, 0, 32));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (serverCq.recvs == recvs || clientCq.sends == sends)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("round trip " + i + " did not complete within 10 s");
                }
                Thread.onSpinWait();
            }
        }
    }
}
