package io.sanref.hal.rdma.verbs;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A completion queue ({@code ibv_cq}): a bounded {@link RecordRing} of (wr_id, status, opcode, byte_len, qp_num). It
 * is bounded: a completion that finds it full is not silently lost: the CQ is marked overflowed,
 * {@link Ibv#EVENT_CQ_ERR} is raised once on the device's async event queue, the QP that produced it gets
 * {@link Ibv#EVENT_QP_FATAL} and moves to ERR, and {@link #overflowCount()} counts what was lost.
 * <p>
 * Threading: completions are written from any thread (the owner's progress, a peer device's progress delivering a
 * receive, a thread modifying a QP to ERR, a poster flushing into ERR); {@link #poll} from one thread.
 */
public final class SoftCq implements Cq
{
    final SoftDevice device;
    final int cqNum;
    private final RecordRing ring;
    private final AtomicBoolean overflowed = new AtomicBoolean();
    private final AtomicLong overflowCount = new AtomicLong();
    private final RecordRing.Reader reader = this::onRecord;
    private WcHandler handler;
    volatile boolean destroyed;

    SoftCq(final SoftDevice device, final int cqNum, final int cqe)
    {
        this.device = device;
        this.cqNum = cqNum;
        ring = new RecordRing(Math.max(1, cqe));
    }

    /** @return how many completions fit. */
    public int capacity()
    {
        return ring.capacity();
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
        return ring.size();
    }

    /**
     * {@code ibv_poll_cq}: deliver up to {@code max} completions, oldest first.
     *
     * @return the number delivered.
     */
    public int poll(final WcHandler handler, final int max)
    {
        this.handler = handler;
        try
        {
            return ring.poll(reader, max);
        }
        finally
        {
            this.handler = null;
        }
    }

    /** @return false if the CQ was full (the caller then treats the completion as lost and raises the errors). */
    boolean write(final long wrId, final int status, final int opcode, final int byteLen, final int qpNum)
    {
        if (ring.offer(wrId, status, opcode, byteLen, qpNum))
        {
            return true;
        }
        overflowCount.incrementAndGet();
        if (overflowed.compareAndSet(false, true))
        {
            device.raise(Ibv.EVENT_CQ_ERR, cqNum);
        }
        return false;
    }

    private void onRecord(final long wrId, final int status, final int opcode, final int byteLen, final int qpNum)
    {
        try
        {
            handler.onWc(wrId, status, opcode, byteLen, qpNum);
        }
        finally
        {
            device.reaped(qpNum);
        }
    }
}
