package io.sanref.hal.rdma;

import io.sanref.hal.rdma.verbs.CmId;
import io.sanref.hal.rdma.verbs.CmRequest;
import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.hal.rdma.verbs.Mr;
import io.sanref.hal.rdma.verbs.Pd;
import io.sanref.hal.rdma.verbs.Qp;
import io.sanref.hal.support.BoundedWait;
import io.sanref.hal.support.CompletionRing;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One end of an rdma connection: a reliable-connected QP in its own protection domain, driven the way WSD/SDP
 * providers drove verbs.
 * <p>
 * <b>Send/receive ("bcopy" with credits).</b> Each side posts {@code bounceBuffers} private receives of
 * {@code bounceBytes} before connecting. A provider send is cut into chunks, each copied into a private staging
 * buffer and posted as a verbs SEND, but only while the sender holds a credit (a private receive the peer has
 * posted), so a send never meets a receiver that is not ready. The receiver copies arrived chunks, in order, into the
 * provider's receives as a byte stream, reposts each emptied private buffer, and tells the sender with an RDMA write
 * of two counters (bytes consumed, buffers returned) into the sender's control region. A provider send completes
 * once the peer consumed all its bytes, so a send to a peer that never receives stays pending (and is then flushed),
 * and a first message sent before the switch posts a receive is kept in the private buffers (R10).
 * <p>
 * <b>RDMA</b> is posted as verbs RDMA write/read with the provider's region and the peer's rkey; the soft HCA checks
 * key, bounds and access; an error completes that request {@link HalStatus#REMOTE_ACCESS_ERROR}, the QP goes to ERR,
 * the rest complete {@link HalStatus#FLUSHED}, and the peer is disconnected (it sees a reset). Requests on the send
 * queue complete in posting order.
 * <p>
 * <b>Abort</b> (any thread, idempotent): state to ERROR; wait, boundedly, until the progress thread is out of this
 * endpoint's buffers; disconnect (the peer gets DISCONNECTED before it can see the QP in ERR); modify the QP to ERR
 * (verbs flushes every work request); deregister the provider's regions (waiting for a peer's access in
 * progress). The progress thread then completes every provider request {@link HalStatus#FLUSHED} with 0 bytes,
 * reaps the verbs flushes, and destroys the QP once its completions are all polled. The peer's progress, on
 * DISCONNECTED, reports {@link HalOpcode#EVENT_PEER_RESET} once, then completes its requests
 * {@link HalStatus#REMOTE_RESET}.
 * <p>
 * Threading: {@code post*}, {@link #connect}, {@link #abort}, {@link #registerMemory}, {@link #deregisterMemory}
 * from any thread; {@link #progress}, {@link #progressConnection}, {@link #onWc} and fields marked "progress only"
 * from the node's progress thread.
 */
final class RdmaEndpoint implements HalEndpoint
{
    private static final System.Logger LOG = System.getLogger(RdmaEndpoint.class.getName());

    private static final long TAG_SHIFT = 56;
    private static final long TAG_APP = 1L << TAG_SHIFT;
    private static final long TAG_CHUNK = 2L << TAG_SHIFT;
    private static final long TAG_CTRL = 3L << TAG_SHIFT;
    private static final long TAG_RECV = 4L << TAG_SHIFT;
    private static final long TAG_MASK = 0xFFL << TAG_SHIFT;
    private static final long INDEX_MASK = ~TAG_MASK;
    private static final int CONTROL_BYTES = BufferSet.CONTROL_BYTES;
    private static final long IOVA_MAX = 0xFFFF;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final RdmaMemoryRegion RESERVED = new RdmaMemoryRegion(null, null, -1, 0);

    private final RdmaFabric fabric;
    private final CompletionRing cq;
    private final long context;
    private final long waitTimeoutNs;
    private final int bounceBuffers;
    private final int bounceBytes;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final HalQueue sendQueue;
    private final HalQueue recvQueue;
    private final AtomicReferenceArray<RdmaMemoryRegion> regions;
    private final AtomicBoolean eventCredit = new AtomicBoolean(true);
    private final AtomicBoolean aborted = new AtomicBoolean();
    /** Set when abort has finished its steps; the progress thread releases nothing before. */
    private volatile boolean abortDone;
    private final AtomicInteger connectPending = new AtomicInteger();
    private final BoundedWait.Condition notDelivering = () -> 0 == this.delivering;
    private final Pd pd;

    private volatile int delivering;
    private volatile Qp qp;
    private volatile CmId cmId;
    private volatile long connectionId;
    private volatile SanAddress remoteAddress;
    private long connectWrId;
    private long connectDeadlineNs;

    // Verbs objects of the connection (created by setup, before the QP is published).
    private BufferSet buffers;
    private int cqEntriesReserved;
    private Mr rxMr;
    private Mr txMr;
    private Mr controlMr;
    private Mr controlSrcMr;
    private UnsafeBuffer control;
    private UnsafeBuffer controlSrc;
    private long peerControlKey;

    // Progress only.
    private final UnsafeBuffer appView = new UnsafeBuffer(EMPTY);
    private final UnsafeBuffer bounceView = new UnsafeBuffer(EMPTY);
    private final int[] inboundBuffer;
    private final int[] inboundLength;
    private long inboundHead;
    private long inboundTail;
    private int inboundOffset;
    private long consumedBytes;
    private long returnedBuffers;
    private long sentConsumed;
    private long sentReturned;
    private boolean controlInFlight;
    /** Set when a request failed in a way a peer's reset explains; 0 otherwise. */
    private long suspectDeadlineNs;
    private int suspectStatus;
    private long chunksPosted;
    private long pushedBytes;
    private int sendFragmentOffset;
    private int finalStatus = HalStatus.FLUSHED;
    private boolean opsFinished;
    private boolean retired;

    RdmaEndpoint(final RdmaFabric fabric, final long context)
    {
        this.fabric = fabric;
        this.context = context;
        cq = fabric.completions;
        waitTimeoutNs = fabric.options.waitTimeoutNs();
        bounceBuffers = fabric.options.bounceBuffers();
        bounceBytes = fabric.options.bounceBytes();
        sendQueue = new HalQueue(fabric.config.sendQueueDepth());
        recvQueue = new HalQueue(fabric.config.recvQueueDepth());
        regions = new AtomicReferenceArray<>(fabric.options.regionsPerEndpoint());
        inboundBuffer = new int[bounceBuffers];
        inboundLength = new int[bounceBuffers];
        pd = fabric.device.allocPd(fabric.options.regionsPerEndpoint() + 4);
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

    int qpNum()
    {
        final Qp q = qp;
        return null == q ? -1 : q.qpNum();
    }

    boolean isRetired()
    {
        return retired;
    }

    public String toString()
    {
        return "RdmaEndpoint{node=" + fabric.config.nodeName() + ", context=" + context + ", state=" + state.get() +
            ", qp=" + qp + '}';
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connection setup
    // ---------------------------------------------------------------------------------------------------------

    /** Build the QP (RESET→INIT), the private buffers and their receives, and the CM id. */
    private synchronized boolean setup()
    {
        if (null != qp)
        {
            return true;
        }
        // The QP's worst case: every request on both queues completes (or is flushed) before one is polled.
        final int maxSendWr = fabric.config.sendQueueDepth() + bounceBuffers + 2;
        if (!fabric.reserveCqEntries(maxSendWr + bounceBuffers))
        {
            return false;
        }
        final Qp q = fabric.device.createQp(pd, fabric.verbsCq, fabric.verbsCq, maxSendWr, bounceBuffers);
        if (null == q)
        {
            fabric.releaseCqEntries(maxSendWr + bounceBuffers);
            return false;
        }
        cqEntriesReserved = maxSendWr + bounceBuffers;
        final BufferSet set = fabric.takeBuffers();
        buffers = set;
        rxMr = pd.registerMr(set.rx, Ibv.ACCESS_LOCAL_WRITE);
        txMr = pd.registerMr(set.tx, 0);
        controlMr = pd.registerMr(set.control, Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE);
        controlSrcMr = pd.registerMr(set.controlSrc, 0);
        final CmId id = fabric.device.createCmId(q);
        if (null == rxMr || null == txMr || null == controlMr || null == controlSrcMr || null == id ||
            0 != q.modify(Ibv.QPS_INIT))
        {
            fabric.device.destroyQp(q); // nothing posted yet: no completion to wait for
            fabric.releaseCqEntries(cqEntriesReserved);
            cqEntriesReserved = 0;
            releaseOwnRegions();
            if (null != id)
            {
                id.destroy();
            }
            return false;
        }
        control = new UnsafeBuffer(controlMr.buffer());
        controlSrc = new UnsafeBuffer(controlSrcMr.buffer());
        for (int i = 0; i < bounceBuffers; i++)
        {
            q.postRecv(TAG_RECV | i, rxMr.lkey(), rxMr.iova() + (long)i * bounceBytes, bounceBytes);
        }
        final long[] data = id.privateData();
        data[0] = remoteKey(controlMr);
        data[1] = bounceBuffers;
        data[2] = bounceBytes;
        cmId = id;
        q.owner(this);
        qp = q;
        return true;
    }

    /**
     * The key a peer uses for {@code mr}: the rkey in the low 32 bits, the region's iova (where its first byte is in
     * verbs addresses; 0 on the soft engine) above them, so offsets into the region stay offsets on the wire.
     */
    static long remoteKey(final Mr mr)
    {
        return mr.iova() << 32 | (mr.rkey() & 0xFFFF_FFFFL);
    }

    /** @return the rkey of a {@link #remoteKey}; 0, which no region carries, for a key we could not have issued. */
    private static int rkeyOf(final long key)
    {
        return issuable(key) ? (int)key : 0;
    }

    /** @return the verbs address of offset 0 of the region a {@link #remoteKey} names. */
    private static long iovaOf(final long key)
    {
        return issuable(key) ? key >>> 32 : 0;
    }

    private static boolean issuable(final long key)
    {
        return key > 0 && (key >>> 32) <= IOVA_MAX;
    }

    private boolean readPeerPrivateData()
    {
        final long[] peer = cmId.peerPrivateData();
        peerControlKey = peer[0];
        // Our chunks must fit the peer's buffers and our credits count its buffers.
        return peer[1] == bounceBuffers && peer[2] == bounceBytes;
    }

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
        if (!fabric.takeCredit())
        {
            return HalStatus.NO_RESOURCES;
        }
        if (!state.compareAndSet(IDLE, CONNECTING))
        {
            fabric.releaseCredits(1);
            return ERROR == state.get() ? HalStatus.FLUSHED : HalStatus.INVALID;
        }
        if (!setup())
        {
            state.compareAndSet(CONNECTING, IDLE);
            fabric.releaseCredits(1);
            return HalStatus.NO_RESOURCES;
        }
        connectWrId = wrId;
        connectDeadlineNs = System.nanoTime() + fabric.config.connectTimeoutMs() * 1_000_000L;
        remoteAddress = remote;
        connectPending.set(1);

        final int rc = cmId.connect(remote);
        if (0 == rc)
        {
            return HalStatus.SUCCESS;
        }
        // R10: refused at once; the endpoint stays IDLE (its QP and receives are kept for another try).
        cmId.clearRequest();
        remoteAddress = null;
        if (!connectPending.compareAndSet(1, 0))
        {
            return HalStatus.SUCCESS; // an abort got there first and completed the connect FLUSHED: it was started
        }
        fabric.releaseCredits(1);
        if (!state.compareAndSet(CONNECTING, IDLE))
        {
            return HalStatus.FLUSHED; // aborted meanwhile; no completion follows (we took it back above)
        }
        return Ibv.ECONNREFUSED == rc ? HalStatus.REFUSED : HalStatus.INVALID;
    }

    /** Listener side: set up and accept. @return false if the endpoint could not be brought up. */
    boolean acceptOn(final CmRequest request)
    {
        if (!setup())
        {
            request.reject();
            return false;
        }
        if (0 != request.accept(cmId, fabric.options.rnrRetry()) || !readPeerPrivateData())
        {
            return false;
        }
        connectionId = cmId.connectionId();
        remoteAddress = cmId.peerSourceAddress();
        return state.compareAndSet(IDLE, ACTIVE);
    }

    private void completeConnect(final int status)
    {
        if (connectPending.compareAndSet(1, 0))
        {
            cq.write(connectWrId, HalOpcode.CONNECT, status, 0);
        }
    }

    /** Progress only: connection-manager events and the connect timeout. @return work done. */
    int progressConnection()
    {
        final CmId id = cmId;
        if (null == id || retired)
        {
            return 0;
        }
        final int current = state.get();
        if (CONNECTING == current)
        {
            final int events = id.takeEvents();
            if (CmId.has(events, Ibv.CM_EVENT_ESTABLISHED))
            {
                if (readPeerPrivateData() && state.compareAndSet(CONNECTING, ACTIVE))
                {
                    connectionId = id.connectionId();
                    completeConnect(HalStatus.SUCCESS);
                }
                else
                {
                    failConnect(HalStatus.REFUSED);
                    id.disconnect();
                }
                if (CmId.has(events, Ibv.CM_EVENT_DISCONNECTED))
                {
                    onPeerReset();
                }
                return 1;
            }
            if (CmId.has(events, Ibv.CM_EVENT_REJECTED))
            {
                failConnect(HalStatus.REFUSED);
                return 1;
            }
            final CmRequest request = id.request();
            if (null != request && System.nanoTime() - connectDeadlineNs > 0 && request.withdraw())
            {
                failConnect(HalStatus.TIMED_OUT);
                return 1;
            }
            return 0;
        }
        if (ACTIVE == current && id.hasPending(Ibv.CM_EVENT_DISCONNECTED))
        {
            id.takeEvents();
            return onPeerReset();
        }
        if (ACTIVE == current && 0 != suspectDeadlineNs && System.nanoTime() - suspectDeadlineNs > 0)
        {
            fail(false, suspectStatus); // no disconnect came: the transport failed
            return 1;
        }
        return 0;
    }

    private void failConnect(final int status)
    {
        if (state.compareAndSet(CONNECTING, ERROR))
        {
            final Qp q = qp;
            if (null != q)
            {
                q.modify(Ibv.QPS_ERR);
            }
        }
        completeConnect(status);
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
        final long wrId, final HalMemoryRegion local, final int localOffset, final int length, final long remoteKey,
        final long remoteOffset)
    {
        return postRdma(HalOpcode.RDMA_WRITE, wrId, local, localOffset, length, remoteKey, remoteOffset);
    }

    public int postRdmaRead(
        final long wrId, final HalMemoryRegion local, final int localOffset, final int length, final long remoteKey,
        final long remoteOffset)
    {
        return postRdma(HalOpcode.RDMA_READ, wrId, local, localOffset, length, remoteKey, remoteOffset);
    }

    private int postRdma(
        final int opcode, final long wrId, final HalMemoryRegion local, final int localOffset, final int length,
        final long remoteKey, final long remoteOffset)
    {
        if (!(local instanceof RdmaMemoryRegion))
        {
            return HalStatus.INVALID;
        }
        final RdmaMemoryRegion region = (RdmaMemoryRegion)local;
        if (this != region.owner || !inBounds(region.buffer(), localOffset, length))
        {
            return HalStatus.INVALID;
        }
        return post(sendQueue, wrId, opcode, region.buffer(), localOffset, length, region, remoteKey, remoteOffset);
    }

    private int post(
        final HalQueue queue, final long wrId, final int opcode, final ByteBuffer buffer, final int offset,
        final int length, final RdmaMemoryRegion region, final long remoteKey, final long remoteOffset)
    {
        final int before = state.get();
        if (ACTIVE != before)
        {
            return notActiveStatus(before);
        }
        if (!fabric.takeCredit())
        {
            return HalStatus.NO_RESOURCES;
        }
        final int slot = queue.claim();
        if (slot < 0)
        {
            fabric.releaseCredits(1);
            return HalStatus.NO_RESOURCES;
        }
        queue.fill(slot, wrId, opcode, buffer, offset, length, region, remoteKey, remoteOffset);
        queue.doneStatus[slot] = HalQueue.NOT_DONE;
        queue.publish(slot);

        final int after = state.get();
        if (ACTIVE != after && queue.takeBack(slot))
        {
            fabric.releaseCredits(1);
            return notActiveStatus(after);
        }
        return HalStatus.SUCCESS;
    }

    private static int notActiveStatus(final int state)
    {
        switch (state)
        {
            case RESET: return HalStatus.REMOTE_RESET;
            case ERROR: return HalStatus.FLUSHED;
            default: return HalStatus.NOT_CONNECTED;
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
        // Verbs pins the pages it registers, so only direct buffers (which the GC never moves) can be registered.
        if (null == buffer || !buffer.isDirect() || !MemoryAccess.isValid(access) || ERROR == state.get() ||
            aborted.get())
        {
            return null;
        }
        int verbsAccess = 0;
        if (0 != (access & MemoryAccess.LOCAL_WRITE))
        {
            verbsAccess |= Ibv.ACCESS_LOCAL_WRITE;
        }
        if (0 != (access & MemoryAccess.REMOTE_READ))
        {
            verbsAccess |= Ibv.ACCESS_REMOTE_READ;
        }
        if (0 != (access & MemoryAccess.REMOTE_WRITE))
        {
            verbsAccess |= Ibv.ACCESS_REMOTE_WRITE | Ibv.ACCESS_LOCAL_WRITE;
        }
        for (int slot = 0, n = regions.length(); slot < n; slot++)
        {
            if (null == regions.get(slot) && regions.compareAndSet(slot, null, RESERVED))
            {
                final Mr mr = pd.registerMr(buffer, verbsAccess);
                if (null == mr)
                {
                    regions.set(slot, null);
                    return null;
                }
                final RdmaMemoryRegion region = new RdmaMemoryRegion(this, mr, slot, access);
                regions.set(slot, region);
                if (aborted.get())
                {
                    release(region);
                    return null;
                }
                return region;
            }
        }
        return null;
    }

    public int deregisterMemory(final HalMemoryRegion region)
    {
        if (!(region instanceof RdmaMemoryRegion) || this != ((RdmaMemoryRegion)region).owner)
        {
            return HalStatus.INVALID;
        }
        final RdmaMemoryRegion r = (RdmaMemoryRegion)region;
        if (r != regions.get(r.slot))
        {
            return HalStatus.INVALID;
        }
        return release(r);
    }

    private int release(final RdmaMemoryRegion region)
    {
        final int rc = pd.deregisterMr(region.mr, waitTimeoutNs);
        regions.compareAndSet(region.slot, region, null);
        if (Ibv.EBUSY == rc)
        {
            LOG.log(System.Logger.Level.ERROR, "rdma: deregistering {0} gave up after {1} ms waiting for a remote " +
                "access in progress", region, waitTimeoutNs / 1_000_000);
            return HalStatus.TIMED_OUT;
        }
        return 0 == rc ? HalStatus.SUCCESS : HalStatus.INVALID;
    }

    private void releaseRegions()
    {
        for (int slot = 0, n = regions.length(); slot < n; slot++)
        {
            final RdmaMemoryRegion region = regions.get(slot);
            if (null != region && RESERVED != region)
            {
                release(region);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Abort (any thread, idempotent)
    // ---------------------------------------------------------------------------------------------------------

    public void abort()
    {
        enterError();
        if (!aborted.compareAndSet(false, true))
        {
            return;
        }
        if (!BoundedWait.until(waitTimeoutNs, notDelivering))
        {
            LOG.log(System.Logger.Level.ERROR, "rdma: abort of {0} gave up waiting {1} ms for the progress thread " +
                "to leave its buffers", this, waitTimeoutNs / 1_000_000);
        }
        final CmId id = cmId;
        if (null != id)
        {
            id.disconnect();
        }
        final Qp q = qp;
        if (null != q)
        {
            q.modify(Ibv.QPS_ERR);
        }
        releaseRegions();
        abortDone = true;
    }

    private void enterError()
    {
        while (true)
        {
            final int current = state.get();
            if (ERROR == current)
            {
                return;
            }
            if (CONNECTING == current)
            {
                final CmId id = cmId;
                final CmRequest request = null == id ? null : id.request();
                if (null != request && !request.withdraw())
                {
                    // An acceptor took the request: let it finish joining the ids, boundedly, so our disconnect
                    // reaches the peer.
                    if (!BoundedWait.until(waitTimeoutNs, request::isSettled))
                    {
                        LOG.log(System.Logger.Level.ERROR, "rdma: abort of {0} forced ERROR after {1} ms waiting " +
                            "for an accept in progress", this, waitTimeoutNs / 1_000_000);
                    }
                }
            }
            if (state.compareAndSet(current, ERROR))
            {
                return;
            }
        }
    }

    /** An async QP_FATAL (its CQE was lost): the connection is gone; report a transport error. */
    void onQpFatal()
    {
        if (state.compareAndSet(ACTIVE, ERROR))
        {
            finalStatus = HalStatus.TRANSPORT_ERROR;
            emitEvent(HalOpcode.EVENT_TRANSPORT_ERROR, HalStatus.TRANSPORT_ERROR);
            disconnectAndFlush();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Progress (node's progress thread only)
    // ---------------------------------------------------------------------------------------------------------

    /** A verbs completion of this endpoint's QP. */
    void onWc(final long wrId, final int status, final int opcode, final int byteLen)
    {
        final long tag = wrId & TAG_MASK;
        final int index = (int)(wrId & INDEX_MASK);
        if (Ibv.WC_SUCCESS == status)
        {
            if (TAG_RECV == tag)
            {
                final int at = (int)(inboundTail++ % bounceBuffers);
                inboundBuffer[at] = index;
                inboundLength[at] = byteLen;
            }
            else if (TAG_CTRL == tag)
            {
                controlInFlight = false;
            }
            else if (TAG_APP == tag)
            {
                sendQueue.doneStatus[index] = HalStatus.SUCCESS;
                // byte_len is defined for receives and reads only (HCAs leave it 0 for an RDMA write): a successful
                // RDMA request moved all it asked for.
                sendQueue.doneBytes[index] = sendQueue.lengths[index];
            }
            return;
        }

        if (TAG_CTRL == tag)
        {
            controlInFlight = false;
        }
        if (Ibv.WC_WR_FLUSH_ERR == status)
        {
            if (TAG_APP == tag)
            {
                sendQueue.doneStatus[index] = HalStatus.FLUSHED;
            }
            return;
        }

        // A real error: the QP is in ERR now.
        final boolean peerGone = cmId.hasPending(Ibv.CM_EVENT_DISCONNECTED);
        if (!peerGone && mayBePeerReset(tag, status))
        {
            // The peer disconnects and then moves its QP to ERR; on a real fabric the NAK or retry timeout that its
            // QP causes can overtake the CM's DREQ. Give the disconnect as long as a connect may take before calling
            // this a transport failure: progressConnection decides, and finish gives this request the final status.
            if (0 == suspectDeadlineNs)
            {
                suspectStatus = status;
                suspectDeadlineNs = System.nanoTime() + fabric.config.connectTimeoutMs() * 1_000_000L;
            }
            if (TAG_APP == tag)
            {
                sendQueue.doneStatus[index] = HalStatus.FLUSHED;
            }
            return;
        }
        if (TAG_APP == tag)
        {
            sendQueue.doneStatus[index] = peerGone && Ibv.WC_RETRY_EXC_ERR == status ?
                HalStatus.REMOTE_RESET : HalStatus.REMOTE_ACCESS_ERROR;
        }
        if (peerGone)
        {
            cmId.takeEvents();
            onPeerReset();
        }
        else
        {
            fail(TAG_APP == tag && (Ibv.WC_REM_ACCESS_ERR == status || Ibv.WC_LOC_PROT_ERR == status), status);
        }
    }

    /** @return whether a failed request may be the echo of a peer's reset whose DISCONNECTED is still on its way. */
    private static boolean mayBePeerReset(final long tag, final int status)
    {
        return Ibv.WC_RETRY_EXC_ERR == status || Ibv.WC_REM_INV_REQ_ERR == status || Ibv.WC_REM_OP_ERR == status ||
            (TAG_APP != tag && Ibv.WC_RNR_RETRY_EXC_ERR == status);
    }

    /** The connection failed on this side: ERROR, and the peer is told by a disconnect. */
    private void fail(final boolean accessError, final int status)
    {
        if (state.compareAndSet(ACTIVE, ERROR))
        {
            if (accessError)
            {
                finalStatus = HalStatus.FLUSHED; // like a verbs QP: the failed request reports the error
            }
            else
            {
                finalStatus = HalStatus.TRANSPORT_ERROR;
                emitEvent(HalOpcode.EVENT_TRANSPORT_ERROR, HalStatus.TRANSPORT_ERROR);
            }
            LOG.log(System.Logger.Level.DEBUG, "rdma: {0} failed with verbs status {1}", this, status);
            disconnectAndFlush();
        }
    }

    private int onPeerReset()
    {
        if (!state.compareAndSet(ACTIVE, RESET))
        {
            return 0;
        }
        finalStatus = HalStatus.REMOTE_RESET;
        emitEvent(HalOpcode.EVENT_PEER_RESET, HalStatus.REMOTE_RESET);
        completeConnect(HalStatus.REMOTE_RESET);
        final Qp q = qp;
        if (null != q)
        {
            q.modify(Ibv.QPS_ERR);
        }
        return 1;
    }

    private void disconnectAndFlush()
    {
        final CmId id = cmId;
        if (null != id)
        {
            id.disconnect();
        }
        final Qp q = qp;
        if (null != q)
        {
            q.modify(Ibv.QPS_ERR);
        }
    }

    private void emitEvent(final int opcode, final int status)
    {
        if (eventCredit.compareAndSet(true, false))
        {
            cq.write(context, opcode, status, 0);
        }
    }

    /** @return work done. */
    int progress()
    {
        if (retired)
        {
            return 0;
        }
        final int current = state.get();
        if (ACTIVE == current)
        {
            delivering = 1;
            try
            {
                if (ACTIVE != state.get())
                {
                    return 0;
                }
                int work = issueSends();
                work += qp.process(64);
                work += deliverReceives();
                work += completeSends();
                work += sendControl();
                return work;
            }
            finally
            {
                delivering = 0;
            }
        }
        if (RESET == current || ERROR == current)
        {
            return finish(current);
        }
        return 0;
    }

    private long peerConsumed()
    {
        return control.getLongVolatile(0);
    }

    private long peerReturned()
    {
        return control.getLongVolatile(8);
    }

    /** Post chunks and RDMA requests, in posting order, while credits and the verbs send queue allow. */
    private int issueSends()
    {
        final HalQueue queue = sendQueue;
        int work = 0;
        while (queue.next < queue.tail())
        {
            final int slot = queue.index(queue.next);
            final int slotState = queue.state(slot);
            if (HalQueue.POSTED == slotState)
            {
                if (!queue.casState(slot, HalQueue.POSTED, HalQueue.DELIVERING))
                {
                    break;
                }
                sendFragmentOffset = 0;
            }
            else if (HalQueue.DELIVERING != slotState)
            {
                break;
            }

            if (HalOpcode.SEND == queue.opcodes[slot])
            {
                if (!pushChunks(queue, slot))
                {
                    break;
                }
                queue.endPositions[slot] = pushedBytes;
            }
            else
            {
                // A wrong key fails remotely, like any wrong key (see rkeyOf).
                final long key = queue.remoteKeys[slot];
                final Mr local = queue.region(slot).mr;
                final int rc = qp.postSend(TAG_APP | slot,
                    HalOpcode.RDMA_WRITE == queue.opcodes[slot] ? Ibv.WR_RDMA_WRITE : Ibv.WR_RDMA_READ,
                    local.lkey(), local.iova() + queue.offsets[slot], queue.lengths[slot], rkeyOf(key),
                    iovaOf(key) + queue.remoteOffsets[slot]);
                if (0 != rc)
                {
                    break; // verbs send queue full: retried on the next call
                }
            }
            queue.next++;
            work++;
        }
        return work;
    }

    private boolean pushChunks(final HalQueue queue, final int slot)
    {
        final int length = queue.lengths[slot];
        while (sendFragmentOffset < length)
        {
            if (ACTIVE != state.get() || chunksPosted - peerReturned() >= bounceBuffers)
            {
                return false; // no credit: the peer has not reposted a private receive yet
            }
            final int index = (int)(chunksPosted % bounceBuffers);
            final int chunk = Math.min(bounceBytes, length - sendFragmentOffset);
            final int at = index * bounceBytes;
            appView.wrap(queue.buffers[slot]);
            bounceView.wrap(txMr.buffer());
            try
            {
                bounceView.putBytes(at, appView, queue.offsets[slot] + sendFragmentOffset, chunk);
            }
            finally
            {
                appView.wrap(EMPTY);
                bounceView.wrap(EMPTY);
            }
            if (0 != qp.postSend(TAG_CHUNK | index, Ibv.WR_SEND, txMr.lkey(), txMr.iova() + at, chunk, 0, 0))
            {
                return false;
            }
            chunksPosted++;
            sendFragmentOffset += chunk;
            pushedBytes += chunk;
        }
        return true;
    }

    /** Complete, in order, sends the peer consumed and RDMA requests whose verbs completion arrived. */
    private int completeSends()
    {
        final HalQueue queue = sendQueue;
        final long consumed = peerConsumed();
        int work = 0;
        while (queue.head < queue.next)
        {
            final int slot = queue.index(queue.head);
            final int status;
            final int bytes;
            if (HalOpcode.SEND == queue.opcodes[slot])
            {
                if (queue.endPositions[slot] > consumed)
                {
                    break;
                }
                status = HalStatus.SUCCESS;
                bytes = queue.lengths[slot];
            }
            else
            {
                if (HalQueue.NOT_DONE == queue.doneStatus[slot] || HalStatus.SUCCESS != queue.doneStatus[slot])
                {
                    break; // pending, or failed: the error path completes it
                }
                status = HalStatus.SUCCESS;
                bytes = queue.doneBytes[slot];
            }
            if (!queue.casState(slot, HalQueue.DELIVERING, HalQueue.FREE))
            {
                break;
            }
            cq.write(queue.wrIds[slot], queue.opcodes[slot], status, bytes);
            queue.recycle(slot, queue.head);
            queue.head++;
            work++;
        }
        return work;
    }

    /** Fill posted receives, oldest first, from the private buffers; repost each emptied buffer. */
    private int deliverReceives()
    {
        final HalQueue queue = recvQueue;
        int work = 0;
        while (queue.next < queue.tail() && inboundHead < inboundTail && ACTIVE == state.get())
        {
            final int slot = queue.index(queue.next);
            if (HalQueue.POSTED != queue.state(slot) || !queue.casState(slot, HalQueue.POSTED, HalQueue.DELIVERING))
            {
                break;
            }
            final int capacity = queue.lengths[slot];
            int filled = 0;
            appView.wrap(queue.buffers[slot]);
            bounceView.wrap(rxMr.buffer());
            try
            {
                while (filled < capacity && inboundHead < inboundTail)
                {
                    final int at = (int)(inboundHead % bounceBuffers);
                    final int buffer = inboundBuffer[at];
                    final int available = inboundLength[at] - inboundOffset;
                    final int n = Math.min(available, capacity - filled);
                    appView.putBytes(queue.offsets[slot] + filled, bounceView,
                        buffer * bounceBytes + inboundOffset, n);
                    filled += n;
                    inboundOffset += n;
                    if (inboundOffset == inboundLength[at])
                    {
                        inboundOffset = 0;
                        inboundHead++;
                        if (0 == qp.postRecv(TAG_RECV | buffer, rxMr.lkey(), rxMr.iova() + (long)buffer * bounceBytes,
                            bounceBytes))
                        {
                            returnedBuffers++;
                        }
                    }
                }
            }
            finally
            {
                appView.wrap(EMPTY);
                bounceView.wrap(EMPTY);
            }
            consumedBytes += filled;
            if (queue.casState(slot, HalQueue.DELIVERING, HalQueue.FREE))
            {
                cq.write(queue.wrIds[slot], HalOpcode.RECV, HalStatus.SUCCESS, filled);
                queue.recycle(slot, queue.next);
            }
            queue.next++;
            queue.head = queue.next;
            work++;
        }
        return work;
    }

    /** Tell the sender what was consumed and returned: one RDMA write of two counters at a time. */
    private int sendControl()
    {
        if (controlInFlight || (consumedBytes == sentConsumed && returnedBuffers == sentReturned))
        {
            return 0;
        }
        controlSrc.putLong(0, consumedBytes);
        controlSrc.putLong(8, returnedBuffers);
        if (0 != qp.postSend(TAG_CTRL, Ibv.WR_RDMA_WRITE, controlSrcMr.lkey(), controlSrcMr.iova(), CONTROL_BYTES,
            rkeyOf(peerControlKey), iovaOf(peerControlKey)))
        {
            return 0;
        }
        controlInFlight = true;
        sentConsumed = consumedBytes;
        sentReturned = returnedBuffers;
        return 1;
    }

    /**
     * The connection is over (RESET or ERROR): complete every provider request once (RDMA with its verbs outcome if
     * it has one, everything else with the final status), reap the verbs flushes, then release the verbs objects.
     */
    private int finish(final int current)
    {
        int work = 0;
        if (!opsFinished)
        {
            if (ERROR == current && !aborted.get() && null != qp && Ibv.QPS_ERR != qp.state())
            {
                qp.modify(Ibv.QPS_ERR);
            }
            completeConnect(RESET == current ? HalStatus.REMOTE_RESET : HalStatus.FLUSHED);
            final int status = RESET == current ? HalStatus.REMOTE_RESET : finalStatus;
            final HalQueue queue = sendQueue;
            for (long ticket = queue.head; ticket < queue.next; ticket++)
            {
                final int slot = queue.index(ticket);
                final int done = queue.doneStatus[slot];
                if (HalOpcode.SEND != queue.opcodes[slot] && HalQueue.NOT_DONE != done && HalStatus.FLUSHED != done)
                {
                    if (queue.casState(slot, HalQueue.DELIVERING, HalQueue.FLUSHED))
                    {
                        cq.write(queue.wrIds[slot], queue.opcodes[slot], done,
                            HalStatus.SUCCESS == done ? queue.doneBytes[slot] : 0);
                        work++;
                    }
                }
                else if (queue.flushSlot(cq, slot, status))
                {
                    work++;
                }
            }
            work += queue.flush(cq, status);
            work += recvQueue.flush(cq, status);
            opsFinished = true;
        }

        final Qp q = qp;
        if (null != q)
        {
            if (0 != q.unreaped())
            {
                return work; // verbs flushes not reaped yet: they come through the node's CQ poll
            }
            if (!abortDone)
            {
                // Peer reset or failure without a local abort: the provider still owns the regions until it closes
                // the socket (R8), so keep the endpoint until abort.
                return work;
            }
            q.owner(null);
            if (0 != fabric.device.destroyQp(q))
            {
                return work;
            }
            qp = null;
            fabric.releaseCqEntries(cqEntriesReserved);
            cqEntriesReserved = 0;
        }
        else if (!abortDone)
        {
            return work;
        }
        if (!releaseResources())
        {
            return work; // a region is still being released; try again on the next call
        }
        if (eventCredit.compareAndSet(true, false))
        {
            fabric.releaseCredits(1);
        }
        final CmId id = cmId;
        if (null != id)
        {
            id.destroy();
        }
        retired = true;
        fabric.retire(this);
        return work + 1;
    }

    /**
     * Release the provider's regions, the HAL's own regions and the PD (the QP is gone or never existed), and give
     * the private buffers back to the pool. Idempotent.
     *
     * @return true once the PD is deallocated.
     */
    boolean releaseResources()
    {
        releaseRegions();
        releaseOwnRegions();
        if (0 != pd.deallocate())
        {
            return false;
        }
        final BufferSet set = buffers;
        if (null != set)
        {
            buffers = null;
            fabric.returnBuffers(set);
        }
        return true;
    }

    private void releaseOwnRegions()
    {
        final Mr[] own = {rxMr, txMr, controlMr, controlSrcMr};
        for (final Mr mr : own)
        {
            if (null != mr)
            {
                pd.deregisterMr(mr, waitTimeoutNs);
            }
        }
    }
}
