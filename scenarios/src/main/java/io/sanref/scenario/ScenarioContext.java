package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What a scenario runs against: a client and a server node, its options, a seeded random source, and the
 * means to state expectations. A failed expectation is recorded, not thrown, so one run reports them all.
 * <p>
 * Threading: {@link #expect} and {@link #await} may be called from any thread.
 */
public final class ScenarioContext
{
    /** A connected pair: the client's socket and the server's accepted socket. */
    public record Pair(SwitchSocket client, SwitchSocket server)
    {
    }

    private final ScenarioOptions options;
    private final Node client;
    private final Node server;
    private final Random random;
    private final List<String> failures = new ArrayList<>();
    private final boolean faults;
    private final java.util.concurrent.atomic.AtomicLong bent = new java.util.concurrent.atomic.AtomicLong();
    private final long waitBoundNs;
    private volatile long progressAt = System.nanoTime();

    ScenarioContext(final ScenarioOptions options, final Node client, final Node server, final boolean faults)
    {
        this.options = options;
        this.faults = faults;
        this.client = client;
        this.server = server;
        random = new Random(options.seed());
        waitBoundNs = TimeUnit.MILLISECONDS.toNanos(options.waitBoundMs());
    }

    public ScenarioOptions options()
    {
        return options;
    }

    public Node client()
    {
        return client;
    }

    public Node server()
    {
        return server;
    }

    /** @return the run's seeded random source (for the scenario's own thread). */
    public Random random()
    {
        return random;
    }

    /** @return true when the HAL injects faults: scenario expectations may bend, invariants may not. */
    public boolean faults()
    {
        return faults;
    }

    /** @return scenario expectations that did not hold because faults were injected (never invariants). */
    public long expectationsBent()
    {
        return bent.get();
    }

    /**
     * State a scenario's expectation. Under injected faults an unmet expectation is counted, not failed: a dropped
     * connection legitimately turns a 995 into a 10053. Invariants go through {@link #invariant}.
     *
     * @return {@code condition}, so a scenario can stop early when a precondition failed.
     */
    public boolean expect(final boolean condition, final String what)
    {
        if (!condition && faults)
        {
            bent.incrementAndGet();
            return false;
        }
        return invariant(condition, what);
    }

    /**
     * State an invariant: it must hold, faults or not.
     *
     * @return {@code condition}.
     */
    public boolean invariant(final boolean condition, final String what)
    {
        if (!condition)
        {
            synchronized (failures)
            {
                if (failures.size() < 100)
                {
                    failures.add(what);
                }
            }
        }
        return condition;
    }

    /** Expect a call to have returned a specific Winsock code. */
    public boolean expectCode(final int expected, final int actual, final String what)
    {
        return expect(expected == actual,
            what + ": expected " + Winsock.name(expected) + " (" + expected + "), got " + Winsock.name(actual) +
            " (" + actual + ")");
    }

    /**
     * Wait, boundedly, for a condition; past the bound record a failure naming what was awaited.
     *
     * @return true if the condition came true.
     */
    public boolean await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + waitBoundNs;
        int spins = 0;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                expect(false, "timed out after " + options.waitBoundMs() + " ms waiting for " + what);
                return false;
            }
            if (++spins > 100)
            {
                Thread.yield();
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        return true;
    }

    public List<String> failures()
    {
        synchronized (failures)
        {
            return new ArrayList<>(failures);
        }
    }

    /** Print a progress line on stderr, at most once a second, if asked for. */
    public void progress(final String line)
    {
        if (options.showProgress())
        {
            final long now = System.nanoTime();
            if (now - progressAt > TimeUnit.SECONDS.toNanos(1))
            {
                progressAt = now;
                System.err.println(options.scenario() + ": " + line);
            }
        }
    }

    /**
     * Connect one client socket to the server's listener and accept it.
     *
     * @return the pair, or {@code null} after recording why not.
     */
    public Pair connect(final SwitchSocket listener, final Overlapped connectOv)
    {
        final SanAddress address = server.addressOf(listener);
        final SwitchSocket c = client.sw().socket();
        if (!expect(null != c && 0 == c.error(), "client socket created"))
        {
            return null;
        }
        final int rc = client.sw().connect(c, address, connectOv);
        if (!expectCode(Winsock.WSA_IO_PENDING, rc, "connect to " + address))
        {
            client.sw().closeSocket(c);
            return null;
        }
        final SwitchSocket[] accepted = new SwitchSocket[1];
        final boolean ok = await(() ->
        {
            if (null == accepted[0])
            {
                accepted[0] = server.sw().accept(listener);
            }
            return null != accepted[0] && !connectOv.isPending();
        }, "connect to " + address + " to be accepted and completed");
        if (!ok || !expectCode(Winsock.NO_ERROR, connectOv.offsetHigh(), "connect completion"))
        {
            client.sw().closeSocket(c);
            if (null != accepted[0])
            {
                server.sw().closeSocket(accepted[0]);
            }
            return null;
        }
        return new Pair(c, accepted[0]);
    }

    /** Wait until the provider made the final upcall for each socket (R7). */
    public boolean awaitHandlesClosed(final SwitchSocket... sockets)
    {
        final long[] handles = new long[sockets.length];
        for (int i = 0; i < sockets.length; i++)
        {
            handles[i] = sockets[i].handle();
        }
        return await(() ->
        {
            for (int i = 0; i < sockets.length; i++)
            {
                if (!sockets[i].isHandleClosed(handles[i]))
                {
                    return false;
                }
            }
            return true;
        }, "closeSocketHandle upcalls");
    }
}
