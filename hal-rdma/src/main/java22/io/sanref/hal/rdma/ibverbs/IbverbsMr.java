package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.Mr;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code ibv_mr}: holds the buffer, so its memory stays reachable while the HCA may access it. */
final class IbverbsMr implements Mr
{
    final IbverbsPd pd;
    final MemorySegment mr;
    private final ByteBuffer buffer;
    private final int access;
    private final int lkey;
    private final int rkey;
    private final long iova;
    private final AtomicBoolean valid = new AtomicBoolean(true);

    IbverbsMr(final IbverbsPd pd, final MemorySegment mr, final ByteBuffer buffer, final int access, final int lkey,
        final int rkey, final long iova)
    {
        this.iova = iova;
        this.pd = pd;
        this.mr = mr;
        this.buffer = buffer;
        this.access = access;
        this.lkey = lkey;
        this.rkey = rkey;
    }

    public ByteBuffer buffer()
    {
        return buffer;
    }

    public int length()
    {
        return buffer.capacity();
    }

    public int access()
    {
        return access;
    }

    public int lkey()
    {
        return lkey;
    }

    public int rkey()
    {
        return rkey;
    }

    public long iova()
    {
        return iova;
    }

    public boolean isValid()
    {
        return valid.get();
    }

    boolean invalidate()
    {
        return valid.compareAndSet(true, false);
    }

    public String toString()
    {
        return "IbverbsMr{length=" + buffer.capacity() + ", access=" + access + ", lkey=0x" + Integer.toHexString(lkey) +
            ", rkey=0x" + Integer.toHexString(rkey) + '}';
    }
}
