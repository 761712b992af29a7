package io.sanref.hal.loopback;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalStatus;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Accepts connection requests at an address in the JVM-wide loopback address space. The backlog is bounded:
 * a request that finds it full is refused at once (R10). Requests withdrawn by their initiator (abort, timeout)
 * are skipped, so {@link #accept} never returns a dead endpoint.
 * <p>
 * Threading: any thread. The backlog bookkeeping is guarded by a monitor (connection setup only, never the
 * data path); the race between accept and a withdrawing initiator is decided by CAS on the request.
 */
public final class LoopbackListener implements HalListener
{
    private final LoopbackFabric node;
    private final ArrayDeque<ConnectRequest> backlog = new ArrayDeque<>();
    private int maxBacklog;
    private boolean closed;
    private volatile SanAddress address;

    LoopbackListener(final LoopbackFabric node)
    {
        this.node = node;
    }

    public int listen(final SanAddress address, final int backlog)
    {
        if (null == address || backlog < 1)
        {
            return HalStatus.INVALID;
        }

        synchronized (this)
        {
            if (closed || null != this.address)
            {
                return HalStatus.INVALID;
            }

            final SanAddress bound = LoopbackAddressSpace.bind(address, this);
            if (null == bound)
            {
                return HalStatus.ADDRESS_IN_USE;
            }

            maxBacklog = backlog;
            this.address = bound;
        }

        return HalStatus.SUCCESS;
    }

    public SanAddress localAddress()
    {
        return address;
    }

    public HalEndpoint accept(final long context)
    {
        ConnectRequest request;
        final SanAddress localAddress;
        synchronized (this)
        {
            if (closed || null == address)
            {
                return null;
            }

            localAddress = address;
            do
            {
                request = backlog.pollFirst();
                if (null == request)
                {
                    return null;
                }
            }
            while (!request.take());
        }

        return node.accept(request, context, localAddress);
    }

    public void close()
    {
        final List<ConnectRequest> refused;
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            if (null != address)
            {
                LoopbackAddressSpace.unbind(address, this);
            }
            refused = new ArrayList<>(backlog);
            backlog.clear();
        }

        for (final ConnectRequest request : refused)
        {
            if (request.withdraw())
            {
                request.endpoint.failConnect(HalStatus.REFUSED);
            }
        }
        node.forget(this);
    }

    /**
     * @return true if the request now waits in the backlog; false if refused (closed or full).
     */
    boolean offer(final ConnectRequest request)
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

    public String toString()
    {
        return "LoopbackListener{" + address + '}';
    }
}
