package io.sanref.hal.rdma;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data path allocates nothing in steady state: after a warm-up, thousands of send/receive round trips through
 * both nodes (posting, soft-HCA execution, verbs CQ, credits, HAL completions) allocate less than one byte per
 * round trip on this thread (0 when run interpreted).
 */
class SteadyStateAllocationTest
{
    private static final int WARM_UP = 20_000;
    private static final int MEASURED = 20_000;
    private static final int BOUND = 100_000;

    private final HalFabric client = new RdmaHalProvider().open(HalConfig.defaults("alloc-client"));
    private final HalFabric server = new RdmaHalProvider().open(HalConfig.defaults("alloc-server"));
    private final ByteBuffer out = ByteBuffer.allocateDirect(256);
    private final ByteBuffer in = ByteBuffer.allocateDirect(256);
    private final CompletionHandler counter = (id, opcode, status, bytes) ->
    {
        if (HalStatus.SUCCESS == status)
        {
            this.completed++;
        }
        else
        {
            this.failed++;
        }
    };
    private long completed;
    private long failed;

    @Test
    void sendReceiveRoundTripsAllocateNothing()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());
        final HalListener listener = server.createListener();
        assertEquals(HalStatus.SUCCESS, listener.listen(new SanAddress("alloc-test", 0), 1));
        final HalEndpoint c = client.createEndpoint(1);
        assertEquals(HalStatus.SUCCESS, c.connect(listener.localAddress(), 1));
        HalEndpoint s = null;
        for (int i = 0; i < BOUND && null == s; i++)
        {
            drive();
            s = listener.accept(2);
        }
        assertNotNull(s);
        for (int i = 0; i < BOUND && 0 == completed; i++)
        {
            drive();
        }
        assertEquals(1, completed, "connected");

        roundTrips(c, s, WARM_UP);
        final long id = Thread.currentThread().getId();
        // What measuring itself costs (the MXBean call may allocate), taken the same way as the measurement.
        final long probe = threads.getThreadAllocatedBytes(id);
        final long overhead = threads.getThreadAllocatedBytes(id) - probe;
        final long before = threads.getThreadAllocatedBytes(id);
        roundTrips(c, s, MEASURED);
        final long allocated = threads.getThreadAllocatedBytes(id) - before - overhead;
        System.out.println("steady state: " + allocated + " bytes over " + MEASURED + " round trips (measuring costs " +
            overhead + ")");

        assertEquals(0, failed);
        // Interpreted (-Xint, no escape analysis) this measures 0: no allocation site on the path. Under the JIT a few
        // bytes may appear once (deoptimization); any per-operation allocation would be >= 16 bytes x MEASURED.
        assertTrue(allocated < MEASURED, allocated + " bytes allocated by " + MEASURED + " round trips");
        c.abort();
        s.abort();
        for (int i = 0; i < BOUND && (0 != client.counters().get("endpoints_live") ||
            0 != server.counters().get("endpoints_live")); i++)
        {
            drive();
        }
        client.close();
        server.close();
    }

    private void roundTrips(final HalEndpoint c, final HalEndpoint s, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final long target = completed + 2;
            if (HalStatus.SUCCESS != s.postRecv(i, in, 0, 256) || HalStatus.SUCCESS != c.postSend(i, out, 0, 256))
            {
                failed++;
                return;
            }
            for (int round = 0; round < BOUND && completed < target; round++)
            {
                drive();
            }
        }
    }

    private void drive()
    {
        client.progress();
        server.progress();
        client.poll(counter, 64);
        server.poll(counter, 64);
    }
}
