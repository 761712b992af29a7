package io.sanref.hal.faulty;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;

/** A listener whose accepted endpoints are faulty too. */
final class FaultyListener implements HalListener
{
    private final FaultyFabric fabric;
    private final HalListener inner;

    FaultyListener(final FaultyFabric fabric, final HalListener inner)
    {
        this.fabric = fabric;
        this.inner = inner;
    }

    public int listen(final SanAddress address, final int backlog)
    {
        return inner.listen(address, backlog);
    }

    public SanAddress localAddress()
    {
        return inner.localAddress();
    }

    public HalEndpoint accept(final long context)
    {
        final HalEndpoint endpoint = inner.accept(context);
        return null == endpoint ? null : new FaultyEndpoint(fabric, endpoint);
    }

    public void close()
    {
        inner.close();
    }
}
