package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.hal.rdma.verbs.Qp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code ibv_qp} (RC). Work requests are built in scratch structures allocated once per QP and posted through the
 * context's ops table, so a post allocates nothing; one send and one receive scratch, hence posts to one QP must not
 * run concurrently (see {@link Qp}). RTR and RTS come from the connection manager ({@link IbverbsDevice#modifyByCm});
 * INIT, SQD, ERR and RESET are set here.
 */
final class IbverbsQp implements Qp
{
    private static final int INIT_ACCESS = Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE | Ibv.ACCESS_REMOTE_READ;

    final IbverbsDevice device;
    final MemorySegment qp;
    final AtomicInteger outstanding = new AtomicInteger();
    volatile int state = Ibv.QPS_RESET;
    volatile boolean live = true;
    private final int qpNum;
    private final MemorySegment sendWr;
    private final MemorySegment sendSge;
    private final MemorySegment recvWr;
    private final MemorySegment recvSge;
    private final MemorySegment badWr;
    private volatile Object owner;

    IbverbsQp(final IbverbsDevice device, final MemorySegment qp, final int qpNum)
    {
        this.device = device;
        this.qp = qp;
        this.qpNum = qpNum;
        final Arena arena = Arena.ofAuto();
        sendWr = arena.allocate(SEND_WR_SIZE, 8);
        sendSge = arena.allocate(SGE_SIZE, 8);
        recvWr = arena.allocate(RECV_WR_SIZE, 8);
        recvSge = arena.allocate(SGE_SIZE, 8);
        badWr = arena.allocate(ADDRESS);
        sendWr.set(ADDRESS, SEND_WR_NEXT, MemorySegment.NULL);
        sendWr.set(ADDRESS, SEND_WR_SG_LIST, sendSge);
        sendWr.set(JAVA_INT, SEND_WR_SEND_FLAGS, SEND_SIGNALED);
        recvWr.set(ADDRESS, RECV_WR_NEXT, MemorySegment.NULL);
        recvWr.set(ADDRESS, RECV_WR_SG_LIST, recvSge);
        recvWr.set(JAVA_INT, RECV_WR_NUM_SGE, 1);
    }

    public int qpNum()
    {
        return qpNum;
    }

    public int state()
    {
        return state;
    }

    public int modify(final int newState)
    {
        if (Ibv.QPS_RTR == newState || Ibv.QPS_RTS == newState && Ibv.QPS_SQD != state)
        {
            return Ibv.EINVAL; // path, remote QP and PSNs come from the connection manager
        }
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment attr = call.allocate(QP_ATTR_SIZE, 8);
            attr.set(JAVA_INT, QP_ATTR_QP_STATE, newState);
            int mask = QP_STATE;
            if (Ibv.QPS_INIT == newState)
            {
                attr.set(JAVA_SHORT, QP_ATTR_PKEY_INDEX, (short)0);
                attr.set(JAVA_BYTE, QP_ATTR_PORT_NUM, (byte)1);
                attr.set(JAVA_INT, QP_ATTR_QP_ACCESS_FLAGS, INIT_ACCESS);
                mask |= QP_PKEY_INDEX | QP_PORT | QP_ACCESS_FLAGS;
            }
            final int rc = (int)Native.MODIFY_QP.invokeExact(qp, attr, mask);
            if (0 != rc)
            {
                return rc < 0 ? -rc : rc;
            }
            state = newState;
            return 0;
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("ibv_modify_qp", ex);
        }
    }

    public int postSend(
        final long wrId, final int opcode, final int lkey, final long offset, final int length, final int rkey,
        final long remoteOffset)
    {
        if (Ibv.WR_SEND != opcode && Ibv.WR_RDMA_WRITE != opcode && Ibv.WR_RDMA_READ != opcode)
        {
            return Ibv.EINVAL;
        }
        sendWr.set(JAVA_LONG, SEND_WR_WR_ID, wrId);
        sendWr.set(JAVA_INT, SEND_WR_NUM_SGE, 0 == length ? 0 : 1);
        sendWr.set(JAVA_INT, SEND_WR_OPCODE, opcode);
        sendWr.set(JAVA_LONG, SEND_WR_REMOTE_ADDR, remoteOffset);
        sendWr.set(JAVA_INT, SEND_WR_RKEY, rkey);
        sendSge.set(JAVA_LONG, SGE_ADDR, offset);
        sendSge.set(JAVA_INT, SGE_LENGTH, length);
        sendSge.set(JAVA_INT, SGE_LKEY, lkey);
        outstanding.incrementAndGet();
        final int rc;
        try
        {
            rc = device.ops.postSend(qp, sendWr, badWr);
        }
        catch (final Throwable ex)
        {
            outstanding.decrementAndGet();
            throw IbverbsDevice.fatal("post_send", ex);
        }
        if (0 != rc)
        {
            outstanding.decrementAndGet();
            return rc < 0 ? -rc : rc;
        }
        return 0;
    }

    public int postRecv(final long wrId, final int lkey, final long offset, final int length)
    {
        recvWr.set(JAVA_LONG, RECV_WR_WR_ID, wrId);
        recvSge.set(JAVA_LONG, SGE_ADDR, offset);
        recvSge.set(JAVA_INT, SGE_LENGTH, length);
        recvSge.set(JAVA_INT, SGE_LKEY, lkey);
        outstanding.incrementAndGet();
        final int rc;
        try
        {
            rc = device.ops.postRecv(qp, recvWr, badWr);
        }
        catch (final Throwable ex)
        {
            outstanding.decrementAndGet();
            throw IbverbsDevice.fatal("post_recv", ex);
        }
        if (0 != rc)
        {
            outstanding.decrementAndGet();
            return rc < 0 ? -rc : rc;
        }
        return 0;
    }

    public int process(final int max)
    {
        return 0; // the HCA executes the send queue
    }

    public int unreaped()
    {
        return outstanding.get();
    }

    public Object owner()
    {
        return owner;
    }

    public void owner(final Object owner)
    {
        this.owner = owner;
    }

    public String toString()
    {
        return "IbverbsQp{" + qpNum + ", state=" + state + '}';
    }
}
