package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.CmListener;
import io.sanref.hal.rdma.verbs.CmRequest;
import io.sanref.spi.SanAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.CM_ID_CONTEXT;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.CM_ID_SIZE;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.RDMA_PS_TCP;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A listening {@code rdma_cm_id}. CONNECT_REQUESTs (taken by the progress thread) wait in a bounded backlog; a
 * request beyond it, or one without sanref's private data, is rejected at once.
 */
final class IbverbsCmListener implements CmListener
{
    private static final System.Logger LOG = System.getLogger(IbverbsCmListener.class.getName());

    private final IbverbsDevice device;
    private final int maxBacklog;
    private final ConcurrentLinkedQueue<IbverbsCmRequest> backlog = new ConcurrentLinkedQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private MemorySegment id;
    private int token;
    private SanAddress address;

    private IbverbsCmListener(final IbverbsDevice device, final int maxBacklog)
    {
        this.device = device;
        this.maxBacklog = maxBacklog;
    }

    static IbverbsCmListener listen(final IbverbsDevice device, final SanAddress requested, final int backlog)
    {
        final IbverbsCmListener listener = new IbverbsCmListener(device, Math.max(1, backlog));
        final int t = device.takeToken(listener);
        if (0 == t || null == requested)
        {
            device.releaseToken(t, listener);
            return null;
        }
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment errno = Native.errnoSegment(call);
            final MemorySegment out = call.allocate(ADDRESS);
            if (0 != (int)Native.CREATE_ID.invokeExact(errno, device.channel, out, MemorySegment.ofAddress(t),
                RDMA_PS_TCP))
            {
                device.releaseToken(t, listener);
                return null;
            }
            final MemorySegment raw = out.get(ADDRESS, 0).reinterpret(CM_ID_SIZE);
            final MemorySegment sa = IbverbsDevice.sockaddr(call, requested);
            if (null == sa || 0 != (int)Native.BIND_ADDR.invokeExact(errno, raw, sa) ||
                0 != (int)Native.LISTEN.invokeExact(errno, raw, Math.max(1, backlog)))
            {
                LOG.log(System.Logger.Level.DEBUG, "listen on {0} failed: errno {1}", requested, Native.errno(errno));
                final int ignored = (int)Native.DESTROY_ID.invokeExact(raw);
                device.releaseToken(t, listener);
                return null;
            }
            final int port = Short.toUnsignedInt(Short.reverseBytes((short)Native.GET_SRC_PORT.invokeExact(raw)));
            listener.id = raw;
            listener.token = t;
            listener.address = new SanAddress(requested.host(), port);
            return listener;
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("rdma_listen", ex);
        }
    }

    public SanAddress address()
    {
        return address;
    }

    /** A CONNECT_REQUEST on {@code newId} (already acknowledged). Progress thread. */
    void onRequest(final MemorySegment newId, final long[] data)
    {
        if (closed.get() || null == data || waiting.get() >= maxBacklog)
        {
            device.rejectAndDestroy(newId);
            return;
        }
        final IbverbsCmRequest request =
            new IbverbsCmRequest(device, newId, data, IbverbsCmId.destination(newId));
        final int t = device.takeToken(request);
        if (0 == t)
        {
            device.rejectAndDestroy(newId);
            return;
        }
        request.token = t;
        newId.set(JAVA_LONG, CM_ID_CONTEXT, t);
        waiting.incrementAndGet();
        backlog.offer(request);
        if (closed.get())
        {
            rejectWaiting();
        }
    }

    public CmRequest getRequest()
    {
        IbverbsCmRequest request;
        while (null != (request = backlog.poll()))
        {
            waiting.decrementAndGet();
            if (!request.gone)
            {
                return request;
            }
            request.reject();
        }
        return null;
    }

    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            final int rc = (int)Native.DESTROY_ID.invokeExact(id);
            if (0 != rc)
            {
                LOG.log(System.Logger.Level.WARNING, "rdma_destroy_id of listener {0} returned {1}", address, rc);
            }
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("rdma_destroy_id", ex);
        }
        device.releaseToken(token, this);
        rejectWaiting();
    }

    private void rejectWaiting()
    {
        IbverbsCmRequest request;
        while (null != (request = backlog.poll()))
        {
            waiting.decrementAndGet();
            request.reject();
        }
    }
}
