package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.RegisteredMr;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code ibv_mr}: holds the buffer, so its memory stays reachable while the HCA may access it. */
final class IbverbsMr extends RegisteredMr
{
    final IbverbsPd pd;
    final MemorySegment mr;
    private final AtomicBoolean valid = new AtomicBoolean(true);

    IbverbsMr(final IbverbsPd pd, final MemorySegment mr, final ByteBuffer buffer, final int access, final int lkey,
        final int rkey, final long iova)
    {
        super(buffer, access, lkey, rkey, iova);
        this.pd = pd;
        this.mr = mr;
    }

    public boolean isValid()
    {
        return valid.get();
    }

    boolean invalidate()
    {
        return valid.compareAndSet(true, false);
    }
}
