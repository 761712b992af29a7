package io.sanref.hal.loopback;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction of a connection: the payload bytes in flight, and how many of them the receiver has consumed
 * into its receive buffers.
 * <p>
 * The sender learns that a send is complete from {@link #consumed()}, a monotonic byte count, instead of from an
 * acknowledgement queue: a counter cannot overflow and never blocks either side.
 * <p>
 * Threading: {@link #data} is written by the sending node's progress thread and read by the receiving node's
 * progress thread; {@link #addConsumed} only by the receiving node's progress thread; {@link #consumed} from
 * the sending node's progress thread.
 */
final class Pipe
{
    static final int DATA_MSG_TYPE_ID = 1;

    final ManyToOneRingBuffer data;
    private final AtomicLong consumed = new AtomicLong();

    /**
     * @param ringBytes capacity, a power of two.
     */
    Pipe(final int ringBytes)
    {
        data = new ManyToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ringBytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
    }

    /** @return payload bytes the receiver has copied into its receive buffers so far. */
    long consumed()
    {
        return consumed.get();
    }

    /** Receiving progress thread only (single writer). */
    void addConsumed(final int bytes)
    {
        consumed.lazySet(consumed.get() + bytes);
    }
}
