package io.sanref.hal.loopback;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>
 * Pooled: a fresh pipe is a zeroed direct buffer of {@code ringBytes} (the cost of a loopback accept, P5), so a
 * pipe goes back to its fabric's pool once both its endpoints have released it, which each does only when its
 * abort has made sure its progress thread will never touch the pipe again.
 */
final class Pipe
{
    static final int DATA_MSG_TYPE_ID = 1;

    final ManyToOneRingBuffer data;
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicInteger users = new AtomicInteger();
    private final ManyToManyConcurrentArrayQueue<Pipe> pool;

    /**
     * @param ringBytes capacity, a power of two.
     * @param pool      where the pipe goes when both ends are done with it.
     */
    Pipe(final int ringBytes, final ManyToManyConcurrentArrayQueue<Pipe> pool)
    {
        data = new ManyToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            ringBytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
        this.pool = pool;
    }

    /** Hand the pipe to a new connection: two endpoints will use it. */
    Pipe open()
    {
        users.set(2);
        return this;
    }

    /**
     * One endpoint will never touch the pipe again. The second release empties it (ring, trailer and counter) and
     * offers it back to the pool; a full pool leaves it to the garbage collector.
     */
    void release()
    {
        if (0 == users.decrementAndGet())
        {
            data.buffer().setMemory(0, data.buffer().capacity(), (byte)0);
            consumed.set(0);
            pool.offer(this);
        }
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
