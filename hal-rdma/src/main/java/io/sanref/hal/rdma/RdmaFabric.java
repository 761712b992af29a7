package io.sanref.hal.rdma;

import io.sanref.hal.rdma.verbs.CmRequest;
import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.hal.rdma.verbs.Cq;
import io.sanref.hal.rdma.verbs.Device;
import io.sanref.hal.rdma.verbs.Qp;
import io.sanref.hal.rdma.verbs.AsyncEventHandler;
import io.sanref.hal.rdma.verbs.WcHandler;
import io.sanref.hal.support.BoundedWait;
import io.sanref.hal.support.CompletionRing;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

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
 * One rdma node on the soft verbs engine: one device context, one verbs completion queue shared by all its QPs, and
 * the HAL completion ring {@link #poll} drains.
 * <p>
 * {@link #progress()} is the node's "HCA and driver": it takes connection-manager events, executes each QP's send
 * queue, polls the verbs CQ and turns verbs completions into HAL completions (moving bytes between the private
 * buffers and the provider's buffers on the way). Credits: every accepted HAL request, connect and endpoint event
 * holds one until polled, and the HAL ring holds as many records as credits, so it never overflows.
 * <p>
 * Threading: {@link #createEndpoint}, {@link #createListener}, everything on endpoints and listeners from any
 * thread; {@link #progress} and {@link #poll} from one progress thread; {@link #close} once.
 */
final class RdmaFabric implements HalFabric
{
    private static final System.Logger LOG = System.getLogger(RdmaFabric.class.getName());
    private static final int VERBS_POLL_BATCH = 256;
    private static final int POOLED_SETS = 16;

    final HalConfig config;
    final RdmaOptions options;
    final Device device;
    final Cq verbsCq;
    final CompletionRing completions;
    private final AtomicInteger credits;
    /** Verbs CQ entries not reserved by a QP: every QP reserves its full send + receive depth. */
    private final AtomicInteger cqEntriesFree;
    private final AtomicInteger liveEndpoints = new AtomicInteger();
    private final ManyToOneConcurrentArrayQueue<RdmaEndpoint> newEndpoints;
    private final Set<RdmaEndpoint> endpoints = ConcurrentHashMap.newKeySet();
    private final Set<RdmaListener> listeners = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<RdmaEndpoint> addToProgress = this::addToProgress;
    private final WcHandler onWc = this::onWc;
    private final AsyncEventHandler onAsyncEvent = this::onAsyncEvent;
    private final BoundedWait.Condition allReaped;
    private final ManyToManyConcurrentArrayQueue<BufferSet> bufferPool;
    private long asyncEvents;
    private RdmaEndpoint[] progressList = new RdmaEndpoint[16];
    private int progressCount;

    RdmaFabric(final HalConfig config, final RdmaOptions options, final Device device)
    {
        this.config = Objects.requireNonNull(config, "config");
        this.options = options;
        this.device = device;
        verbsCq = device.createCq(options.cqEntries());
        if (null == verbsCq)
        {
            device.close();
            throw new IllegalStateException("rdma node '" + config.nodeName() + "': the " + device.engine() +
                " device " + device.name() + " could not create a completion queue of " + options.cqEntries() +
                " entries (" + RdmaOptions.CQ_ENTRIES + ")");
        }
        cqEntriesFree = new AtomicInteger(verbsCq.capacity());
        completions = new CompletionRing("rdma", options.credits());
        credits = new AtomicInteger(options.credits());
        newEndpoints = new ManyToOneConcurrentArrayQueue<>(options.maxEndpoints());
        // Private buffers for the first connections come from one slab, carved once: connection churn then
        // allocates no direct memory. Connections beyond the pool get sets of their own, dropped when returned.
        final int pooled = Math.min(POOLED_SETS, options.maxEndpoints());
        bufferPool = new ManyToManyConcurrentArrayQueue<>(Math.max(2, pooled));
        final int setBytes = options.bounceBuffers() * options.bounceBytes();
        final java.nio.ByteBuffer slab =
            org.agrona.BufferUtil.allocateDirectAligned(pooled * BufferSet.footprint(setBytes), 64);
        for (int i = 0; i < pooled; i++)
        {
            bufferPool.offer(new BufferSet(slab, i * BufferSet.footprint(setBytes), setBytes, true));
        }
        final int total = options.credits();
        allReaped = () -> total == credits.get() && 0 == liveEndpoints.get();
    }

    public String halName()
    {
        return RdmaHalProvider.NAME;
    }

    /** Leak gauges: each returns to its start once every connection closed and its completions were polled. */
    public Map<String, Long> counters()
    {
        final Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("credits_free", (long)credits.get());
        counters.put("endpoints_live", (long)liveEndpoints.get());
        counters.put("listeners_live", (long)listeners.size());
        counters.put("qps_live", (long)device.qpsLive());
        counters.put("mrs_live", (long)device.mrsLive());
        counters.put("pds_live", (long)device.pdsLive());
        counters.put("verbs_cq_entries_free", (long)cqEntriesFree.get());
        counters.put("verbs_cq_overflows", verbsCq.overflowCount());
        return counters;
    }

    public HalEndpoint createEndpoint(final long context)
    {
        return closed.get() ? null : newEndpoint(context);
    }

    public HalListener createListener()
    {
        if (closed.get())
        {
            return null;
        }
        final RdmaListener listener = new RdmaListener(this);
        listeners.add(listener);
        return listener;
    }

    public int progress()
    {
        newEndpoints.drain(addToProgress);
        int work = device.progressCm(64);
        work += device.pollAsyncEvents(onAsyncEvent, 16);

        for (int i = 0; i < progressCount; i++)
        {
            work += progressList[i].progressConnection();
        }

        work += verbsCq.poll(onWc, VERBS_POLL_BATCH);

        int i = 0;
        while (i < progressCount)
        {
            final RdmaEndpoint endpoint = progressList[i];
            work += endpoint.progress();
            if (endpoint.isRetired())
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
            return completions.poll(handler, limit);
        }
        finally
        {
            final int delivered = completions.lastDelivered();
            if (delivered > 0)
            {
                credits.getAndAdd(delivered);
            }
        }
    }

    /**
     * Close the listeners, abort every endpoint, then wait, boundedly, until every completion was polled and every
     * endpoint released its verbs objects (driven by the progress thread, or by this call if nobody else drives it).
     */
    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        for (final RdmaListener listener : listeners)
        {
            listener.close();
        }
        for (final RdmaEndpoint endpoint : endpoints)
        {
            endpoint.abort();
        }
        if (!BoundedWait.until(options.waitTimeoutNs(), allReaped))
        {
            LOG.log(System.Logger.Level.WARNING,
                "rdma node ''{0}'' closed with {1} completion(s) not polled and {2} endpoint(s) not released " +
                "within {3} ms", config.nodeName(), options.credits() - credits.get(), liveEndpoints.get(),
                options.waitTimeoutNs() / 1_000_000);
        }
        if (0 != device.destroyCq(verbsCq))
        {
            LOG.log(System.Logger.Level.WARNING, "rdma node ''{0}'': completion queue still holds completions " +
                "at close", config.nodeName());
        }
        device.close();
    }

    public String toString()
    {
        return "RdmaFabric{" + config.nodeName() + '}';
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

    /** @return true if {@code entries} of the verbs CQ are now reserved for a QP. */
    boolean reserveCqEntries(final int entries)
    {
        while (true)
        {
            final int free = cqEntriesFree.get();
            if (free < entries)
            {
                return false;
            }
            if (cqEntriesFree.compareAndSet(free, free - entries))
            {
                return true;
            }
        }
    }

    void releaseCqEntries(final int entries)
    {
        cqEntriesFree.getAndAdd(entries);
    }

    void releaseCredits(final int count)
    {
        credits.getAndAdd(count);
    }

    /** @return a set of private buffers with zeroed control words, from the pool or new. Any thread. */
    BufferSet takeBuffers()
    {
        final BufferSet pooled = bufferPool.poll();
        if (null != pooled)
        {
            pooled.zeroControl();
            return pooled;
        }
        return new BufferSet(options.bounceBuffers() * options.bounceBytes());
    }

    /** Give a set back once nothing (no QP, no peer) can touch it any more. */
    void returnBuffers(final BufferSet buffers)
    {
        if (buffers.pooled)
        {
            bufferPool.offer(buffers);
        }
    }

    /** @return async events seen (a running total, not a gauge). */
    long asyncEvents()
    {
        return asyncEvents;
    }

    void forget(final RdmaListener listener)
    {
        listeners.remove(listener);
    }

    /** Called once per endpoint, when it has released everything. */
    void retire(final RdmaEndpoint endpoint)
    {
        if (endpoints.remove(endpoint))
        {
            liveEndpoints.decrementAndGet();
        }
    }

    /** The listener side: build the accepted endpoint and accept the request on it. */
    RdmaEndpoint accept(final CmRequest request, final long context)
    {
        final RdmaEndpoint server = closed.get() ? null : newEndpoint(context);
        if (null == server)
        {
            request.reject();
            return null;
        }
        if (!server.acceptOn(request))
        {
            server.abort();
            return null;
        }
        return server;
    }

    private RdmaEndpoint newEndpoint(final long context)
    {
        if (liveEndpoints.incrementAndGet() > options.maxEndpoints())
        {
            liveEndpoints.decrementAndGet();
            return null;
        }
        if (!takeCredit())
        {
            liveEndpoints.decrementAndGet();
            return null;
        }
        final RdmaEndpoint endpoint = new RdmaEndpoint(this, context);
        endpoints.add(endpoint);
        if (!newEndpoints.offer(endpoint))
        {
            endpoints.remove(endpoint);
            endpoint.releaseResources();
            releaseCredits(1);
            liveEndpoints.decrementAndGet();
            return null;
        }
        return endpoint;
    }

    private void addToProgress(final RdmaEndpoint endpoint)
    {
        if (progressCount == progressList.length)
        {
            progressList = Arrays.copyOf(progressList, progressCount * 2);
        }
        progressList[progressCount++] = endpoint;
    }

    private void onWc(final long wrId, final int status, final int opcode, final int byteLen, final int qpNum)
    {
        final RdmaEndpoint endpoint = owner(qpNum);
        if (null != endpoint)
        {
            endpoint.onWc(wrId, status, opcode, byteLen);
        }
    }

    private RdmaEndpoint owner(final int qpNum)
    {
        final Qp qp = device.qp(qpNum);
        return null == qp ? null : (RdmaEndpoint)qp.owner();
    }

    private void onAsyncEvent(final int eventType, final int element)
    {
        asyncEvents++;
        if (Ibv.EVENT_QP_FATAL == eventType)
        {
            final RdmaEndpoint endpoint = owner(element);
            if (null != endpoint)
            {
                endpoint.onQpFatal();
            }
        }
        else if (Ibv.EVENT_CQ_ERR == eventType)
        {
            LOG.log(System.Logger.Level.ERROR, "rdma node ''{0}'': verbs completion queue overflowed ({1} lost); " +
                "raise {2}", config.nodeName(), verbsCq.overflowCount(), RdmaOptions.CQ_ENTRIES);
        }
    }
}
