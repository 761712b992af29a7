package io.sanref.it;

import io.sanref.provider.ProviderConfig;
import io.sanref.provider.ProviderCore;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.File;
import java.lang.ref.Reference;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * After 100,000 create/connect/close cycles on a HAL — each with a registration and operations pending at close —
 * socket-table slots, registrations, the HAL's own gauges (credits, endpoints, listeners), direct memory and file
 * descriptors are back to their starting values. Measured, then asserted.
 */
class LeakIT
{
    private static final long BOUND_MS = 10_000;
    private static final int CYCLES = Integer.getInteger("sanref.leak.cycles", 100_000);
    static Stream<String> hals()
    {
        return Hals.all().stream().filter((h) -> null == h.unavailableReason()).map(HalProvider::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hals")
    void everyTableIsBackWhereItStartedAfterAHundredThousandCycles(final String halName)
    {
        final HalProvider hal = Hals.find(halName);
        // Every HAL runs the full count: wsd's are real TCP connects and handshakes (about 40 s on an idle 2-core
        // machine); -Dsanref.leak.cycles=N for a quicker look.
        final int cycles = CYCLES;
        final boolean rdma = hal.capabilities().contains(HalCapability.RDMA);
        final ProviderCore clientProvider = provider(hal, "leak-client");
        final ProviderCore serverProvider = provider(hal, "leak-server");
        final ReferenceSwitch client = new ReferenceSwitch(clientProvider, 16, 16);
        final ReferenceSwitch server = new ReferenceSwitch(serverProvider, 16, 16);
        assertEquals(0, client.startup());
        assertEquals(0, server.startup());
        final SwitchSocket listener = server.socket();
        assertEquals(0, server.bind(listener, new SanAddress("127.0.0.1", 0)));
        assertEquals(0, server.listen(listener, 4));
        final SanAddress address = serverProvider.localAddress(listener.descriptor());
        final Overlapped connect = client.newOverlapped(false);
        final Overlapped clientRecv = client.newOverlapped(false);
        final Overlapped serverRecv = server.newOverlapped(false);
        final ByteBuffer clientBuffer = ByteBuffer.allocateDirect(64);
        final ByteBuffer serverBuffer = ByteBuffer.allocateDirect(64);

        final Runnable cycle = new Runnable()
        {
            int i;

            public void run()
            {
                final SwitchSocket c = client.socket();
                assertEquals(Winsock.WSA_IO_PENDING, client.connect(c, address, connect));
                final SwitchSocket[] s = new SwitchSocket[1];
                await(() -> null != s[0] || null != (s[0] = server.accept(listener)), () -> "accept in cycle " + i +
                    " (last accept error " + server.lastAcceptError() + ", connect " + connect + ", client hal " +
                    clientProvider.halCounters() + ", server hal " + serverProvider.halCounters() + ")");
                await(() -> !client.isOutstanding(connect), "connect");
                assertEquals(0, connect.offsetHigh(), "connect completed with " + connect.offsetHigh());
                if (rdma && 0 == (i & 3))
                {
                    assertTrue(client.registerMemory(c, clientBuffer, MemoryAccess.LOCAL_WRITE) > 0);
                    assertTrue(server.registerMemory(s[0], serverBuffer, MemoryAccess.REMOTE_WRITE) > 0);
                }
                assertEquals(Winsock.WSA_IO_PENDING, client.recv(c, clientBuffer, 0, 64, clientRecv));
                assertEquals(Winsock.WSA_IO_PENDING, server.recv(s[0], serverBuffer, 0, 64, serverRecv));
                final long ch = c.handle();
                final long sh = s[0].handle();
                if (0 == (i++ & 1))
                {
                    assertEquals(0, client.closeSocket(c));
                    assertEquals(0, server.closeSocket(s[0]));
                }
                else
                {
                    assertEquals(0, server.closeSocket(s[0]));
                    assertEquals(0, client.closeSocket(c));
                }
                await(() -> c.isHandleClosed(ch) && s[0].isHandleClosed(sh), "both final upcalls");
                await(() -> !client.isOutstanding(clientRecv) && !server.isOutstanding(serverRecv), "aborted receives");
            }
        };

        for (int i = 0; i < 500; i++)
        {
            cycle.run();
        }
        final Map<String, Long> before = settle(clientProvider, serverProvider, null);
        final long start = System.nanoTime();
        for (int i = 0; i < cycles; i++)
        {
            cycle.run();
        }
        final long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start);
        final Map<String, Long> after = settle(clientProvider, serverProvider, before);
        // The test's own buffers must still count in "after", or the JIT lets GC free them and the gauge drops.
        Reference.reachabilityFence(clientBuffer);
        Reference.reachabilityFence(serverBuffer);
        System.out.println(halName + ": " + cycles + " cycles in " + micros / 1000 + " ms; before " + before +
            "; after " + after);

        final Map<String, Long> leaked = leaked(before, after);
        Reliability.record("leaks-" + halName.replace(':', '-'),
            Map.of("leak_cycles", (long)cycles, "leaks", (long)leaked.size()));
        assertEquals(Map.of(), leaked, "tables, gauges, direct memory and descriptors that moved after " + cycles +
            " cycles (before " + before + ", after " + after + ")");
        assertEquals(0, client.stats().violations() + server.stats().violations());
        assertEquals(0, server.closeSocket(listener));
        assertEquals(0, client.cleanup());
        assertEquals(0, server.cleanup());
    }

    private static ProviderCore provider(final HalProvider hal, final String name)
    {
        return new ProviderCore(hal, HalConfig.defaults(name),
            ProviderConfig.defaults(name).withMaxSockets(16).withOpsPerSocket(8).withIdleStrategy("yielding"));
    }

    /** Snapshot once everything has settled; with an expectation, wait (boundedly) until it is met. */
    private static Map<String, Long> settle(
        final ProviderCore clientProvider, final ProviderCore serverProvider, final Map<String, Long> expected)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        Map<String, Long> now = null;
        Map<String, Long> previous;
        int stable = 0;
        do
        {
            previous = now;
            System.gc();
            Thread.yield();
            now = snapshot(clientProvider, serverProvider);
            // Without an expectation, wait until the snapshot stops changing (three equal in a row): direct buffers
            // left as garbage by an earlier HAL's run in this JVM are freed by the Cleaner some time after a GC.
            stable = now.equals(previous) ? stable + 1 : 0;
            if (null == expected && stable < 3)
            {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
        while ((null != expected ? !leaked(expected, now).isEmpty() : stable < 3) && System.nanoTime() - deadline < 0);
        return now;
    }

    /**
     * What moved, key to difference. Our own tables and the HAL's gauges must be back exactly; the process-wide
     * gauges (direct memory, file descriptors) must not have grown — they may shrink when something unrelated is
     * collected or closed, which is not a leak.
     */
    private static Map<String, Long> leaked(final Map<String, Long> before, final Map<String, Long> after)
    {
        final Map<String, Long> moved = new TreeMap<>();
        for (final String key : before.keySet())
        {
            final long b = before.get(key);
            final Long a = after.get(key);
            if (null == a)
            {
                moved.put(key, -b);
                continue;
            }
            final boolean processWide = key.startsWith("jvm.") || key.startsWith("process.");
            if (processWide ? a > b : a != b)
            {
                moved.put(key, a - b);
            }
        }
        return moved;
    }

    private static Map<String, Long> snapshot(final ProviderCore clientProvider, final ProviderCore serverProvider)
    {
        final Map<String, Long> m = new TreeMap<>();
        m.put("client.socket_slots_live", (long)clientProvider.liveSockets());
        m.put("server.socket_slots_live", (long)serverProvider.liveSockets());
        m.put("client.registrations_live", (long)clientProvider.liveRegistrations());
        m.put("server.registrations_live", (long)serverProvider.liveRegistrations());
        clientProvider.halCounters().forEach((k, v) -> m.put("client.hal." + k, v));
        serverProvider.halCounters().forEach((k, v) -> m.put("server.hal." + k, v));
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                m.put("jvm.direct_buffers", pool.getCount());
                m.put("jvm.direct_bytes", pool.getMemoryUsed());
            }
        }
        final String[] fds = new File("/proc/self/fd").list();
        if (null != fds)
        {
            m.put("process.file_descriptors", (long)fds.length);
        }
        return m;
    }

    private static void await(final BooleanSupplier condition, final String what)
    {
        await(condition, () -> what);
    }

    private static void await(final BooleanSupplier condition, final java.util.function.Supplier<String> what)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + BOUND_MS + " ms waiting for " + what.get());
            }
            Thread.yield();
        }
    }
}
