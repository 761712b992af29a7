package io.sanref.hal.rdma.verbs;

import io.sanref.hal.support.BoundedWait;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reliable-connected queue pair ({@code ibv_qp}, {@code IBV_QPT_RC}) of the soft engine.
 * <p>
 * <b>States.</b> RESET → INIT → RTR → RTS ⇄ SQD, any → ERR, any → RESET ({@link Ibv#isLegalTransition}); an
 * illegal {@link #modify} returns {@link Ibv#EINVAL} and changes nothing. Sends and RDMA may be posted in RTS and
 * SQD (executed in RTS only) and in ERR (flushed at once, as verbs does); receives in every state but RESET.
 * <p>
 * <b>Execution.</b> The owner's progress thread calls {@link #process}: it executes the send queue in posting order
 * against the connected QP, like the requester side of an HCA: a send consumes the peer's oldest posted receive
 * (none posted: receiver not ready, retried on the next call up to {@code rnr_retry} times, then
 * {@link Ibv#WC_RNR_RETRY_EXC_ERR}); RDMA checks the peer's rkey, bounds and access flags
 * ({@link Ibv#WC_REM_ACCESS_ERR} otherwise, writing nothing). An error completion moves this QP to ERR.
 * <p>
 * <b>Modify to ERR</b> (any thread): the state is set first, then it waits, boundedly, until {@link #process} is not
 * executing (a Dekker pair: process sets {@code executing} then reads the state), then every outstanding request is
 * completed {@link Ibv#WC_WR_FLUSH_ERR}, send queue then receive queue, each in posting order. A request posted
 * concurrently is flushed by whichever of the poster and the flusher wins its slot: never lost, never twice. Once the
 * last one is flushed, {@link Ibv#EVENT_QP_LAST_WQE_REACHED} is raised (real HCAs raise it for SRQ-attached QPs;
 * the model raises it for every QP so its owner knows no further completion will come).
 * <p>
 * Threading: {@link #postSend}, {@link #postRecv}, {@link #modify} from any thread; {@link #process} from the
 * owning device's progress thread only; a peer's {@link #process} consumes this QP's receive queue.
 */
public final class SoftQp implements Qp
{
    private static final System.Logger LOG = System.getLogger(SoftQp.class.getName());
    private static final int RETRY = -1;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    final SoftDevice device;
    final int qpNum;
    final SoftPd pd;
    final SoftCq sendCq;
    final SoftCq recvCq;
    final SoftWorkQueue sq;
    final SoftWorkQueue rq;
    final AtomicInteger unreaped = new AtomicInteger();
    private final AtomicInteger state = new AtomicInteger(Ibv.QPS_RESET);
    private final AtomicBoolean lastWqeRaised = new AtomicBoolean();
    private final long waitTimeoutNs;
    private final BoundedWait.Condition notExecuting = () -> 0 == this.executing;
    private final UnsafeBuffer localView = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer remoteView = new UnsafeBuffer(EMPTY);

    private volatile int executing;
    private volatile SoftQp remote;
    private volatile int rnrRetry = Ibv.RNR_RETRY_INFINITE;
    volatile boolean destroyed;
    /** Executor only. */
    private int rnrAttempts;

    SoftQp(
        final SoftDevice device,
        final int qpNum,
        final SoftPd pd,
        final SoftCq sendCq,
        final SoftCq recvCq,
        final int maxSendWr,
        final int maxRecvWr,
        final long waitTimeoutNs)
    {
        this.device = device;
        this.qpNum = qpNum;
        this.pd = pd;
        this.sendCq = sendCq;
        this.recvCq = recvCq;
        this.waitTimeoutNs = waitTimeoutNs;
        sq = new SoftWorkQueue(maxSendWr);
        rq = new SoftWorkQueue(maxRecvWr);
    }

    private volatile Object owner;

    public Object owner()
    {
        return owner;
    }

    public void owner(final Object owner)
    {
        this.owner = owner;
    }

    public int qpNum()
    {
        return qpNum;
    }

    public int state()
    {
        return state.get();
    }

    public SoftPd pd()
    {
        return pd;
    }

    /** @return completions this QP produced (or will produce for requests posted) that nobody has polled yet. */
    public int unreaped()
    {
        return unreaped.get();
    }

    public String toString()
    {
        return "SoftQp{" + device.name() + "#" + qpNum + ", " + Ibv.qpStateName(state.get()) + '}';
    }

    // ---------------------------------------------------------------------------------------------------------
    // State machine (any thread)
    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code ibv_modify_qp} to RTR: connect to {@code remote} (the address vector and dest_qp_num of verbs).
     *
     * @param rnrRetry 0..6 retries when the receiver is not ready, or {@link Ibv#RNR_RETRY_INFINITE}.
     */
    public int modifyToRtr(final SoftQp remote, final int rnrRetry)
    {
        if (null == remote || rnrRetry < 0 || rnrRetry > Ibv.RNR_RETRY_INFINITE)
        {
            return Ibv.EINVAL;
        }
        if (Ibv.QPS_INIT != state.get())
        {
            return Ibv.EINVAL;
        }
        this.remote = remote;
        this.rnrRetry = rnrRetry;
        return transition(Ibv.QPS_RTR);
    }

    /**
     * {@code ibv_modify_qp} with {@code IBV_QP_STATE}. RTR needs {@link #modifyToRtr}. ERR flushes (see the class
     * comment). RESET is refused with {@link Ibv#EBUSY} while requests are outstanding (the model never discards a
     * request silently), otherwise it empties both queues for reuse.
     *
     * @return 0, {@link Ibv#EINVAL} for an illegal transition, {@link Ibv#EBUSY}.
     */
    public int modify(final int newState)
    {
        if (Ibv.QPS_RTR == newState)
        {
            return Ibv.EINVAL;
        }
        if (Ibv.QPS_RESET == newState)
        {
            return reset();
        }
        final int result = transition(newState);
        if (0 == result && Ibv.QPS_ERR == newState)
        {
            if (!BoundedWait.until(waitTimeoutNs, notExecuting))
            {
                LOG.log(System.Logger.Level.ERROR, "soft verbs: {0} gave up after {1} ms waiting for execution to " +
                    "stop before flushing", this, waitTimeoutNs / 1_000_000);
            }
            flush();
        }
        return result;
    }

    private int transition(final int newState)
    {
        while (true)
        {
            final int current = state.get();
            if (!Ibv.isLegalTransition(current, newState))
            {
                return Ibv.EINVAL;
            }
            if (state.compareAndSet(current, newState))
            {
                return 0;
            }
        }
    }

    private int reset()
    {
        final int current = state.get();
        if (!BoundedWait.until(waitTimeoutNs, notExecuting) || !sq.isIdle() || !rq.isIdle())
        {
            return Ibv.EBUSY;
        }
        if (!state.compareAndSet(current, Ibv.QPS_RESET))
        {
            return Ibv.EBUSY;
        }
        sq.reset();
        rq.reset();
        remote = null;
        lastWqeRaised.set(false);
        return 0;
    }

    /** Flush both queues in posting order; raise LAST_WQE_REACHED once. */
    private void flush()
    {
        sq.flushAll(this, sendCq, waitTimeoutNs);
        rq.flushAll(this, recvCq, waitTimeoutNs);
        if (lastWqeRaised.compareAndSet(false, true))
        {
            device.raise(Ibv.EVENT_QP_LAST_WQE_REACHED, qpNum);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Posting (any thread)
    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code ibv_post_send} of one signaled work request.
     *
     * @param opcode      {@link Ibv#WR_SEND}, {@link Ibv#WR_RDMA_WRITE} or {@link Ibv#WR_RDMA_READ}.
     * @param lkey        the local region's lkey (checked at execution, as an HCA does).
     * @param rkey        the remote region's rkey (RDMA only).
     * @return 0, {@link Ibv#EINVAL} (wrong state or opcode), {@link Ibv#ENOMEM} (send queue full).
     */
    public int postSend(
        final long wrId,
        final int opcode,
        final int lkey,
        final long offset,
        final int length,
        final int rkey,
        final long remoteOffset)
    {
        if (Ibv.WR_SEND != opcode && Ibv.WR_RDMA_WRITE != opcode && Ibv.WR_RDMA_READ != opcode)
        {
            return Ibv.EINVAL;
        }
        final int current = state.get();
        if (Ibv.QPS_RTS != current && Ibv.QPS_SQD != current && Ibv.QPS_ERR != current)
        {
            return Ibv.EINVAL;
        }
        return post(sq, sendCq, wrId, opcode, lkey, offset, length, rkey, remoteOffset);
    }

    /**
     * {@code ibv_post_recv} of one request.
     *
     * @return 0, {@link Ibv#EINVAL} (QP in RESET), {@link Ibv#ENOMEM} (receive queue full).
     */
    public int postRecv(final long wrId, final int lkey, final long offset, final int length)
    {
        if (Ibv.QPS_RESET == state.get())
        {
            return Ibv.EINVAL;
        }
        return post(rq, recvCq, wrId, Ibv.WR_RECV, lkey, offset, length, 0, 0);
    }

    private int post(
        final SoftWorkQueue queue,
        final SoftCq cq,
        final long wrId,
        final int opcode,
        final int lkey,
        final long offset,
        final int length,
        final int rkey,
        final long remoteOffset)
    {
        if (length < 0 || destroyed)
        {
            return Ibv.EINVAL;
        }
        final long ticket = queue.claim();
        if (ticket < 0)
        {
            return Ibv.ENOMEM;
        }
        final int slot = queue.index(ticket);
        queue.wrIds[slot] = wrId;
        queue.opcodes[slot] = opcode;
        queue.lkeys[slot] = lkey;
        queue.offsets[slot] = offset;
        queue.lengths[slot] = length;
        queue.rkeys[slot] = rkey;
        queue.remoteOffsets[slot] = remoteOffset;
        unreaped.incrementAndGet();
        queue.publish(slot);

        if (Ibv.QPS_ERR == state.get())
        {
            // Posted into ERR, or raced a modify to ERR: whichever of us and the flusher wins the slot flushes it.
            queue.flushTicket(this, cq, ticket, waitTimeoutNs);
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Execution (owner's progress thread)
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Execute up to {@code max} send-queue requests, in order, while in RTS.
     *
     * @return requests completed (0 when idle or waiting for a receiver).
     */
    public int process(final int max)
    {
        executing = 1;
        try
        {
            int work = 0;
            while (work < max && Ibv.QPS_RTS == state.get())
            {
                final int slot = sq.take();
                if (slot < 0)
                {
                    break;
                }
                if (RETRY == execute(slot))
                {
                    sq.untake(slot);
                    break;
                }
                work++;
            }
            return work;
        }
        finally
        {
            executing = 0;
        }
    }

    private int execute(final int slot)
    {
        final int opcode = sq.opcodes[slot];
        final long offset = sq.offsets[slot];
        final int length = sq.lengths[slot];
        final SoftQp peer = remote;

        final SoftMr local = pd.lookup(sq.lkeys[slot], false);
        if (null == local || !local.inBounds(offset, length) ||
            (Ibv.WR_RDMA_READ == opcode && 0 == (local.access() & Ibv.ACCESS_LOCAL_WRITE)))
        {
            return fail(slot, Ibv.WC_LOC_PROT_ERR);
        }
        if (null == peer || peer.destroyed || !peer.canRespond())
        {
            return fail(slot, Ibv.WC_RETRY_EXC_ERR); // nobody answers: transport retries run out
        }

        if (Ibv.WR_SEND == opcode)
        {
            return executeSend(slot, peer, local, offset, length);
        }

        final SoftMr target = peer.pd.lookup(sq.rkeys[slot], true);
        final boolean write = Ibv.WR_RDMA_WRITE == opcode;
        if (null == target)
        {
            return fail(slot, Ibv.WC_REM_ACCESS_ERR);
        }
        if (!target.acquire())
        {
            return fail(slot, Ibv.WC_REM_ACCESS_ERR);
        }
        try
        {
            final long remoteOffset = sq.remoteOffsets[slot];
            if (0 == (target.access() & (write ? Ibv.ACCESS_REMOTE_WRITE : Ibv.ACCESS_REMOTE_READ)) ||
                !target.inBounds(remoteOffset, length))
            {
                return fail(slot, Ibv.WC_REM_ACCESS_ERR);
            }
            if (!local.acquire())
            {
                return fail(slot, Ibv.WC_LOC_PROT_ERR);
            }
            try
            {
                if (write)
                {
                    copy(local, (int)offset, target, (int)remoteOffset, length);
                }
                else
                {
                    copy(target, (int)remoteOffset, local, (int)offset, length);
                }
            }
            finally
            {
                local.release();
            }
        }
        finally
        {
            target.release();
        }
        return succeed(slot, write ? Ibv.WC_RDMA_WRITE : Ibv.WC_RDMA_READ, length);
    }

    private int executeSend(final int slot, final SoftQp peer, final SoftMr local, final long offset, final int length)
    {
        final SoftWorkQueue peerRq = peer.rq;
        final int recvSlot = peerRq.take();
        if (recvSlot < 0)
        {
            final int retries = rnrRetry;
            if (Ibv.RNR_RETRY_INFINITE != retries && rnrAttempts++ >= retries)
            {
                rnrAttempts = 0;
                return fail(slot, Ibv.WC_RNR_RETRY_EXC_ERR);
            }
            return RETRY;
        }
        rnrAttempts = 0;

        final SoftMr target = peer.pd.lookup(peerRq.lkeys[recvSlot], false);
        final long recvOffset = peerRq.offsets[recvSlot];
        final int recvLength = peerRq.lengths[recvSlot];
        if (null == target || 0 == (target.access() & Ibv.ACCESS_LOCAL_WRITE) ||
            !target.inBounds(recvOffset, recvLength) || recvLength < length)
        {
            // The responder's receive is unusable: it completes in error there, and this send fails.
            final int recvStatus = recvLength < length ? Ibv.WC_LOC_LEN_ERR : Ibv.WC_LOC_PROT_ERR;
            final long recvWrId = peerRq.wrIds[recvSlot];
            peerRq.complete(recvSlot);
            peer.writeCompletion(peer.recvCq, recvWrId, recvStatus, Ibv.WC_RECV, 0, false);
            peer.modify(Ibv.QPS_ERR);
            return fail(slot, Ibv.WC_REM_INV_REQ_ERR);
        }
        if (!target.acquire())
        {
            peerRq.untake(recvSlot);
            return fail(slot, Ibv.WC_REM_ACCESS_ERR);
        }
        try
        {
            if (!local.acquire())
            {
                peerRq.untake(recvSlot);
                return fail(slot, Ibv.WC_LOC_PROT_ERR);
            }
            try
            {
                copy(local, (int)offset, target, (int)recvOffset, length);
            }
            finally
            {
                local.release();
            }
        }
        finally
        {
            target.release();
        }
        final long recvWrId = peerRq.wrIds[recvSlot];
        peerRq.complete(recvSlot);
        peer.writeCompletion(peer.recvCq, recvWrId, Ibv.WC_SUCCESS, Ibv.WC_RECV, length, false);
        return succeed(slot, Ibv.WC_SEND, length);
    }

    /** Copy like a DMA engine: aligned 8-byte words are written whole, in increasing address order. */
    private void copy(final SoftMr from, final int fromOffset, final SoftMr to, final int toOffset, final int length)
    {
        if (0 == length)
        {
            return;
        }
        final UnsafeBuffer src = localView;
        final UnsafeBuffer dst = remoteView;
        src.wrap(from.buffer());
        dst.wrap(to.buffer());
        try
        {
            if (0 == ((fromOffset | toOffset | length) & 7))
            {
                for (int i = 0; i < length; i += 8)
                {
                    dst.putLongVolatile(toOffset + i, src.getLongVolatile(fromOffset + i));
                }
            }
            else
            {
                dst.putBytes(toOffset, src, fromOffset, length);
            }
        }
        finally
        {
            src.wrap(EMPTY);
            dst.wrap(EMPTY);
        }
    }

    private int succeed(final int slot, final int wcOpcode, final int length)
    {
        writeCompletion(sendCq, sq.wrIds[slot], Ibv.WC_SUCCESS, wcOpcode, length, true);
        sq.complete(slot);
        return 0;
    }

    /** Complete the executing request in error and move to ERR, flushing the rest (executor only). */
    private int fail(final int slot, final int status)
    {
        writeCompletion(sendCq, sq.wrIds[slot], status, SoftWorkQueue.wcOpcode(sq.opcodes[slot]), 0, true);
        sq.complete(slot);
        enterErrorFromExecutor();
        return 0;
    }

    private void enterErrorFromExecutor()
    {
        if (0 == transition(Ibv.QPS_ERR))
        {
            flush();
        }
    }

    boolean canRespond()
    {
        final int current = state.get();
        return Ibv.QPS_RTR == current || Ibv.QPS_RTS == current || Ibv.QPS_SQD == current;
    }

    /**
     * Write one completion; if the CQ is full the completion is lost loudly: counted, CQ_ERR raised by the CQ,
     * QP_FATAL raised here, and the QP moved to ERR.
     */
    void writeCompletion(
        final SoftCq cq, final long wrId, final int status, final int opcode, final int byteLen, final boolean executor)
    {
        if (cq.write(wrId, status, opcode, byteLen, qpNum))
        {
            return;
        }
        device.reaped(qpNum);
        if (Ibv.QPS_ERR != state.get())
        {
            device.raise(Ibv.EVENT_QP_FATAL, qpNum);
            if (executor)
            {
                enterErrorFromExecutor();
            }
            else if (0 == transition(Ibv.QPS_ERR))
            {
                BoundedWait.until(waitTimeoutNs, notExecuting);
                flush();
            }
        }
    }
}
