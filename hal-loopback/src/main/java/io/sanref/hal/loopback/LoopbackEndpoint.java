package io.sanref.hal.loopback;

import io.sanref.hal.support.BoundedWait;
import io.sanref.hal.support.CompletionRing;
import io.sanref.hal.support.WorkQueue;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One end of a loopback connection (a queue pair).
 * <p>
 * <b>Exactly once.</b> Each accepted work request lives in a slot of a {@link WorkQueue}; the normal path, a
 * poster taking its request back, and a flush race for the slot by CAS, and only the winner writes a completion.
 * A poster claims a slot, publishes it, then re-checks the state: if the endpoint left {@link #ACTIVE} it tries
 * to take the slot back (and returns the error: no completion); if a flush already took it, the post succeeded
 * and the flush completion is its one completion.
 * <p>
 * <b>Abort.</b> {@link #abort()} CASes the state to {@link #ERROR}; waits, boundedly, until the progress thread
 * is not inside this endpoint's buffers ({@code delivering}, Dekker style: progress sets it, then re-checks the
 * state; abort sets the state, then waits for it to clear); invalidates the regions (waiting for remote accesses
 * in progress); flushes every outstanding request with {@link HalStatus#FLUSHED}; and tells the peer, whose own
 * progress then moves it to {@link #RESET}, reports {@link HalOpcode#EVENT_PEER_RESET} once and flushes its
 * requests with {@link HalStatus#REMOTE_RESET}. After abort returns the HAL touches none of this endpoint's
 * buffers again.
 * <p>
 * Threading: {@code post*}, {@link #connect}, {@link #abort}, {@link #registerMemory}, {@link #deregisterMemory}
 * from any thread. {@link #progress()} and the fields marked "progress thread only" belong to the owning node's
 * progress thread; a peer node's progress thread reaches this endpoint only through {@link #lookupRegion} and
 * {@link #state()} for RDMA.
 */
public final class LoopbackEndpoint implements HalEndpoint
{
    private static final System.Logger LOG = System.getLogger(LoopbackEndpoint.class.getName());

    private static final int CONNECT_NONE = 0;
    private static final int CONNECT_PENDING = 1;
    private static final int CONNECT_DONE = 2;

    /** RDMA outcome: the endpoint left ACTIVE mid-request; leave the request to the flush. */
    private static final int RDMA_SKIPPED = -1;
    /** RDMA outcome: the target endpoint is no longer ACTIVE (the peer closed). */
    private static final int RDMA_PEER_GONE = -2;

    private static final long KEY_SLOT_MASK = 0xFFFFL;
    private static final int KEY_GENERATION_MASK = 0xFF_FFFF;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final LoopbackMemoryRegion RESERVED = new LoopbackMemoryRegion(null, EMPTY, 0, -1, 0, 0);

    private final LoopbackFabric node;
    private final CompletionRing cq;
    private final long context;
    private final long waitTimeoutNs;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final WorkQueue<LoopbackMemoryRegion> sendQueue;
    private final WorkQueue<LoopbackMemoryRegion> recvQueue;
    private final AtomicReferenceArray<LoopbackMemoryRegion> regions;
    private final int[] regionGenerations;
    private final AtomicInteger connectWr = new AtomicInteger(CONNECT_NONE);
    private final AtomicBoolean eventCredit = new AtomicBoolean(true);
    private final AtomicBoolean peerNotified = new AtomicBoolean();
    private final AtomicBoolean retired = new AtomicBoolean();
    private final BoundedWait.Condition notDelivering = () -> 0 == this.delivering;

    private volatile int delivering;
    /** Abort thread only: abort gave up waiting for a connect to settle and forced ERROR. */
    private boolean forcedError;
    private volatile int peerReset;
    private volatile LoopbackEndpoint peer;
    private volatile long connectionId;
    private volatile SanAddress remoteAddress;
    private volatile ConnectRequest connectRequest;

    /** Written before the volatile write of {@link #ACTIVE}; read after reading it. */
    private Pipe outbound;
    private Pipe inbound;
    /** Written before {@link #connectWr} / {@link #connectRequest} are published. */
    private long connectWrId;
    private long connectDeadlineNs;

    /** Progress thread only: payload bytes pushed into {@link #outbound} so far. */
    private long pushedBytes;
    /** Progress thread only: bytes of the send at the push position already in the ring. */
    private int sendFragmentOffset;
    /** Progress thread only: bytes of the head message of {@link #inbound} already delivered. */
    int inboundMessageOffset;

    LoopbackEndpoint(final LoopbackFabric node, final long context)
    {
        this.node = node;
        this.context = context;
        cq = node.completionQueue();
        waitTimeoutNs = node.options().waitTimeoutNs;
        sendQueue = new WorkQueue<>(node.config().sendQueueDepth());
        recvQueue = new WorkQueue<>(node.config().recvQueueDepth());
        regions = new AtomicReferenceArray<>(node.options().regionsPerEndpoint);
        regionGenerations = new int[node.options().regionsPerEndpoint];
    }

    public long context()
    {
        return context;
    }

    public int state()
    {
        return state.get();
    }

    public long connectionId()
    {
        return connectionId;
    }

    public SanAddress remoteAddress()
    {
        return remoteAddress;
    }

    public String toString()
    {
        return "LoopbackEndpoint{node=" + node.config().nodeName() + ", context=" + context + ", state=" +
            state.get() + ", connectionId=" + connectionId + '}';
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connection setup
    // ---------------------------------------------------------------------------------------------------------

    public int connect(final SanAddress remote, final long wrId)
    {
        if (null == remote)
        {
            return HalStatus.INVALID;
        }

        final int current = state.get();
        if (IDLE != current)
        {
            return ERROR == current ? HalStatus.FLUSHED : HalStatus.INVALID;
        }

        if (!node.takeCredit())
        {
            return HalStatus.NO_RESOURCES;
        }

        if (!state.compareAndSet(IDLE, CONNECTING))
        {
            node.releaseCredits(1);
            return ERROR == state.get() ? HalStatus.FLUSHED : HalStatus.INVALID;
        }

        final ConnectRequest request = new ConnectRequest(this);
        connectWrId = wrId;
        connectDeadlineNs = System.nanoTime() + node.config().connectTimeoutMs() * 1_000_000L;
        connectWr.set(CONNECT_PENDING);
        connectRequest = request;

        final LoopbackListener listener = LoopbackAddressSpace.lookup(remote);
        if (null != listener && listener.offer(request))
        {
            return HalStatus.SUCCESS;
        }

        // R10: nobody listens there, or the backlog is full: refuse at once, unless an abort won the request
        // first (then the connect was started and completes FLUSHED).
        if (request.withdraw())
        {
            connectRequest = null;
            connectWr.set(CONNECT_NONE);
            state.set(IDLE);
            node.releaseCredits(1);
            return HalStatus.REFUSED;
        }

        return HalStatus.SUCCESS;
    }

    /**
     * The winner of this endpoint's connect request ended it without a connection (timeout, listener closed, no
     * room for the accepted end).
     */
    void failConnect(final int status)
    {
        state.set(ERROR);
        completeConnect(status);
        releaseEventCredit();
    }

    /** Join this endpoint to its peer and make it {@link #ACTIVE}. Called by the acceptor only. */
    void establish(
        final LoopbackEndpoint peer,
        final Pipe inbound,
        final Pipe outbound,
        final long connectionId,
        final SanAddress remoteAddress)
    {
        this.inbound = inbound;
        this.outbound = outbound;
        this.peer = peer;
        this.connectionId = connectionId;
        this.remoteAddress = remoteAddress;
        state.set(ACTIVE);
    }

    /** @return true if this call produced the CONNECT completion. */
    boolean completeConnect(final int status)
    {
        if (connectWr.compareAndSet(CONNECT_PENDING, CONNECT_DONE))
        {
            cq.write(connectWrId, HalOpcode.CONNECT, status, 0);
            return true;
        }

        return false;
    }

    LoopbackFabric node()
    {
        return node;
    }

    boolean isActive()
    {
        return ACTIVE == state.get();
    }

    boolean isFinished()
    {
        final int current = state.get();
        return RESET == current || ERROR == current;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Posting (any thread)
    // ---------------------------------------------------------------------------------------------------------

    public int postSend(final long wrId, final ByteBuffer buffer, final int offset, final int length)
    {
        if (!inBounds(buffer, offset, length))
        {
            return HalStatus.INVALID;
        }

        return post(sendQueue, wrId, HalOpcode.SEND, buffer, offset, length, null, 0, 0);
    }

    public int postRecv(final long wrId, final ByteBuffer buffer, final int offset, final int length)
    {
        if (!inBounds(buffer, offset, length) || buffer.isReadOnly())
        {
            return HalStatus.INVALID;
        }

        return post(recvQueue, wrId, HalOpcode.RECV, buffer, offset, length, null, 0, 0);
    }

    public int postRdmaWrite(
        final long wrId,
        final HalMemoryRegion local,
        final int localOffset,
        final int length,
        final long remoteKey,
        final long remoteOffset)
    {
        return postRdma(HalOpcode.RDMA_WRITE, wrId, local, localOffset, length, remoteKey, remoteOffset);
    }

    public int postRdmaRead(
        final long wrId,
        final HalMemoryRegion local,
        final int localOffset,
        final int length,
        final long remoteKey,
        final long remoteOffset)
    {
        return postRdma(HalOpcode.RDMA_READ, wrId, local, localOffset, length, remoteKey, remoteOffset);
    }

    private int postRdma(
        final int opcode,
        final long wrId,
        final HalMemoryRegion local,
        final int localOffset,
        final int length,
        final long remoteKey,
        final long remoteOffset)
    {
        if (!(local instanceof LoopbackMemoryRegion))
        {
            return HalStatus.INVALID;
        }

        final LoopbackMemoryRegion region = (LoopbackMemoryRegion)local;
        if (this != region.owner() || !inBounds(region.buffer(), localOffset, length))
        {
            return HalStatus.INVALID;
        }

        return post(
            sendQueue, wrId, opcode, region.buffer(), localOffset, length, region, remoteKey, remoteOffset);
    }

    private int post(
        final WorkQueue<LoopbackMemoryRegion> queue,
        final long wrId,
        final int opcode,
        final ByteBuffer buffer,
        final int offset,
        final int length,
        final LoopbackMemoryRegion region,
        final long remoteKey,
        final long remoteOffset)
    {
        final int before = state.get();
        if (ACTIVE != before)
        {
            return notActiveStatus(before);
        }

        if (!node.takeCredit())
        {
            return HalStatus.NO_RESOURCES;
        }

        final int slot = queue.claim();
        if (slot < 0)
        {
            node.releaseCredits(1);
            return HalStatus.NO_RESOURCES;
        }

        queue.fill(slot, wrId, opcode, buffer, offset, length, region, remoteKey, remoteOffset);
        queue.publish(slot);

        final int after = state.get();
        if (ACTIVE != after && queue.takeBack(slot))
        {
            node.releaseCredits(1);
            return notActiveStatus(after);
        }

        return HalStatus.SUCCESS;
    }

    private static int notActiveStatus(final int state)
    {
        switch (state)
        {
            case RESET:
                return HalStatus.REMOTE_RESET;
            case ERROR:
                return HalStatus.FLUSHED;
            default:
                return HalStatus.NOT_CONNECTED;
        }
    }

    private static boolean inBounds(final ByteBuffer buffer, final int offset, final int length)
    {
        return null != buffer && offset >= 0 && length >= 0 && offset <= buffer.capacity() - length;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Memory registration (any thread)
    // ---------------------------------------------------------------------------------------------------------

    public HalMemoryRegion registerMemory(final ByteBuffer buffer, final int access)
    {
        if (null == buffer || !MemoryAccess.isValid(access))
        {
            return null;
        }

        if (buffer.isReadOnly() && 0 != (access & (MemoryAccess.LOCAL_WRITE | MemoryAccess.REMOTE_WRITE)))
        {
            return null;
        }

        if (ERROR == state.get())
        {
            return null;
        }

        for (int slot = 0, length = regions.length(); slot < length; slot++)
        {
            if (null == regions.get(slot) && regions.compareAndSet(slot, null, RESERVED))
            {
                final int generation = ++regionGenerations[slot] & KEY_GENERATION_MASK;
                final LoopbackMemoryRegion region = new LoopbackMemoryRegion(
                    this, buffer, access, slot, newKey(slot, generation), newKey(slot, generation));
                regions.set(slot, region);

                if (ERROR == state.get())
                {
                    region.invalidate(waitTimeoutNs);
                    regions.compareAndSet(slot, region, null);
                    return null;
                }

                return region;
            }
        }

        return null;
    }

    public int deregisterMemory(final HalMemoryRegion region)
    {
        if (!(region instanceof LoopbackMemoryRegion))
        {
            return HalStatus.INVALID;
        }

        final LoopbackMemoryRegion loopbackRegion = (LoopbackMemoryRegion)region;
        if (this != loopbackRegion.owner() || !loopbackRegion.markDeregistered())
        {
            return HalStatus.INVALID;
        }

        final boolean quiet = loopbackRegion.invalidate(waitTimeoutNs);
        regions.compareAndSet(loopbackRegion.slot(), loopbackRegion, null);
        if (!quiet)
        {
            LOG.log(
                System.Logger.Level.ERROR,
                "loopback: deregistering {0} gave up after {1} ms: a remote access is still in progress;" +
                " the memory must not be reused yet",
                loopbackRegion,
                waitTimeoutNs / 1_000_000);
            return HalStatus.TIMED_OUT;
        }

        return HalStatus.SUCCESS;
    }

    /**
     * Peer's progress thread: the region a remote key names, matched exactly, or null.
     */
    LoopbackMemoryRegion lookupRegion(final long remoteKey)
    {
        final long slot = remoteKey & KEY_SLOT_MASK;
        if (slot >= regions.length())
        {
            return null;
        }

        final LoopbackMemoryRegion region = regions.get((int)slot);
        return null != region && region.remoteKey() == remoteKey ? region : null;
    }

    private static long newKey(final int slot, final int generation)
    {
        final long random = ThreadLocalRandom.current().nextLong(1, 1L << 23); // keys stay positive (SPI)
        return (random << 40) | ((long)generation << 16) | slot;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Abort (any thread, idempotent)
    // ---------------------------------------------------------------------------------------------------------

    public void abort()
    {
        enterError();

        final boolean progressLeft = BoundedWait.until(waitTimeoutNs, notDelivering);
        if (!progressLeft)
        {
            LOG.log(
                System.Logger.Level.ERROR,
                "loopback: abort of {0} gave up waiting {1} ms for the progress thread to leave its buffers",
                this,
                waitTimeoutNs / 1_000_000);
        }

        invalidateRegions();
        completeConnect(HalStatus.FLUSHED);
        sendQueue.flush(cq, HalStatus.FLUSHED);
        recvQueue.flush(cq, HalStatus.FLUSHED);
        notifyPeer();
        releaseEventCredit();

        if (retired.compareAndSet(false, true))
        {
            node.retire(this);
            // Our progress thread is out of the pipes and, the state being ERROR, never comes back: let them go.
            // If a bounded wait gave up, keep them (the garbage collector takes them) rather than reuse them.
            if (progressLeft && !forcedError)
            {
                releasePipes();
            }
        }
    }

    /** Tests only: whether both endpoints were given the same pipe objects (pooling at work). */
    boolean sharesPipesWith(final LoopbackEndpoint other)
    {
        return null != inbound && (inbound == other.inbound || inbound == other.outbound) &&
            (outbound == other.outbound || outbound == other.inbound);
    }

    private void releasePipes()
    {
        final Pipe in = inbound;
        final Pipe out = outbound;
        if (null != in)
        {
            in.release();
        }
        if (null != out)
        {
            out.release();
        }
    }

    private void enterError()
    {
        long deadline = 0;
        while (true)
        {
            final int current = state.get();
            if (ERROR == current)
            {
                return;
            }

            if (CONNECTING == current)
            {
                final ConnectRequest request = connectRequest;
                if (null != request && request.withdraw())
                {
                    state.set(ERROR);
                    return;
                }

                // Another party won the request (accept, timeout, listener close, immediate refusal) and is
                // finishing the transition without blocking; wait for it, boundedly.
                if (0 == deadline)
                {
                    deadline = System.nanoTime() + waitTimeoutNs;
                }
                else if (System.nanoTime() - deadline > 0)
                {
                    LOG.log(
                        System.Logger.Level.ERROR,
                        "loopback: abort of {0} forced ERROR after {1} ms stuck in CONNECTING",
                        this,
                        waitTimeoutNs / 1_000_000);
                    forcedError = true;
                    state.set(ERROR);
                    return;
                }
                Thread.yield();
                continue;
            }

            if (state.compareAndSet(current, ERROR))
            {
                return;
            }
        }
    }

    private void invalidateRegions()
    {
        for (int slot = 0, length = regions.length(); slot < length; slot++)
        {
            final LoopbackMemoryRegion region = regions.get(slot);
            if (null != region && RESERVED != region && !region.invalidate(waitTimeoutNs))
            {
                LOG.log(
                    System.Logger.Level.ERROR,
                    "loopback: abort of {0} gave up after {1} ms waiting for a remote access to {2}",
                    this,
                    waitTimeoutNs / 1_000_000,
                    region);
            }
        }
    }

    private void notifyPeer()
    {
        final LoopbackEndpoint peer = this.peer;
        if (null != peer && peerNotified.compareAndSet(false, true))
        {
            peer.peerReset = 1;
        }
    }

    private void releaseEventCredit()
    {
        if (eventCredit.compareAndSet(true, false))
        {
            node.releaseCredits(1);
        }
    }

    private void emitPeerResetEvent()
    {
        if (eventCredit.compareAndSet(true, false))
        {
            cq.write(context, HalOpcode.EVENT_PEER_RESET, HalStatus.REMOTE_RESET, 0);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Progress (owning node's progress thread only)
    // ---------------------------------------------------------------------------------------------------------

    /** @return work done. */
    int progress()
    {
        final int current = state.get();
        if (CONNECTING == current)
        {
            return checkConnectTimeout();
        }

        if (ACTIVE != current)
        {
            return 0;
        }

        delivering = 1;
        try
        {
            if (ACTIVE != state.get())
            {
                return 0;
            }

            int work = completeConsumedSends();
            work += pushSends();
            if (ACTIVE != state.get())
            {
                return work;
            }

            if (0 != peerReset)
            {
                return work + onPeerReset();
            }

            return work + deliverReceives();
        }
        finally
        {
            delivering = 0;
        }
    }

    private int checkConnectTimeout()
    {
        final ConnectRequest request = connectRequest;
        if (null == request || System.nanoTime() - connectDeadlineNs < 0)
        {
            return 0;
        }

        if (request.withdraw())
        {
            failConnect(HalStatus.TIMED_OUT);
            return 1;
        }

        return 0;
    }

    private int onPeerReset()
    {
        if (!state.compareAndSet(ACTIVE, RESET))
        {
            return 0;
        }

        emitPeerResetEvent();
        completeConnect(HalStatus.REMOTE_RESET);
        sendQueue.flush(cq, HalStatus.REMOTE_RESET);
        recvQueue.flush(cq, HalStatus.REMOTE_RESET);

        return 1;
    }

    /** Complete, in order, the sends the peer has consumed and the RDMA requests executed behind them. */
    private int completeConsumedSends()
    {
        final WorkQueue<LoopbackMemoryRegion> queue = sendQueue;
        final long consumed = outbound.consumed();
        int work = 0;
        while (queue.head < queue.next)
        {
            final int slot = queue.index(queue.head);
            if (queue.endPositions[slot] > consumed || !queue.casState(slot, WorkQueue.DELIVERING, WorkQueue.FREE))
            {
                break;
            }

            cq.write(queue.wrIds[slot], queue.opcodes[slot], HalStatus.SUCCESS, queue.lengths[slot]);
            queue.recycle(slot, queue.head);
            queue.head++;
            work++;
        }

        return work;
    }

    /** Move sends into the peer's data ring and execute RDMA requests, in posting order. */
    private int pushSends()
    {
        final WorkQueue<LoopbackMemoryRegion> queue = sendQueue;
        int work = 0;
        while (queue.next < queue.tail())
        {
            final int slot = queue.index(queue.next);
            final int slotState = queue.state(slot);
            if (WorkQueue.POSTED == slotState)
            {
                if (!queue.casState(slot, WorkQueue.POSTED, WorkQueue.DELIVERING))
                {
                    break;
                }
                sendFragmentOffset = 0;
            }
            else if (WorkQueue.DELIVERING != slotState)
            {
                break;
            }

            if (HalOpcode.SEND == queue.opcodes[slot])
            {
                if (!pushFragments(queue, slot))
                {
                    break;
                }
            }
            else
            {
                final int result = executeRdma(queue, slot);
                if (RDMA_SKIPPED == result)
                {
                    break;
                }

                if (HalStatus.SUCCESS != result)
                {
                    return work + failRdma(slot, RDMA_PEER_GONE == result);
                }
            }

            queue.endPositions[slot] = pushedBytes;
            queue.next++;
            work++;
        }

        return 0 == work ? 0 : work + completeConsumedSends();
    }

    /**
     * Copy the rest of one send into the peer's data ring, in fragments of at most the ring's max message length.
     *
     * @return true when all of it is in the ring; false if the ring is full (retried on the next call) or the
     * endpoint left ACTIVE.
     */
    private boolean pushFragments(final WorkQueue<LoopbackMemoryRegion> queue, final int slot)
    {
        final ManyToOneRingBuffer ring = outbound.data;
        final int maxMessageLength = ring.maxMsgLength();
        final ByteBuffer buffer = queue.buffers[slot];
        final int offset = queue.offsets[slot];
        final int length = queue.lengths[slot];

        while (sendFragmentOffset < length)
        {
            if (ACTIVE != state.get())
            {
                return false;
            }

            final int fragment = Math.min(maxMessageLength, length - sendFragmentOffset);
            final int index = ring.tryClaim(Pipe.DATA_MSG_TYPE_ID, fragment);
            if (index < 0)
            {
                return false;
            }

            ring.buffer().putBytes(index, buffer, offset + sendFragmentOffset, fragment);
            ring.commit(index);
            sendFragmentOffset += fragment;
            pushedBytes += fragment;
        }

        return true;
    }

    /**
     * Execute one RDMA request directly against the peer's region, like a NIC's DMA: exact key, bounds, access
     * rights, and the target still {@link #ACTIVE} (R9), checked while holding a use of both regions so a
     * concurrent deregistration or abort waits for the copy.
     */
    private int executeRdma(final WorkQueue<LoopbackMemoryRegion> queue, final int slot)
    {
        final LoopbackMemoryRegion local = queue.region(slot);
        final boolean write = HalOpcode.RDMA_WRITE == queue.opcodes[slot];
        final int localOffset = queue.offsets[slot];
        final int length = queue.lengths[slot];
        final long remoteOffset = queue.remoteOffsets[slot];
        final LoopbackEndpoint target = peer;

        if (ACTIVE != target.state())
        {
            return RDMA_PEER_GONE;
        }

        if (!local.acquire())
        {
            return HalStatus.REMOTE_ACCESS_ERROR;
        }

        try
        {
            if (!write && 0 == (local.access() & MemoryAccess.LOCAL_WRITE))
            {
                return HalStatus.REMOTE_ACCESS_ERROR;
            }

            final LoopbackMemoryRegion remote = target.lookupRegion(queue.remoteKeys[slot]);
            if (null == remote || !remote.acquire())
            {
                return ACTIVE != target.state() ? RDMA_PEER_GONE : HalStatus.REMOTE_ACCESS_ERROR;
            }

            try
            {
                if (ACTIVE != target.state())
                {
                    return RDMA_PEER_GONE;
                }

                final int required = write ? MemoryAccess.REMOTE_WRITE : MemoryAccess.REMOTE_READ;
                if (0 == (remote.access() & required) ||
                    remoteOffset < 0 ||
                    remoteOffset > remote.length() - length)
                {
                    return HalStatus.REMOTE_ACCESS_ERROR;
                }

                if (ACTIVE != state.get())
                {
                    return RDMA_SKIPPED;
                }

                final UnsafeBuffer view = node.rdmaView;
                view.wrap(remote.buffer());
                try
                {
                    if (write)
                    {
                        view.putBytes((int)remoteOffset, local.buffer(), localOffset, length);
                    }
                    else
                    {
                        view.getBytes((int)remoteOffset, local.buffer(), localOffset, length);
                    }
                }
                finally
                {
                    view.wrap(EMPTY);
                }

                return HalStatus.SUCCESS;
            }
            finally
            {
                remote.release();
            }
        }
        finally
        {
            local.release();
        }
    }

    /**
     * An RDMA request failed its checks: it completes with {@link HalStatus#REMOTE_ACCESS_ERROR}. If the peer is
     * gone this endpoint takes the peer-reset path (event, then {@link HalStatus#REMOTE_RESET} flushes); otherwise
     * it moves to {@link #ERROR} like a verbs QP, flushes the rest with {@link HalStatus#FLUSHED}, and the peer
     * learns of a reset.
     */
    private int failRdma(final int slot, final boolean peerGone)
    {
        if (peerGone)
        {
            if (!state.compareAndSet(ACTIVE, RESET))
            {
                return 0;
            }
            emitPeerResetEvent();
            sendQueue.flushSlot(cq, slot, HalStatus.REMOTE_ACCESS_ERROR);
            sendQueue.flush(cq, HalStatus.REMOTE_RESET);
            recvQueue.flush(cq, HalStatus.REMOTE_RESET);
        }
        else
        {
            if (!state.compareAndSet(ACTIVE, ERROR))
            {
                return 0;
            }
            sendQueue.flushSlot(cq, slot, HalStatus.REMOTE_ACCESS_ERROR);
            sendQueue.flush(cq, HalStatus.FLUSHED);
            recvQueue.flush(cq, HalStatus.FLUSHED);
            notifyPeer();
            releaseEventCredit();
        }

        return 1;
    }

    /** Fill posted receives, oldest first, from the inbound data ring. */
    private int deliverReceives()
    {
        final WorkQueue<LoopbackMemoryRegion> queue = recvQueue;
        final ManyToOneRingBuffer ring = inbound.data;
        final RecvCopier copier = node.recvCopier;
        int work = 0;

        while (queue.next < queue.tail() && ACTIVE == state.get())
        {
            final int slot = queue.index(queue.next);
            if (WorkQueue.POSTED != queue.state(slot))
            {
                break;
            }

            copier.begin(this, queue, slot);
            while (true)
            {
                final long before = ring.consumerPosition();
                final int read = ring.controlledRead(copier);
                if (copier.done() || (0 == read && ring.consumerPosition() == before))
                {
                    break;
                }
            }

            final boolean claimed = copier.claimed();
            final int filled = copier.filled();
            copier.end();
            if (!claimed)
            {
                break;
            }

            if (queue.casState(slot, WorkQueue.DELIVERING, WorkQueue.FREE))
            {
                cq.write(queue.wrIds[slot], HalOpcode.RECV, HalStatus.SUCCESS, filled);
                queue.recycle(slot, queue.next);
            }
            queue.next++;
            queue.head = queue.next;
            inbound.addConsumed(filled);
            work++;
        }

        return work;
    }
}
