package io.sanref.hal.loopback;

import io.sanref.hal.support.BoundedWait;
import io.sanref.hal.support.CompletionRing;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalStatus;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One loopback node: it creates endpoints and listeners, owns the completion queue their work requests complete
 * into, and moves their data in {@link #progress()}.
 * <p>
 * Credits: every accepted work request, every connect and every endpoint (for its one possible event) holds one
 * credit from this node until its completion has been polled. The completion queue holds at least as many
 * records as there are credits ({@link LoopbackOptions#CREDITS}), so it never overflows; a post that finds no
 * credit left returns {@link HalStatus#NO_RESOURCES}.
 * <p>
 * Threading: {@link #createEndpoint}, {@link #createListener} and everything on endpoints and listeners from
 * any thread; {@link #progress} and {@link #poll} from one progress thread only (they are kept apart, so no
 * completion handler ever runs while this node is copying into a buffer); {@link #close} once.
 */
public final class LoopbackFabric implements HalFabric
{
    private static final System.Logger LOG = System.getLogger(LoopbackFabric.class.getName());
    /** Emptied pipes kept for reuse per node: enough for bursts of churn, a bounded amount of idle memory. */
    private static final int PIPE_POOL = 64;

    private final HalConfig config;
    private final LoopbackOptions options;
    private final CompletionRing cq;
    private final AtomicInteger credits;
    private final AtomicInteger liveEndpoints = new AtomicInteger();
    private final ManyToOneConcurrentArrayQueue<LoopbackEndpoint> newEndpoints;
    private final Set<LoopbackEndpoint> endpoints = ConcurrentHashMap.newKeySet();
    private final Set<LoopbackListener> listeners = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<LoopbackEndpoint> addToProgress = this::addToProgress;
    private final BoundedWait.Condition allReaped;

    /** Progress thread only. */
    final RecvCopier recvCopier = new RecvCopier();
    /** Progress thread only: the view through which an RDMA request reaches a peer's region. */
    final UnsafeBuffer rdmaView = new UnsafeBuffer(new byte[0]);
    /** Pipes both of whose endpoints are done with them, emptied, ready for the next accept (bounded). */
    private final ManyToManyConcurrentArrayQueue<Pipe> pipes = new ManyToManyConcurrentArrayQueue<>(PIPE_POOL);
    private LoopbackEndpoint[] progressList = new LoopbackEndpoint[16];
    private int progressCount;

    /**
     * Attach a node. Providers normally go through {@link LoopbackHalProvider#open}.
     *
     * @param config sizes, connect timeout and {@link LoopbackOptions} keys.
     */
    public LoopbackFabric(final HalConfig config)
    {
        this.config = Objects.requireNonNull(config, "config");
        options = LoopbackOptions.from(config);
        cq = new CompletionRing("loopback", options.credits);
        credits = new AtomicInteger(options.credits);
        newEndpoints = new ManyToOneConcurrentArrayQueue<>(options.maxEndpoints);
        final int total = options.credits;
        allReaped = () -> total == credits.get();
    }

    public String halName()
    {
        return LoopbackHalProvider.NAME;
    }

    /** @return the configuration this node was opened with. */
    public HalConfig config()
    {
        return config;
    }

    /** @return the parsed loopback options. */
    public LoopbackOptions options()
    {
        return options;
    }

    /** @return credits not held by an outstanding work request, connect or endpoint event. */
    public int availableCredits()
    {
        return credits.get();
    }

    /** Leak gauges: after every connection closed and its completions were polled, these return to their start. */
    public Map<String, Long> counters()
    {
        final Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("credits_free", (long)credits.get());
        counters.put("endpoints_live", (long)liveEndpoints.get());
        counters.put("listeners_live", (long)listeners.size());
        return counters;
    }

    public HalEndpoint createEndpoint(final long context)
    {
        if (closed.get())
        {
            return null;
        }

        return newEndpoint(context);
    }

    public HalListener createListener()
    {
        if (closed.get())
        {
            return null;
        }

        final LoopbackListener listener = new LoopbackListener(this);
        listeners.add(listener);
        return listener;
    }

    public int progress()
    {
        newEndpoints.drain(addToProgress);

        int work = 0;
        int i = 0;
        while (i < progressCount)
        {
            final LoopbackEndpoint endpoint = progressList[i];
            work += endpoint.progress();
            if (endpoint.isFinished())
            {
                progressList[i] = progressList[--progressCount];
                progressList[progressCount] = null;
            }
            else
            {
                i++;
            }
        }

        return work;
    }

    public int poll(final CompletionHandler handler, final int limit)
    {
        if (limit <= 0)
        {
            return 0;
        }

        try
        {
            return cq.poll(handler, limit);
        }
        finally
        {
            final int delivered = cq.lastDelivered();
            if (delivered > 0)
            {
                releaseCredits(delivered);
            }
        }
    }

    /**
     * Close the listeners this node created, abort every endpoint still open, then wait, boundedly
     * ({@link LoopbackOptions#WAIT_TIMEOUT_MS}), until every completion has been polled.
     */
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }

        for (final LoopbackListener listener : listeners)
        {
            listener.close();
        }

        for (final LoopbackEndpoint endpoint : endpoints)
        {
            endpoint.abort();
        }

        if (!BoundedWait.until(options.waitTimeoutNs, allReaped))
        {
            LOG.log(
                System.Logger.Level.WARNING,
                "loopback node ''{0}'' closed with {1} completion(s) not polled within {2} ms",
                config.nodeName(),
                options.credits - credits.get(),
                options.waitTimeoutNs / 1_000_000);
        }
    }

    public String toString()
    {
        return "LoopbackFabric{" + config.nodeName() + '}';
    }

    CompletionRing completionQueue()
    {
        return cq;
    }

    boolean takeCredit()
    {
        while (true)
        {
            final int available = credits.get();
            if (available <= 0)
            {
                return false;
            }

            if (credits.compareAndSet(available, available - 1))
            {
                return true;
            }
        }
    }

    void releaseCredits(final int count)
    {
        credits.getAndAdd(count);
    }

    void forget(final LoopbackListener listener)
    {
        listeners.remove(listener);
    }

    /** Called once per endpoint, at the end of its first abort. */
    void retire(final LoopbackEndpoint endpoint)
    {
        if (endpoints.remove(endpoint))
        {
            liveEndpoints.decrementAndGet();
        }
    }

    /**
     * The listener side of a connection: the acceptor won {@code request}; make the accepted endpoint, join the
     * two with a pipe each way, and activate both. The connect completes SUCCESS on the initiator's node.
     */
    LoopbackEndpoint accept(final ConnectRequest request, final long context, final SanAddress listenAddress)
    {
        final LoopbackEndpoint client = request.endpoint;
        final LoopbackEndpoint server = newEndpoint(context);
        if (null == server)
        {
            client.failConnect(HalStatus.REFUSED);
            return null;
        }

        final Pipe toServer = acquirePipe();
        final Pipe toClient = client.node().acquirePipe();
        final long connectionId = LoopbackAddressSpace.nextConnectionId();
        final SanAddress clientAddress = new SanAddress(listenAddress.host(), LoopbackAddressSpace.nextEphemeralPort());

        server.establish(client, toServer, toClient, connectionId, clientAddress);
        client.establish(server, toClient, toServer, connectionId, listenAddress);
        client.completeConnect(HalStatus.SUCCESS);

        return server;
    }

    /** A pipe of this node's ring size, from the pool when one waits there. */
    Pipe acquirePipe()
    {
        final Pipe pooled = pipes.poll();
        return (null != pooled ? pooled : new Pipe(options.ringBytes, pipes)).open();
    }

    private LoopbackEndpoint newEndpoint(final long context)
    {
        if (liveEndpoints.incrementAndGet() > options.maxEndpoints)
        {
            liveEndpoints.decrementAndGet();
            return null;
        }

        if (!takeCredit())
        {
            liveEndpoints.decrementAndGet();
            return null;
        }

        final LoopbackEndpoint endpoint = new LoopbackEndpoint(this, context);
        endpoints.add(endpoint);
        if (!newEndpoints.offer(endpoint))
        {
            endpoints.remove(endpoint);
            releaseCredits(1);
            liveEndpoints.decrementAndGet();
            return null;
        }

        return endpoint;
    }

    private void addToProgress(final LoopbackEndpoint endpoint)
    {
        if (progressCount == progressList.length)
        {
            progressList = Arrays.copyOf(progressList, progressCount * 2);
        }
        progressList[progressCount++] = endpoint;
    }
}
