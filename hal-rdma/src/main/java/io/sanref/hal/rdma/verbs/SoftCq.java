package io.sanref.hal.rdma.verbs;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A completion queue ({@code ibv_cq}): fixed 32-byte records (wr_id, status, opcode, byte_len, qp_num) in an Agrona
 * {@link ManyToOneRingBuffer}. It is bounded: a completion that finds it full is not silently lost: the CQ is marked
 * overflowed, {@link Ibv#EVENT_CQ_ERR} is raised once on the device's async event queue, the QP that produced it gets
 * {@link Ibv#EVENT_QP_FATAL} and moves to ERR, and {@link #overflowCount()} counts what was lost.
 * <p>
 * Threading: completions are written from any thread (the owner's progress, a peer device's progress delivering a
 * receive, a thread modifying a QP to ERR, a poster flushing into ERR); {@link #poll} from one thread.
 */
public final class SoftCq
{
    static final int RECORD_LENGTH = 32;
    private static final int MESSAGE_LENGTH = RECORD_LENGTH - RecordDescriptor.HEADER_LENGTH;
    private static final int WR_ID_OFFSET = 0;
    private static final int STATUS_OFFSET = 8;
    private static final int BYTES_OFFSET = 12;
    private static final int QP_OFFSET = 16;

    final SoftDevice device;
    final int cqNum;
    private final ManyToOneRingBuffer ring;
    private final int capacity;
    private final AtomicBoolean overflowed = new AtomicBoolean();
    private final AtomicLong overflowCount = new AtomicLong();
    private final MessageHandler reader = this::onRecord;
    private WcHandler handler;
    private int delivered;
    volatile boolean destroyed;

    SoftCq(final SoftDevice device, final int cqNum, final int cqe)
    {
        this.device = device;
        this.cqNum = cqNum;
        final int bytes = BitUtil.findNextPositivePowerOfTwo(Math.max(cqe, 8) * RECORD_LENGTH);
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            bytes + RingBufferDescriptor.TRAILER_LENGTH, BitUtil.CACHE_LINE_LENGTH)));
        capacity = bytes / RECORD_LENGTH;
    }

    /** @return how many completions fit (the requested cqe, rounded up as verbs may do). */
    public int capacity()
    {
        return capacity;
    }

    /** @return completions lost to overflow so far. */
    public long overflowCount()
    {
        return overflowCount.get();
    }

    public boolean isOverflowed()
    {
        return overflowed.get();
    }

    /** @return an estimate of the completions waiting. */
    public int size()
    {
        return ring.size() / RECORD_LENGTH;
    }

    /**
     * {@code ibv_poll_cq}: deliver up to {@code max} completions, oldest first.
     *
     * @return the number delivered.
     */
    public int poll(final WcHandler handler, final int max)
    {
        this.handler = handler;
        delivered = 0;
        try
        {
            ring.read(reader, max);
        }
        finally
        {
            this.handler = null;
        }
        return delivered;
    }

    /** @return false if the CQ was full (the caller then treats the completion as lost and raises the errors). */
    boolean write(final long wrId, final int status, final int opcode, final int byteLen, final int qpNum)
    {
        final int index = ring.tryClaim(opcode + 1, MESSAGE_LENGTH);
        if (RingBuffer.INSUFFICIENT_CAPACITY == index)
        {
            overflowCount.incrementAndGet();
            if (overflowed.compareAndSet(false, true))
            {
                device.raise(Ibv.EVENT_CQ_ERR, cqNum);
            }
            return false;
        }
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(index + WR_ID_OFFSET, wrId);
        buffer.putInt(index + STATUS_OFFSET, status);
        buffer.putInt(index + BYTES_OFFSET, byteLen);
        buffer.putInt(index + QP_OFFSET, qpNum);
        ring.commit(index);
        return true;
    }

    private void onRecord(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        delivered++;
        final int qpNum = buffer.getInt(index + QP_OFFSET);
        try
        {
            handler.onWc(
                buffer.getLong(index + WR_ID_OFFSET),
                buffer.getInt(index + STATUS_OFFSET),
                msgTypeId - 1,
                buffer.getInt(index + BYTES_OFFSET),
                qpNum);
        }
        finally
        {
            device.reaped(qpNum);
        }
    }
}
