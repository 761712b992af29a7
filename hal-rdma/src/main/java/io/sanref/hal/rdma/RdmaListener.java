package io.sanref.hal.rdma;

import io.sanref.hal.rdma.verbs.CmListener;
import io.sanref.hal.rdma.verbs.CmRequest;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalStatus;

/**
 * A listening connection-manager id. {@link #accept} takes the oldest waiting connect request, builds the accepted
 * endpoint (its QP, private buffers and receives) and accepts ({@code rdma_accept}); a full backlog refuses at once
 * (R10); close rejects what waits.
 * <p>
 * Threading: any thread; idempotent close.
 */
final class RdmaListener implements HalListener
{
    private final RdmaFabric fabric;
    private volatile CmListener cm;
    private volatile boolean closed;

    RdmaListener(final RdmaFabric fabric)
    {
        this.fabric = fabric;
    }

    public synchronized int listen(final SanAddress address, final int backlog)
    {
        if (null == address || backlog < 1 || closed || null != cm)
        {
            return HalStatus.INVALID;
        }
        final CmListener listener = fabric.device.listen(address, backlog);
        if (null == listener)
        {
            return HalStatus.ADDRESS_IN_USE;
        }
        cm = listener;
        return HalStatus.SUCCESS;
    }

    public SanAddress localAddress()
    {
        final CmListener listener = cm;
        return null == listener ? null : listener.address();
    }

    public HalEndpoint accept(final long context)
    {
        final CmListener listener = cm;
        if (closed || null == listener)
        {
            return null;
        }
        final CmRequest request = listener.getRequest();
        if (null == request)
        {
            return null;
        }
        return fabric.accept(request, context);
    }

    public void close()
    {
        final CmListener listener;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            listener = cm;
        }
        if (null != listener)
        {
            listener.close();
        }
        fabric.forget(this);
    }

    public String toString()
    {
        return "RdmaListener{" + localAddress() + '}';
    }
}
