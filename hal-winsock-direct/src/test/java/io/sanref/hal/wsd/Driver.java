package io.sanref.hal.wsd;

import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalStatus;
import io.sanref.spi.SanAddress;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** A wsd node with its own progress thread, recording every completion; for tests. */
final class Driver implements AutoCloseable
{
    static final long BOUND_MS = 10_000;

    record Completion(long id, int opcode, int status, int bytes)
    {
    }

    final WsdFabric fabric;
    final List<Completion> completions = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    Driver(final String name, final Map<String, String> options)
    {
        fabric = new WsdFabric(new HalConfig(name, 16, 16, 5_000, options));
        thread = new Thread(() ->
        {
            while (running)
            {
                final int work = fabric.progress() + fabric.poll((id, op, st, b) -> completions.add(
                    new Completion(id, op, st, b)), 64);
                if (0 == work)
                {
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }
        }, name + "-progress");
        thread.setDaemon(true);
        thread.start();
    }

    HalListener listen()
    {
        final HalListener l = fabric.createListener();
        if (HalStatus.SUCCESS != l.listen(new SanAddress("127.0.0.1", 0), 8))
        {
            fail("listen failed");
        }
        return l;
    }

    Completion awaitCompletion(final long id, final int opcode)
    {
        final Completion[] found = new Completion[1];
        await(() ->
        {
            for (final Completion c : completions)
            {
                if (c.id() == id && c.opcode() == opcode)
                {
                    found[0] = c;
                    return true;
                }
            }
            return false;
        }, () -> "completion id=" + id + " opcode=" + opcode + "; have " + completions);
        return found[0];
    }

    HalEndpoint awaitAccept(final HalListener l, final long context)
    {
        final HalEndpoint[] e = new HalEndpoint[1];
        await(() -> null != (e[0] = l.accept(context)), () -> "accept");
        return e[0];
    }

    static void await(final BooleanSupplier condition, final Supplier<String> what)
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

    public void close()
    {
        running = false;
        try
        {
            thread.join(BOUND_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        fabric.close();
    }
}
