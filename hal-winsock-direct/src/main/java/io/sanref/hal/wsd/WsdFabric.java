package io.sanref.hal.wsd;

import io.sanref.hal.support.BoundedWait;
import io.sanref.hal.support.CompletionRing;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One wsd node: a selector, the listeners and endpoints it created, and the completion queue their work requests
 * complete into. {@link #progress()} accepts, handshakes, reads, writes and times out connections.
 * <p>
 * Listeners (OP_ACCEPT) and connected endpoints (OP_READ, OP_WRITE while output waits) are registered with the
 * selector; handshakes and connects in progress are polled without blocking, so that aborting a connect from any
 * thread sends its RST at once (NIO defers the close of a registered channel until the selector deregisters it;
 * for a listener that means a connect racing its close is reset on the next pass, and refused).
 * <p>
 * Credits: every accepted work request, every connect and every endpoint (for its one possible event) holds one
 * credit until its completion was polled; the completion queue holds at least as many records as there are
 * credits, so it never overflows.
 * <p>
 * Threading: {@link #createEndpoint}, {@link #createListener} and everything on endpoints and listeners from any
 * thread; {@link #progress} and {@link #poll} from one progress thread; {@link #close} once, when progress has
 * stopped.
 */
public final class WsdFabric implements HalFabric
{
    private static final Logger LOG = LoggerFactory.getLogger(WsdFabric.class);
    private static final int POOL_MAX = 1024;

    final HalConfig config;
    final WsdOptions options;
    final CompletionRing cq;
    private final AtomicInteger credits;
    private final Selector selector;
    private final AtomicInteger liveEndpoints = new AtomicInteger();
    final AtomicInteger openChannels = new AtomicInteger();
    private final ManyToOneConcurrentArrayQueue<WsdEndpoint> newEndpoints;
    private final Set<WsdEndpoint> endpoints = ConcurrentHashMap.newKeySet();
    private final Set<WsdListener> listeners = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<ByteBuffer> bufferPool = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pooled = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<WsdEndpoint> addToProgress = this::addToProgress;
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private final BoundedWait.Condition allReaped;

    /** Progress thread only. */
    private WsdEndpoint[] progressList = new WsdEndpoint[16];
    private int progressCount;

    public WsdFabric(final HalConfig config)
    {
        this.config = Objects.requireNonNull(config, "config");
        options = WsdOptions.from(config);
        cq = new CompletionRing("wsd", options.credits);
        credits = new AtomicInteger(options.credits);
        newEndpoints = new ManyToOneConcurrentArrayQueue<>(Math.max(16, options.maxEndpoints));
        final int total = options.credits;
        allReaped = () -> total == credits.get();
        try
        {
            selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("wsd: cannot open a selector: " + ex.getMessage(), ex);
        }
    }

    public String halName()
    {
        return WsdHalProvider.NAME;
    }

    /**
     * Leak gauges: after every connection closed and its completions were polled, these return to their start.
     * {@code channels_open} counts the TCP sockets (file descriptors) this node holds.
     */
    public Map<String, Long> counters()
    {
        final Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("credits_free", (long)credits.get());
        counters.put("endpoints_live", (long)liveEndpoints.get());
        counters.put("listeners_live", (long)listeners.size());
        counters.put("channels_open", (long)openChannels.get());
        return counters;
    }

    public HalEndpoint createEndpoint(final long context)
    {
        if (closed.get())
        {
            return null;
        }
        return newEndpoint(context, null);
    }

    public HalListener createListener()
    {
        if (closed.get())
        {
            return null;
        }
        final WsdListener listener = new WsdListener(this);
        listeners.add(listener);
        return listener;
    }

    public int progress()
    {
        final long now = System.nanoTime();
        newEndpoints.drain(addToProgress);

        int work = 0;
        try
        {
            work += selector.selectNow(onSelected);
        }
        catch (final IOException ex)
        {
            LOG.error("wsd node '{}': selectNow failed: {}", config.nodeName(), ex.toString());
        }

        int i = 0;
        while (i < progressCount)
        {
            final WsdEndpoint endpoint = progressList[i];
            work += endpoint.progress(now);
            if (endpoint.tryFinish())
            {
                progressList[i] = progressList[--progressCount];
                progressList[progressCount] = null;
                retire(endpoint);
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
     * Close every listener, abort every endpoint, wait (boundedly) until their completions were polled, then
     * release every socket and the selector. Progress must have stopped: this thread finishes its work.
     */
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        for (final WsdListener listener : listeners)
        {
            listener.close();
        }
        for (final WsdEndpoint endpoint : endpoints)
        {
            endpoint.abort();
        }
        newEndpoints.drain(addToProgress);
        for (int i = 0; i < progressCount; i++)
        {
            progressList[i].finishNow();
            retire(progressList[i]);
            progressList[i] = null;
        }
        progressCount = 0;
        for (final WsdEndpoint endpoint : endpoints)
        {
            endpoint.finishNow();
            retire(endpoint);
        }
        try
        {
            selector.selectNow();
            selector.close();
        }
        catch (final IOException ex)
        {
            LOG.warn("wsd node '{}': closing the selector: {}", config.nodeName(), ex.toString());
        }
        if (!BoundedWait.until(options.waitTimeoutNs, allReaped))
        {
            LOG.warn("wsd node '{}' closed with {} completion(s) not polled within {} ms", config.nodeName(),
                options.credits - credits.get(), options.waitTimeoutNs / 1_000_000);
        }
    }

    public String toString()
    {
        return "WsdFabric{" + config.nodeName() + '}';
    }

    boolean isClosed()
    {
        return closed.get();
    }

    Selector selector()
    {
        return selector;
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

    ByteBuffer acquireBuffer()
    {
        final ByteBuffer b = bufferPool.poll();
        if (null != b)
        {
            pooled.decrementAndGet();
            b.clear();
            return b;
        }
        return ByteBuffer.allocateDirect(options.ioBufferBytes);
    }

    void releaseBuffer(final ByteBuffer buffer)
    {
        if (null != buffer && pooled.incrementAndGet() <= POOL_MAX)
        {
            bufferPool.offer(buffer);
        }
        else if (null != buffer)
        {
            pooled.decrementAndGet();
        }
    }

    void forget(final WsdListener listener)
    {
        listeners.remove(listener);
    }

    /**
     * @param accepted a socket taken by a listener (the server end), or null for a client endpoint.
     * @return a new endpoint, or null when the node has no room.
     */
    WsdEndpoint newEndpoint(final long context, final WsdListener accepted)
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
        final WsdEndpoint endpoint = new WsdEndpoint(this, context, accepted);
        endpoints.add(endpoint);
        if (!newEndpoints.offer(endpoint))
        {
            endpoints.remove(endpoint);
            endpoint.releaseBuffers();
            releaseCredits(1);
            liveEndpoints.decrementAndGet();
            return null;
        }
        return endpoint;
    }

    private void retire(final WsdEndpoint endpoint)
    {
        if (endpoints.remove(endpoint))
        {
            liveEndpoints.decrementAndGet();
        }
    }

    private void addToProgress(final WsdEndpoint endpoint)
    {
        if (progressCount == progressList.length)
        {
            progressList = Arrays.copyOf(progressList, progressCount * 2);
        }
        progressList[progressCount++] = endpoint;
    }

    private void onSelected(final SelectionKey key)
    {
        final Object attachment = key.attachment();
        if (attachment instanceof WsdListener)
        {
            ((WsdListener)attachment).acceptConnections();
        }
        else if (attachment instanceof WsdEndpoint)
        {
            try
            {
                ((WsdEndpoint)attachment).selected(key.readyOps());
            }
            catch (final java.nio.channels.CancelledKeyException ignore)
            {
                // aborted from another thread while selected: its endpoint is done with I/O
            }
        }
    }
}
