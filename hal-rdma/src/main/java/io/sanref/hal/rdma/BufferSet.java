package io.sanref.hal.rdma;

import org.agrona.BufferUtil;

import java.nio.ByteBuffer;

/**
 * The private memory of one connection: receive buffers, send staging buffers, the control words the peer writes
 * (bytes consumed, buffers returned) and their source. Pooled per node, so steady-state connection churn allocates
 * no direct memory.
 * <p>
 * Threading: owned by one endpoint at a time; handed over through the node's pool.
 */
final class BufferSet
{
    static final int CONTROL_BYTES = 16;

    final ByteBuffer rx;
    final ByteBuffer tx;
    final ByteBuffer control;
    final ByteBuffer controlSrc;
    /** Carved from the node's slab: goes back to the pool; otherwise it is dropped when returned. */
    final boolean pooled;

    /** A set of its own (four direct buffers). */
    BufferSet(final int bytes)
    {
        this(BufferUtil.allocateDirectAligned(footprint(bytes), 64), 0, bytes, false);
    }

    /** A set carved from {@code slab} at {@code offset} (a multiple of 64), {@link #footprint} bytes long. */
    BufferSet(final ByteBuffer slab, final int offset, final int bytes, final boolean pooled)
    {
        this.pooled = pooled;
        rx = slice(slab, offset, bytes);
        tx = slice(slab, offset + align(bytes), bytes);
        control = slice(slab, offset + 2 * align(bytes), CONTROL_BYTES);
        controlSrc = slice(slab, offset + 2 * align(bytes) + 64, CONTROL_BYTES);
    }

    /** @return the bytes one set takes, a multiple of 64. */
    static int footprint(final int bytes)
    {
        return 2 * align(bytes) + 128;
    }

    private static int align(final int bytes)
    {
        return (bytes + 63) & ~63;
    }

    private static ByteBuffer slice(final ByteBuffer slab, final int offset, final int length)
    {
        return slab.slice(offset, length).order(java.nio.ByteOrder.nativeOrder());
    }

    void zeroControl()
    {
        for (int i = 0; i < CONTROL_BYTES; i += 8)
        {
            control.putLong(i, 0);
            controlSrc.putLong(i, 0);
        }
    }
}
