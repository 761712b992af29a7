package io.sanref.hal.rdma.verbs;

import io.sanref.spi.SanAddress;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A listening {@code rdma_cm_id}: a bounded backlog of {@link SoftCmRequest}s. A request that finds the backlog full is
 * refused at once. Requests withdrawn by their initiator are skipped.
 * <p>
 * Threading: any thread; the backlog is guarded by a monitor (connection setup only, never the data path).
 */
public final class SoftCmListener implements CmListener
{
    private final ArrayDeque<SoftCmRequest> backlog = new ArrayDeque<>();
    private final int maxBacklog;
    private SanAddress address;
    private boolean closed;

    private SoftCmListener(final int maxBacklog)
    {
        this.maxBacklog = maxBacklog;
    }

    /**
     * {@code rdma_bind_addr} + {@code rdma_listen}.
     *
     * @return the listener, or null if the address is in use.
     */
    public static SoftCmListener listen(final SanAddress requested, final int backlog)
    {
        final SoftCmListener listener = new SoftCmListener(Math.max(1, backlog));
        final SanAddress bound = SoftCm.bind(requested, listener);
        if (null == bound)
        {
            return null;
        }
        synchronized (listener)
        {
            listener.address = bound;
        }
        return listener;
    }

    public synchronized SanAddress address()
    {
        return address;
    }

    /** @return the oldest waiting request, now taken by the caller (accept or reject it), or null. */
    public SoftCmRequest getRequest()
    {
        synchronized (this)
        {
            while (!closed)
            {
                final SoftCmRequest request = backlog.pollFirst();
                if (null == request)
                {
                    return null;
                }
                if (request.take())
                {
                    return request;
                }
            }
            return null;
        }
    }

    boolean offer(final SoftCmRequest request)
    {
        synchronized (this)
        {
            if (closed)
            {
                return false;
            }
            backlog.removeIf((r) -> !r.isWaiting());
            if (backlog.size() >= maxBacklog)
            {
                return false;
            }
            backlog.addLast(request);
            return true;
        }
    }

    /** {@code rdma_destroy_id} of the listener: unbind; waiting requests are rejected. Idempotent. */
    public void close()
    {
        final List<SoftCmRequest> waiting;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            if (null != address)
            {
                SoftCm.unbind(address, this);
            }
            waiting = new ArrayList<>(backlog);
            backlog.clear();
        }
        for (final SoftCmRequest request : waiting)
        {
            if (request.withdraw())
            {
                request.reject();
            }
        }
    }
}
