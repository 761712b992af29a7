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

    BufferSet(final int bytes)
    {
        rx = BufferUtil.allocateDirectAligned(bytes, 64);
        tx = BufferUtil.allocateDirectAligned(bytes, 64);
        control = BufferUtil.allocateDirectAligned(CONTROL_BYTES, 64);
        controlSrc = BufferUtil.allocateDirectAligned(CONTROL_BYTES, 64);
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
