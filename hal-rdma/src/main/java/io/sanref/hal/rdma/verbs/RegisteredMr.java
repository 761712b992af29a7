package io.sanref.hal.rdma.verbs;

import java.nio.ByteBuffer;

/**
 * What every engine's {@link Mr} holds the same way: the buffer (kept reachable while registered), the access flags,
 * the keys and the iova. Engines add how a region stops being valid.
 */
public abstract class RegisteredMr implements Mr
{
    private final ByteBuffer buffer;
    private final int access;
    private final int lkey;
    private final int rkey;
    private final long iova;

    protected RegisteredMr(final ByteBuffer buffer, final int access, final int lkey, final int rkey, final long iova)
    {
        this.buffer = buffer;
        this.access = access;
        this.lkey = lkey;
        this.rkey = rkey;
        this.iova = iova;
    }

    public final ByteBuffer buffer()
    {
        return buffer;
    }

    public final int length()
    {
        return buffer.capacity();
    }

    public final int access()
    {
        return access;
    }

    public final int lkey()
    {
        return lkey;
    }

    public final int rkey()
    {
        return rkey;
    }

    public final long iova()
    {
        return iova;
    }

    public String toString()
    {
        return getClass().getSimpleName() + "{length=" + buffer.capacity() + ", access=" + access + ", lkey=0x" +
            Integer.toHexString(lkey) + ", rkey=0x" + Integer.toHexString(rkey) + ", iova=" + iova + ", valid=" +
            isValid() + '}';
    }
}
