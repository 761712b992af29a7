package io.sanref.hal.wsd;

import io.sanref.hal.support.BoundedWait;
import io.sanref.hal.support.CompletionRing;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * One end of a wsd connection: a TCP socket speaking the wire protocol of {@code docs/wire-protocol.md}.
 * <p>
 * <b>Exactly once.</b> As in the loopback HAL, each accepted work request lives in a {@link WsdWorkQueue} slot whose
 * state changes only by CAS; the progress thread, a poster taking its request back, and a flush race for it and
 * exactly one completes it.
 * <p>
 * <b>Flow control.</b> Sends are a byte stream cut into DATA frames. The receiver buffers at most its window
 * ({@code wsd.recvWindowBytes}) of data no receive has taken yet (R10's private buffer) and reports the bytes its
 * receives consumed in CREDIT frames; the sender never has more than a window unconsumed, and a send completes once
 * the peer consumed all its bytes. So a receiver can always read its socket, and a peer's EOF or RST is seen at once.
 * <p>
 * <b>Abort.</b> {@link #abort()} moves the endpoint to {@link #ERROR}, waits (boundedly) until the progress thread
 * is out of this endpoint ({@code delivering}, Dekker style), invalidates its regions, flushes every request with
 * {@link HalStatus#FLUSHED}, writes an ABORT frame if the socket takes it, and closes the socket with
 * {@code SO_LINGER 0} so the peer's kernel sees an RST. The peer's EOF, RST or ABORT frame is a reset there:
 * {@link HalOpcode#EVENT_PEER_RESET}, then every request completes {@link HalStatus#REMOTE_RESET}.
 * <p>
 * Threading: {@code post*}, {@link #connect}, {@link #abort}, {@link #registerMemory}, {@link #deregisterMemory}
 * from any thread; {@link #progress} and fields marked "progress thread only" on the node's progress thread;
 * {@link #activateAccepted} on the accepting thread while the progress thread leaves a backlog entry alone.
 */
public final class WsdEndpoint implements HalEndpoint
{
    private static final Logger LOG = LoggerFactory.getLogger(WsdEndpoint.class);

    static final int P_NEW = 0;
    static final int P_CONNECT_SYNC = 1;
    static final int P_CONNECTING = 2;
    static final int P_HANDSHAKE = 3;
    static final int P_BACKLOG = 4;
    static final int P_ACTIVE = 5;
    static final int P_DEAD = 6;

    private static final int CONNECT_NONE = 0;
    private static final int CONNECT_PENDING = 1;
    private static final int CONNECT_DONE = 2;

    private static final long KEY_SLOT_MASK = 0xFFFFL;
    private static final int KEY_GENERATION_MASK = 0xFF_FFFF;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final WsdMemoryRegion RESERVED = new WsdMemoryRegion(null, EMPTY, 0, -1, 0, 0);
    private static final long SYNC_PARK_NS = 50_000;

    private final WsdFabric fabric;
    private final WsdOptions options;
    private final CompletionRing cq;
    private final WsdListener acceptedBy;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private final WsdWorkQueue sendQueue;
    private final WsdWorkQueue recvQueue;
    private final AtomicReferenceArray<WsdMemoryRegion> regions;
    private final int[] regionGenerations;
    private final AtomicInteger connectWr = new AtomicInteger(CONNECT_NONE);
    private final AtomicBoolean eventCredit = new AtomicBoolean(true);
    private final AtomicBoolean abortCalled = new AtomicBoolean();
    private final AtomicBoolean channelClosed = new AtomicBoolean();
    private final BoundedWait.Condition notDelivering = () -> 0 == this.delivering;
    private final byte[] ring;

    private volatile long context;
    private volatile int phase;
    private volatile int delivering;
    private volatile boolean abortDone;
    private volatile boolean handedOut;
    private volatile long connectionId;
    private volatile SanAddress remoteAddress;

    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer rb;
    private ByteBuffer wb;
    private long connectWrId;
    private long deadlineNs;
    private boolean finished;

    /** Progress thread only (after the handshake). */
    private boolean readable;
    private boolean writable;
    private boolean writeInterest;
    private boolean parseBlocked;
    private long lastRecvNs;
    private long lastSendNs;
    private int peerWindow;
    private int peerMaxFrame;
    private long sentTotal;
    private long peerConsumed;
    private int ringHead;
    private int ringSize;
    private long consumedTotal;
    private long consumedAnnounced;
    private boolean rdmaPoisoned;
    /** Progress thread only: the failure behind the last {@link #readSome()} that returned -2. */
    private IOException lastIoError;
    /** Progress thread only: the frame whose payload is being read. */
    private int inType;
    private int inRemaining;
    private long inReqId;
    private long inRemoteOffset;
    private boolean inLast;
    private boolean inSkip;
    private WsdMemoryRegion inRegion;
    private int inSlot;
    /** Progress thread only: RDMA reads the peer asked of this end, answered in order. */
    private final long[] readReqIds;
    private final WsdMemoryRegion[] readRegions;
    private final long[] readOffsets;
    private final int[] readLengths;
    private final int[] readSent;
    private int readHead;
    private int readCount;

    WsdEndpoint(final WsdFabric fabric, final long context, final WsdListener acceptedBy)
    {
        this.fabric = fabric;
        this.context = context;
        this.acceptedBy = acceptedBy;
        options = fabric.options;
        cq = fabric.cq;
        sendQueue = new WsdWorkQueue(fabric.config.sendQueueDepth());
        recvQueue = new WsdWorkQueue(fabric.config.recvQueueDepth());
        regions = new AtomicReferenceArray<>(options.regionsPerEndpoint);
        regionGenerations = new int[options.regionsPerEndpoint];
        ring = new byte[options.recvWindowBytes];
        readReqIds = new long[options.maxInboundReads];
        readRegions = new WsdMemoryRegion[options.maxInboundReads];
        readOffsets = new long[options.maxInboundReads];
        readLengths = new int[options.maxInboundReads];
        readSent = new int[options.maxInboundReads];
        rb = fabric.acquireBuffer();
        rb.flip();
        wb = fabric.acquireBuffer();
        handedOut = null == acceptedBy;
        phase = null == acceptedBy ? P_NEW : P_HANDSHAKE;
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
        return "WsdEndpoint{node=" + fabric.config.nodeName() + ", context=" + context + ", state=" + state.get() +
            ", connectionId=" + connectionId + ", peer=" + remoteAddress + '}';
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connection setup
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Connect: TCP connect, HELLO, and wait (on the calling thread, bounded by the handshake timeout) for the
     * listener's QUEUED or REJECT, so a refusal (nobody listening, backlog full) is returned at once (R10). The
     * CONNECT completion follows when the peer's switch accepts (ACCEPT frame), or TIMED_OUT after the connect
     * timeout.
     */
    public int connect(final SanAddress remote, final long wrId)
    {
        if (null == remote || remote.port() <= 0 || remote.port() > 0xFFFF || null == remote.host())
        {
            return HalStatus.INVALID;
        }
        final int current = state.get();
        if (IDLE != current || P_NEW != phase)
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
        connectWrId = wrId;
        connectionId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
        remoteAddress = remote;
        phase = P_CONNECT_SYNC;
        connectWr.set(CONNECT_PENDING);

        delivering = 1;
        int status;
        try
        {
            status = CONNECTING == state.get() ? connectSync(remote) : HalStatus.FLUSHED;
        }
        finally
        {
            delivering = 0;
        }

        if (HalStatus.SUCCESS == status)
        {
            deadlineNs = System.nanoTime() + options.connectTimeoutNs;
            phase = P_CONNECTING;
            if (CONNECTING != state.get())
            {
                closeChannel(true);
            }
            return HalStatus.SUCCESS;
        }
        closeChannel(HalStatus.REFUSED != status);
        phase = P_DEAD;
        if (connectWr.compareAndSet(CONNECT_PENDING, CONNECT_NONE))
        {
            fabric.releaseCredits(1);
            state.compareAndSet(CONNECTING, ERROR);
            return status;
        }
        return HalStatus.SUCCESS; // an abort won the connect: it completed FLUSHED
    }

    private int connectSync(final SanAddress remote)
    {
        final long deadline = System.nanoTime() + options.handshakeTimeoutNs;
        try
        {
            final SocketChannel ch = SocketChannel.open();
            channel = ch;
            fabric.openChannels.incrementAndGet();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean connected = ch.connect(new InetSocketAddress(remote.host(), remote.port()));
            while (!connected)
            {
                if (CONNECTING != state.get())
                {
                    return HalStatus.FLUSHED;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    LOG.warn("wsd: connect to {} timed out after {} ms (TCP connect)", remote,
                        options.handshakeTimeoutNs / 1_000_000);
                    return HalStatus.TIMED_OUT;
                }
                LockSupport.parkNanos(SYNC_PARK_NS);
                connected = ch.finishConnect();
            }
            putHello(wb);
            wb.flip();
            while (wb.hasRemaining())
            {
                if (0 == ch.write(wb))
                {
                    LockSupport.parkNanos(SYNC_PARK_NS);
                }
                if (System.nanoTime() - deadline > 0)
                {
                    return HalStatus.TIMED_OUT;
                }
            }
            wb.clear();
            while (true)
            {
                if (CONNECTING != state.get())
                {
                    return HalStatus.FLUSHED;
                }
                rb.compact();
                final int n = ch.read(rb);
                rb.flip();
                if (rb.remaining() >= Wire.HEADER)
                {
                    final int len = rb.getInt(rb.position());
                    final int type = rb.get(rb.position() + 4);
                    if (Wire.QUEUED == type && Wire.QUEUED_BODY == len)
                    {
                        if (rb.remaining() >= Wire.HEADER + Wire.QUEUED_BODY)
                        {
                            final int p = rb.position() + Wire.HEADER;
                            if (Wire.MAGIC != rb.getInt(p) || Wire.VERSION != rb.getShort(p + 4) ||
                                connectionId != rb.getLong(p + 8))
                            {
                                LOG.warn("wsd: connect to {}: the listener's QUEUED does not match our HELLO", remote);
                                return HalStatus.REFUSED;
                            }
                            rb.position(p + Wire.QUEUED_BODY);
                            return HalStatus.SUCCESS;
                        }
                    }
                    else if (Wire.REJECT == type && Wire.REJECT_BODY == len)
                    {
                        if (rb.remaining() >= Wire.HEADER + Wire.REJECT_BODY)
                        {
                            final short reason = rb.getShort(rb.position() + Wire.HEADER + 6);
                            if (Wire.REJECT_BACKLOG_FULL != reason)
                            {
                                LOG.warn("wsd: connect to {} rejected by the listener (reason {})", remote, reason);
                            }
                            return HalStatus.REFUSED;
                        }
                    }
                    else
                    {
                        LOG.warn("wsd: connect to {}: the peer does not speak the wsd protocol (frame type {}, " +
                            "length {})", remote, type, len);
                        return HalStatus.REFUSED;
                    }
                }
                if (n < 0)
                {
                    return HalStatus.REFUSED;
                }
                if (System.nanoTime() - deadline > 0)
                {
                    LOG.warn("wsd: connect to {}: no handshake answer within {} ms", remote,
                        options.handshakeTimeoutNs / 1_000_000);
                    return HalStatus.TIMED_OUT;
                }
                if (0 == n)
                {
                    LockSupport.parkNanos(SYNC_PARK_NS);
                }
            }
        }
        catch (final ConnectException ex)
        {
            return HalStatus.REFUSED;
        }
        catch (final IOException | RuntimeException ex)
        {
            if (isReset(ex))
            {
                return HalStatus.REFUSED;
            }
            LOG.warn("wsd: connect to {} failed: {}", remote, ex.toString());
            return HalStatus.TRANSPORT_ERROR;
        }
    }

    private void putHello(final ByteBuffer b)
    {
        b.putInt(Wire.HELLO_BODY).put(Wire.HELLO).putInt(Wire.MAGIC).putShort(Wire.VERSION).putShort((short)0)
            .putLong(connectionId).putInt(options.recvWindowBytes).putInt(options.maxFrameBytes);
    }

    /** Progress thread: a listener took this socket; wait for its HELLO. */
    void startHandshake(final SocketChannel sc)
    {
        channel = sc;
        try
        {
            sc.configureBlocking(false);
            sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
            final SocketAddress peer = sc.getRemoteAddress();
            if (peer instanceof InetSocketAddress)
            {
                final InetSocketAddress inet = (InetSocketAddress)peer;
                remoteAddress = new SanAddress(inet.getAddress().getHostAddress(), inet.getPort());
            }
        }
        catch (final IOException ex)
        {
            kill("cannot set up the accepted socket: " + ex);
            return;
        }
        deadlineNs = System.nanoTime() + options.handshakeTimeoutNs;
    }

    /** Progress thread: read and check the initiator's HELLO. */
    private int pollHandshake(final long now)
    {
        final int n = readSome();
        if (n < 0)
        {
            kill("the peer closed before finishing the handshake");
            return 1;
        }
        if (rb.remaining() >= Wire.HEADER)
        {
            final int p = rb.position();
            final int len = rb.getInt(p);
            final int type = rb.get(p + 4);
            if (Wire.HELLO != type || Wire.HELLO_BODY != len)
            {
                kill("bad first frame (type " + type + ", length " + len + "): not a wsd HELLO");
                return 1;
            }
            if (rb.remaining() >= Wire.HEADER + Wire.HELLO_BODY)
            {
                final int b = p + Wire.HEADER;
                final int magic = rb.getInt(b);
                final short version = rb.getShort(b + 4);
                final long id = rb.getLong(b + 8);
                final int window = rb.getInt(b + 16);
                final int maxFrame = rb.getInt(b + 20);
                if (Wire.MAGIC != magic)
                {
                    kill("wrong magic 0x" + Integer.toHexString(magic));
                    return 1;
                }
                if (Wire.VERSION != version)
                {
                    reject(Wire.REJECT_VERSION);
                    LOG.warn("wsd: handshake from {}: unsupported protocol version {} (this end speaks {})",
                        remoteAddress, version, Wire.VERSION);
                    return 1;
                }
                if (0 == id || window < 256 || maxFrame < Wire.MIN_MAX_FRAME_BYTES)
                {
                    kill("bad HELLO fields (connection id " + id + ", window " + window + ", max frame " + maxFrame + ")");
                    return 1;
                }
                rb.position(b + Wire.HELLO_BODY);
                connectionId = id;
                peerWindow = window;
                peerMaxFrame = maxFrame;
                acceptedBy.onHandshaken(this);
                return 1;
            }
        }
        if (now - deadlineNs > 0)
        {
            kill("half-finished handshake: no complete HELLO within " + options.handshakeTimeoutNs / 1_000_000 + " ms");
            return 1;
        }
        return n > 0 ? 1 : 0;
    }

    /** Progress thread: the backlog has room; tell the initiator and wait for {@link #activateAccepted}. */
    boolean queue()
    {
        final ByteBuffer b = wb;
        b.clear();
        b.putInt(Wire.QUEUED_BODY).put(Wire.QUEUED).putInt(Wire.MAGIC).putShort(Wire.VERSION).putShort((short)0)
            .putLong(connectionId);
        b.flip();
        try
        {
            channel.write(b);
        }
        catch (final IOException ex)
        {
            b.clear();
            kill("the initiator went away during the handshake: " + ex);
            return false;
        }
        if (b.hasRemaining())
        {
            b.clear();
            kill("could not write QUEUED");
            return false;
        }
        b.clear();
        phase = P_BACKLOG;
        return true;
    }

    /** Progress thread: refuse the connection with a REJECT frame and a graceful close, so the initiator reads it. */
    void reject(final short reason)
    {
        final ByteBuffer b = wb;
        b.clear();
        b.putInt(Wire.REJECT_BODY).put(Wire.REJECT).putInt(Wire.MAGIC).putShort(Wire.VERSION).putShort(reason);
        b.flip();
        try
        {
            channel.write(b);
        }
        catch (final IOException ignore)
        {
            // it is refused either way
        }
        b.clear();
        closeChannel(false);
        phase = P_DEAD;
    }

    /**
     * The switch accepted this connection (any thread; the progress thread leaves backlog entries alone). Checks
     * the initiator is still there, queues ACCEPT, and goes ACTIVE.
     *
     * @return false if the initiator went away while waiting (the entry is dropped).
     */
    boolean activateAccepted(final long context)
    {
        if (P_BACKLOG != phase)
        {
            return false;
        }
        if (!initiatorStillThere())
        {
            kill(null);
            return false;
        }
        this.context = context;
        wb.putInt(Wire.ACCEPT_BODY).put(Wire.ACCEPT).putLong(connectionId).putInt(options.recvWindowBytes)
            .putInt(options.maxFrameBytes);
        final long now = System.nanoTime();
        lastRecvNs = now;
        lastSendNs = now;
        handedOut = true;
        parseBlocked = true;
        state.set(ACTIVE);
        phase = P_ACTIVE;
        return true;
    }

    /** A backlog entry taken out of the queue: @return false if the initiator closed or reset meanwhile. */
    boolean initiatorStillThere()
    {
        try
        {
            rb.compact();
            final int n = channel.read(rb);
            rb.flip();
            return n >= 0;
        }
        catch (final IOException ex)
        {
            rb.clear().flip();
            return false;
        }
    }

    /** Close a connection that was never handed out (bad handshake, listener closed); one log line if a reason. */
    void kill(final String reason)
    {
        if (null != reason)
        {
            LOG.warn("wsd: connection from {} dropped: {}", remoteAddress, reason);
        }
        closeChannel(true);
        phase = P_DEAD;
    }

    /** Progress thread: wait for the listener's ACCEPT. */
    private int pollConnecting(final long now)
    {
        delivering = 1;
        try
        {
            if (CONNECTING != state.get())
            {
                return 0;
            }
            final int n = readSome();
            if (rb.remaining() >= Wire.HEADER)
            {
                final int p = rb.position();
                final int len = rb.getInt(p);
                final int type = rb.get(p + 4);
                if (Wire.ACCEPT != type || Wire.ACCEPT_BODY != len)
                {
                    LOG.warn("wsd: connect to {}: expected ACCEPT, got frame type {} length {}", remoteAddress, type, len);
                    failConnect(HalStatus.REFUSED);
                    return 1;
                }
                if (rb.remaining() >= Wire.HEADER + Wire.ACCEPT_BODY)
                {
                    final int b = p + Wire.HEADER;
                    final long id = rb.getLong(b);
                    peerWindow = rb.getInt(b + 8);
                    peerMaxFrame = rb.getInt(b + 12);
                    if (id != connectionId || peerWindow < 256 || peerMaxFrame < Wire.MIN_MAX_FRAME_BYTES)
                    {
                        LOG.warn("wsd: connect to {}: ACCEPT does not match (connection id {}, window {}, max frame {})",
                            remoteAddress, id, peerWindow, peerMaxFrame);
                        failConnect(HalStatus.REFUSED);
                        return 1;
                    }
                    rb.position(b + Wire.ACCEPT_BODY);
                    lastRecvNs = now;
                    lastSendNs = now;
                    if (!register())
                    {
                        failConnect(HalStatus.TRANSPORT_ERROR);
                        return 1;
                    }
                    phase = P_ACTIVE;
                    if (state.compareAndSet(CONNECTING, ACTIVE))
                    {
                        completeConnect(HalStatus.SUCCESS);
                        parseBlocked = rb.hasRemaining();
                    }
                    return 1;
                }
            }
            if (n < 0)
            {
                failConnect(HalStatus.REFUSED); // the listener closed, or the peer reset, before accepting
                return 1;
            }
            if (now - deadlineNs > 0)
            {
                LOG.warn("wsd: connect to {} not accepted within {} ms", remoteAddress,
                    options.connectTimeoutNs / 1_000_000);
                failConnect(HalStatus.TIMED_OUT);
                return 1;
            }
            return n > 0 ? 1 : 0;
        }
        finally
        {
            delivering = 0;
        }
    }

    private void failConnect(final int status)
    {
        if (state.compareAndSet(CONNECTING, ERROR))
        {
            closeChannel(true);
            completeConnect(status);
            releaseEventCredit();
        }
    }

    private boolean register()
    {
        try
        {
            key = channel.register(fabric.selector(), SelectionKey.OP_READ, this);
            return true;
        }
        catch (final ClosedChannelException | RuntimeException ex)
        {
            return false;
        }
    }

    private void completeConnect(final int status)
    {
        if (connectWr.compareAndSet(CONNECT_PENDING, CONNECT_DONE))
        {
            cq.write(connectWrId, HalOpcode.CONNECT, status, 0);
        }
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
        if (!(local instanceof WsdMemoryRegion))
        {
            return HalStatus.INVALID;
        }
        final WsdMemoryRegion region = (WsdMemoryRegion)local;
        if (this != region.owner() || !inBounds(region.buffer(), localOffset, length))
        {
            return HalStatus.INVALID;
        }
        return post(sendQueue, wrId, opcode, region.buffer(), localOffset, length, region, remoteKey, remoteOffset);
    }

    private int post(
        final WsdWorkQueue queue, final long wrId, final int opcode, final ByteBuffer buffer, final int offset,
        final int length, final WsdMemoryRegion region, final long remoteKey, final long remoteOffset)
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
                final long k = newKey(slot, generation);
                final WsdMemoryRegion region = new WsdMemoryRegion(this, buffer, access, slot, k, k);
                regions.set(slot, region);
                if (ERROR == state.get())
                {
                    region.invalidate(options.waitTimeoutNs);
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
        if (!(region instanceof WsdMemoryRegion))
        {
            return HalStatus.INVALID;
        }
        final WsdMemoryRegion r = (WsdMemoryRegion)region;
        if (this != r.owner() || !r.markDeregistered())
        {
            return HalStatus.INVALID;
        }
        final boolean quiet = r.invalidate(options.waitTimeoutNs);
        regions.compareAndSet(r.slot(), r, null);
        if (!quiet)
        {
            LOG.error("wsd: deregistering {} gave up after {} ms: a remote access is still in progress", r,
                options.waitTimeoutNs / 1_000_000);
            return HalStatus.TIMED_OUT;
        }
        return HalStatus.SUCCESS;
    }

    private WsdMemoryRegion lookupRegion(final long remoteKey)
    {
        final long slot = remoteKey & KEY_SLOT_MASK;
        if (remoteKey <= 0 || slot >= regions.length())
        {
            return null;
        }
        final WsdMemoryRegion region = regions.get((int)slot);
        return null != region && RESERVED != region && region.remoteKey() == remoteKey ? region : null;
    }

    private static long newKey(final int slot, final int generation)
    {
        final long random = ThreadLocalRandom.current().nextLong(1, 1L << 23);
        return (random << 40) | ((long)generation << 16) | slot;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Abort (any thread, idempotent)
    // ---------------------------------------------------------------------------------------------------------

    public void abort()
    {
        if (!abortCalled.compareAndSet(false, true))
        {
            return;
        }
        final int before = state.getAndSet(ERROR);
        if (!BoundedWait.until(options.waitTimeoutNs, notDelivering))
        {
            LOG.error("wsd: abort of {} gave up waiting {} ms for the progress thread to leave its buffers", this,
                options.waitTimeoutNs / 1_000_000);
        }
        invalidateRegions();
        completeConnect(HalStatus.FLUSHED);
        sendQueue.flush(cq, HalStatus.FLUSHED);
        recvQueue.flush(cq, HalStatus.FLUSHED);
        releaseEventCredit();
        if (ACTIVE == before && P_ACTIVE == phase && !channelClosed.get())
        {
            sendAbortFrame();
        }
        closeChannel(true);
        abortDone = true;
    }

    /** Best effort: append ABORT after whatever whole frames are buffered and write once, without blocking. */
    private void sendAbortFrame()
    {
        final ByteBuffer b = wb;
        if (null == b || b.remaining() < Wire.HEADER + Wire.ABORT_BODY)
        {
            return;
        }
        b.putInt(Wire.ABORT_BODY).put(Wire.ABORT).putInt(0);
        b.flip();
        try
        {
            channel.write(b);
        }
        catch (final IOException | RuntimeException ignore)
        {
            // the RST tells the peer anyway
        }
        b.clear();
    }

    private void invalidateRegions()
    {
        for (int slot = 0, length = regions.length(); slot < length; slot++)
        {
            final WsdMemoryRegion region = regions.get(slot);
            if (null != region && RESERVED != region && !region.invalidate(options.waitTimeoutNs))
            {
                LOG.error("wsd: abort of {} gave up after {} ms waiting for a remote access to {}", this,
                    options.waitTimeoutNs / 1_000_000, region);
            }
        }
    }

    private void releaseEventCredit()
    {
        if (eventCredit.compareAndSet(true, false))
        {
            fabric.releaseCredits(1);
        }
    }

    private void emitEvent(final int opcode, final int status)
    {
        if (eventCredit.compareAndSet(true, false))
        {
            cq.write(context, opcode, status, 0);
        }
    }

    /** Close the socket once; abortive means SO_LINGER 0, so the peer's kernel sees an RST. */
    private void closeChannel(final boolean abortive)
    {
        final SocketChannel ch = channel;
        if (null == ch || !channelClosed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            if (abortive && ch.isOpen())
            {
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // closing anyway
        }
        final SelectionKey k = key;
        if (null != k)
        {
            k.cancel();
        }
        try
        {
            ch.close();
        }
        catch (final IOException ignore)
        {
            // nothing more to do
        }
        fabric.openChannels.decrementAndGet();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lifecycle bookkeeping (progress thread, or close once progress stopped)
    // ---------------------------------------------------------------------------------------------------------

    /** @return true once this endpoint is done with: aborted, or never handed out and dead; frees its buffers. */
    boolean tryFinish()
    {
        if (finished)
        {
            return true;
        }
        if (!(abortDone || (!handedOut && P_DEAD == phase)))
        {
            return false;
        }
        finishNow();
        return true;
    }

    void finishNow()
    {
        if (finished)
        {
            return;
        }
        if (handedOut && !abortDone)
        {
            abort();
        }
        closeChannel(true);
        if (!handedOut)
        {
            releaseEventCredit();
        }
        finished = true;
        releaseBuffers();
    }

    void releaseBuffers()
    {
        fabric.releaseBuffer(rb);
        fabric.releaseBuffer(wb);
        rb = null;
        wb = null;
    }

    /** Progress thread: the selector says the socket is ready for these operations. */
    void selected(final int readyOps)
    {
        if (0 != (readyOps & SelectionKey.OP_READ))
        {
            readable = true;
        }
        if (0 != (readyOps & SelectionKey.OP_WRITE))
        {
            writable = true;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Progress (the node's progress thread only)
    // ---------------------------------------------------------------------------------------------------------

    int progress(final long now)
    {
        switch (phase)
        {
            case P_HANDSHAKE: return null == channel ? 0 : pollHandshake(now);
            case P_CONNECTING: return pollConnecting(now);
            case P_ACTIVE: return progressActive(now);
            default: return 0;
        }
    }

    private int progressActive(final long now)
    {
        if (ACTIVE != state.get())
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
            if (null == key && !register())
            {
                transportError("cannot register the socket with the selector");
                return 1;
            }
            int work = 0;
            if (readable || parseBlocked)
            {
                readable = false;
                work += readAndParse(now);
                if (ACTIVE != state.get())
                {
                    return work + 1;
                }
            }
            work += deliverReceives();
            work += pushSends();
            if (ACTIVE != state.get())
            {
                return work + 1;
            }
            work += serveReads();
            if (ACTIVE != state.get())
            {
                return work + 1;
            }
            if (consumedTotal != consumedAnnounced && wb.remaining() >= Wire.HEADER + Wire.CREDIT_BODY)
            {
                wb.putInt(Wire.CREDIT_BODY).put(Wire.CREDIT).putLong(consumedTotal);
                consumedAnnounced = consumedTotal;
            }
            if (0 != options.heartbeatNs && 0 == wb.position() && now - lastSendNs > options.heartbeatNs)
            {
                wb.putInt(0).put(Wire.PING);
            }
            work += completeSends();
            work += flush(now);
            if (ACTIVE == state.get() && 0 != options.peerTimeoutNs && now - lastRecvNs > options.peerTimeoutNs)
            {
                transportError("nothing heard from the peer for " + options.peerTimeoutNs / 1_000_000 +
                    " ms (wsd.peerTimeoutMs): the link or the peer is gone");
                return work + 1;
            }
            return work;
        }
        finally
        {
            delivering = 0;
        }
    }

    /** @return bytes read, -1 at EOF, -2 after a reset or I/O error (logged by the caller's mapping). */
    private int readSome()
    {
        try
        {
            rb.compact();
            final int n = channel.read(rb);
            rb.flip();
            return n < 0 ? -1 : n;
        }
        catch (final IOException ex)
        {
            rb.flip();
            lastIoError = ex;
            return -2;
        }
    }

    private int readAndParse(final long now)
    {
        int n = 0;
        if (rb.remaining() < rb.capacity())
        {
            n = readSome();
            if (-1 == n)
            {
                peerReset("the peer closed the connection (EOF)");
                return 1;
            }
            if (-2 == n)
            {
                ioFailure(lastIoError);
                return 1;
            }
            if (n > 0)
            {
                lastRecvNs = now;
            }
        }
        parse();
        return n > 0 ? 1 : 0;
    }

    private void ioFailure(final IOException ex)
    {
        if (isReset(ex))
        {
            peerReset("the peer reset the connection");
        }
        else
        {
            transportError("I/O failure: " + ex);
        }
    }

    static boolean isReset(final Throwable ex)
    {
        final String m = String.valueOf(ex.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("reset") || m.contains("broken pipe") || m.contains("connection abort");
    }

    private void parse()
    {
        parseBlocked = false;
        final ByteBuffer b = rb;
        while (ACTIVE == state.get())
        {
            if (inRemaining > 0)
            {
                final int n = Math.min(inRemaining, b.remaining());
                if (0 == n)
                {
                    return;
                }
                consumePayload(n);
                inRemaining -= n;
                if (0 == inRemaining)
                {
                    endPayload();
                }
                continue;
            }
            if (b.remaining() < Wire.HEADER)
            {
                return;
            }
            final int p = b.position();
            final int len = b.getInt(p);
            final int type = b.get(p + 4);
            if (len < 0 || len > options.maxFrameBytes)
            {
                protocolError("frame of " + (len & 0xFFFF_FFFFL) + " bytes exceeds the maximum of " +
                    options.maxFrameBytes + " (wsd.maxFrameBytes)");
                return;
            }
            final int fixed = Wire.fixedLength(type);
            if (fixed < 0)
            {
                protocolError("unknown frame type " + type);
                return;
            }
            if (Wire.HELLO == type || Wire.QUEUED == type || Wire.REJECT == type || Wire.ACCEPT == type)
            {
                protocolError("handshake frame type " + type + " on an established connection");
                return;
            }
            if (len < fixed || (!Wire.hasPayload(type) && len != fixed))
            {
                protocolError("malformed frame type " + type + " of length " + len);
                return;
            }
            if (b.remaining() < Wire.HEADER + fixed)
            {
                return;
            }
            if (wb.remaining() < Wire.CONTROL_RESERVE)
            {
                parseBlocked = true;
                return;
            }
            b.position(p + Wire.HEADER);
            onFrame(type, fixed, len - fixed);
        }
    }

    private void onFrame(final int type, final int fixed, final int payload)
    {
        final ByteBuffer b = rb;
        final int p = b.position();
        b.position(p + fixed);
        inType = type;
        inRemaining = payload;
        inSkip = false;
        switch (type)
        {
            case Wire.DATA:
                if (payload > ring.length - ringSize)
                {
                    protocolError("the peer sent " + payload + " bytes with only " + (ring.length - ringSize) +
                        " bytes of credit");
                    return;
                }
                break;
            case Wire.CREDIT:
            {
                final long consumed = b.getLong(p);
                if (consumed < peerConsumed || consumed > sentTotal)
                {
                    protocolError("credit for " + consumed + " bytes, but " + sentTotal + " were sent");
                    return;
                }
                peerConsumed = consumed;
                break;
            }
            case Wire.RDMA_WRITE:
                startRdmaWrite(b.getLong(p), b.getLong(p + 8), b.getLong(p + 16), b.getInt(p + 24), b.getInt(p + 28),
                    payload);
                break;
            case Wire.RDMA_READ_REQ:
                startRdmaReadRequest(b.getLong(p), b.getLong(p + 8), b.getLong(p + 16), b.getInt(p + 24));
                break;
            case Wire.RDMA_READ_RESP:
                startReadResponse(b.getLong(p), b.getInt(p + 8), payload);
                break;
            case Wire.RDMA_ACK:
            {
                final int slot = rdmaSlot(b.getLong(p), HalOpcode.RDMA_WRITE);
                if (slot < 0 || sendQueue.acked[slot] || sendQueue.progress[slot] != sendQueue.lengths[slot])
                {
                    protocolError("RDMA_ACK for no write in flight (request " + b.getLong(p) + ")");
                    return;
                }
                sendQueue.acked[slot] = true;
                break;
            }
            case Wire.RDMA_NAK:
            {
                final long reqId = b.getLong(p);
                final int slot = rdmaSlot(reqId, 0);
                if (slot < 0)
                {
                    protocolError("RDMA_NAK for no request in flight (request " + reqId + ")");
                    return;
                }
                LOG.warn("wsd: connection {} to {}: the peer refused RDMA request {} (bad key, range or access); " +
                    "aborting the connection", connectionId, remoteAddress, reqId);
                failRdma(slot);
                return;
            }
            case Wire.ABORT:
                peerReset(null);
                return;
            case Wire.PING:
            default:
                break;
        }
        if (0 == inRemaining && ACTIVE == state.get())
        {
            endPayload();
        }
    }

    /** @return the send-queue slot of an RDMA request in flight with ticket {@code reqId}, or -1. */
    private int rdmaSlot(final long reqId, final int opcode)
    {
        final WsdWorkQueue q = sendQueue;
        if (reqId < q.head || reqId >= q.next)
        {
            return -1;
        }
        final int slot = q.index(reqId);
        final int op = q.opcodes[slot];
        if (WsdWorkQueue.DELIVERING != q.state(slot) || (HalOpcode.RDMA_WRITE != op && HalOpcode.RDMA_READ != op) ||
            (0 != opcode && op != opcode))
        {
            return -1;
        }
        return slot;
    }

    private void startRdmaWrite(
        final long reqId, final long rkey, final long base, final int total, final int fragOff, final int payload)
    {
        inReqId = reqId;
        inRegion = null;
        if (rdmaPoisoned)
        {
            inSkip = true;
            return;
        }
        final WsdMemoryRegion region = lookupRegion(rkey);
        if (null == region || !region.isValid() || 0 == (region.access() & MemoryAccess.REMOTE_WRITE) ||
            base < 0 || total < 0 || base > region.length() - (long)total || fragOff < 0 ||
            (long)fragOff + payload > total)
        {
            refuseRdma(reqId, "write", rkey, base, total);
            inSkip = true;
            return;
        }
        inRegion = region;
        inRemoteOffset = base + fragOff;
        inLast = fragOff + payload == total;
    }

    private void startRdmaReadRequest(final long reqId, final long rkey, final long offset, final int length)
    {
        if (rdmaPoisoned)
        {
            return;
        }
        final WsdMemoryRegion region = lookupRegion(rkey);
        if (null == region || !region.isValid() || 0 == (region.access() & MemoryAccess.REMOTE_READ) ||
            offset < 0 || length < 0 || offset > region.length() - (long)length)
        {
            refuseRdma(reqId, "read", rkey, offset, length);
            return;
        }
        if (readCount == readReqIds.length)
        {
            protocolError("more than " + readReqIds.length + " RDMA reads outstanding (wsd.maxInboundReads)");
            return;
        }
        final int i = (readHead + readCount++) % readReqIds.length;
        readReqIds[i] = reqId;
        readRegions[i] = region;
        readOffsets[i] = offset;
        readLengths[i] = length;
        readSent[i] = 0;
    }

    /** R9: nothing is written or read; the initiator learns with a NAK and aborts the connection. */
    private void refuseRdma(final long reqId, final String what, final long rkey, final long offset, final int length)
    {
        LOG.warn("wsd: connection {} from {}: refused RDMA {} (key 0x{}, offset {}, length {}): bad key, range or " +
            "access", connectionId, remoteAddress, what, Long.toHexString(rkey), offset, length);
        rdmaPoisoned = true;
        wb.putInt(Wire.RDMA_NAK_BODY).put(Wire.RDMA_NAK).putLong(reqId).putInt(HalStatus.REMOTE_ACCESS_ERROR);
    }

    private void startReadResponse(final long reqId, final int fragOff, final int payload)
    {
        final int slot = rdmaSlot(reqId, HalOpcode.RDMA_READ);
        final WsdWorkQueue q = sendQueue;
        if (slot < 0 || q.acked[slot] || fragOff != q.progress[slot] || (long)fragOff + payload > q.lengths[slot])
        {
            protocolError("RDMA read response for no read in flight (request " + reqId + ")");
            return;
        }
        inSlot = slot;
    }

    private void consumePayload(final int n)
    {
        final ByteBuffer b = rb;
        final int p = b.position();
        switch (inType)
        {
            case Wire.DATA:
            {
                int tail = (ringHead + ringSize) % ring.length;
                final int first = Math.min(n, ring.length - tail);
                b.get(p, ring, tail, first);
                if (first < n)
                {
                    b.get(p + first, ring, 0, n - first);
                }
                ringSize += n;
                break;
            }
            case Wire.RDMA_WRITE:
            {
                final WsdMemoryRegion region = inRegion;
                if (!inSkip && null != region)
                {
                    if (region.acquire())
                    {
                        try
                        {
                            region.buffer().put((int)inRemoteOffset, b, p, n);
                        }
                        finally
                        {
                            region.release();
                        }
                        inRemoteOffset += n;
                    }
                    else
                    {
                        refuseRdma(inReqId, "write (region deregistered mid-transfer)", region.remoteKey(),
                            inRemoteOffset, n);
                        inSkip = true;
                    }
                }
                break;
            }
            case Wire.RDMA_READ_RESP:
            {
                final WsdWorkQueue q = sendQueue;
                final int slot = inSlot;
                final WsdMemoryRegion local = q.region(slot);
                if (null != local && local.acquire())
                {
                    try
                    {
                        local.buffer().put(q.offsets[slot] + q.progress[slot], b, p, n);
                    }
                    finally
                    {
                        local.release();
                    }
                }
                q.progress[slot] += n;
                break;
            }
            default:
                break;
        }
        b.position(p + n);
    }

    private void endPayload()
    {
        switch (inType)
        {
            case Wire.RDMA_WRITE:
                if (!inSkip && inLast)
                {
                    wb.putInt(Wire.RDMA_ACK_BODY).put(Wire.RDMA_ACK).putLong(inReqId);
                }
                inRegion = null;
                break;
            case Wire.RDMA_READ_RESP:
            {
                final int slot = inSlot;
                if (sendQueue.progress[slot] == sendQueue.lengths[slot])
                {
                    sendQueue.acked[slot] = true;
                }
                break;
            }
            default:
                break;
        }
        inType = 0;
    }

    /** Fill posted receives, oldest first, from the bytes no receive has taken yet. */
    private int deliverReceives()
    {
        final WsdWorkQueue q = recvQueue;
        int work = 0;
        while (ringSize > 0 && q.next < q.tail() && ACTIVE == state.get())
        {
            final int slot = q.index(q.next);
            if (WsdWorkQueue.POSTED != q.state(slot) || !q.casState(slot, WsdWorkQueue.POSTED, WsdWorkQueue.DELIVERING))
            {
                break;
            }
            final ByteBuffer target = q.buffers[slot];
            final int n = Math.min(ringSize, q.lengths[slot]);
            final int first = Math.min(n, ring.length - ringHead);
            target.put(q.offsets[slot], ring, ringHead, first);
            if (first < n)
            {
                target.put(q.offsets[slot] + first, ring, 0, n - first);
            }
            ringHead = (ringHead + n) % ring.length;
            ringSize -= n;
            consumedTotal += n;
            if (q.casState(slot, WsdWorkQueue.DELIVERING, WsdWorkQueue.FREE))
            {
                cq.write(q.wrIds[slot], HalOpcode.RECV, HalStatus.SUCCESS, n);
                q.recycle(slot, q.next);
            }
            q.next++;
            q.head = q.next;
            work++;
        }
        return work;
    }

    /** Frame sends and RDMA requests, in posting order, as credit and buffer room allow. */
    private int pushSends()
    {
        final WsdWorkQueue q = sendQueue;
        final ByteBuffer out = wb;
        final int frameCap = Math.min(peerMaxFrame, out.capacity() - Wire.CONTROL_RESERVE - Wire.HEADER);
        int work = 0;
        while (q.next < q.tail())
        {
            final int slot = q.index(q.next);
            final int st = q.state(slot);
            if (WsdWorkQueue.POSTED == st)
            {
                if (!q.casState(slot, WsdWorkQueue.POSTED, WsdWorkQueue.DELIVERING))
                {
                    break;
                }
            }
            else if (WsdWorkQueue.DELIVERING != st)
            {
                break;
            }
            final int op = q.opcodes[slot];
            final int length = q.lengths[slot];
            if (HalOpcode.SEND == op)
            {
                while (q.progress[slot] < length)
                {
                    final long credit = peerWindow - (sentTotal - peerConsumed);
                    final int room = out.remaining() - Wire.CONTROL_RESERVE - Wire.HEADER;
                    final int n = (int)Math.min(Math.min(length - q.progress[slot], credit), Math.min(room, frameCap));
                    if (n <= 0)
                    {
                        return work;
                    }
                    out.putInt(n).put(Wire.DATA);
                    out.put(out.position(), q.buffers[slot], q.offsets[slot] + q.progress[slot], n);
                    out.position(out.position() + n);
                    q.progress[slot] += n;
                    sentTotal += n;
                    work++;
                }
                q.endPositions[slot] = sentTotal;
            }
            else if (HalOpcode.RDMA_WRITE == op)
            {
                final WsdMemoryRegion local = q.region(slot);
                do
                {
                    final int room = out.remaining() - Wire.CONTROL_RESERVE - Wire.HEADER - Wire.RDMA_WRITE_FIXED;
                    final int n = Math.min(length - q.progress[slot], Math.min(room, frameCap - Wire.RDMA_WRITE_FIXED));
                    if (n < 0 || (0 == n && length > 0))
                    {
                        return work;
                    }
                    if (!local.acquire())
                    {
                        failRdma(slot);
                        return work + 1;
                    }
                    try
                    {
                        out.putInt(Wire.RDMA_WRITE_FIXED + n).put(Wire.RDMA_WRITE).putLong(q.next)
                            .putLong(q.remoteKeys[slot]).putLong(q.remoteOffsets[slot]).putInt(length)
                            .putInt(q.progress[slot]);
                        out.put(out.position(), q.buffers[slot], q.offsets[slot] + q.progress[slot], n);
                        out.position(out.position() + n);
                    }
                    finally
                    {
                        local.release();
                    }
                    q.progress[slot] += n;
                    work++;
                }
                while (q.progress[slot] < length);
            }
            else
            {
                if (out.remaining() < Wire.CONTROL_RESERVE + Wire.HEADER + Wire.RDMA_READ_REQ_BODY)
                {
                    return work;
                }
                final WsdMemoryRegion local = q.region(slot);
                if (!local.isValid() || 0 == (local.access() & MemoryAccess.LOCAL_WRITE))
                {
                    failRdma(slot);
                    return work + 1;
                }
                out.putInt(Wire.RDMA_READ_REQ_BODY).put(Wire.RDMA_READ_REQ).putLong(q.next)
                    .putLong(q.remoteKeys[slot]).putLong(q.remoteOffsets[slot]).putInt(length);
                work++;
            }
            q.next++;
        }
        return work;
    }

    /** Answer the peer's RDMA reads, in order, as buffer room allows. */
    private int serveReads()
    {
        final ByteBuffer out = wb;
        final int frameCap = Math.min(peerMaxFrame, out.capacity() - Wire.CONTROL_RESERVE - Wire.HEADER);
        int work = 0;
        while (readCount > 0)
        {
            final int i = readHead;
            final WsdMemoryRegion region = readRegions[i];
            final int length = readLengths[i];
            do
            {
                final int room = out.remaining() - Wire.CONTROL_RESERVE - Wire.HEADER - Wire.RDMA_READ_RESP_FIXED;
                final int n = Math.min(length - readSent[i], Math.min(room, frameCap - Wire.RDMA_READ_RESP_FIXED));
                if (n < 0 || (0 == n && length > 0))
                {
                    return work;
                }
                if (!region.acquire())
                {
                    refuseRdma(readReqIds[i], "read (region deregistered mid-transfer)", region.remoteKey(),
                        readOffsets[i], length);
                    readCount = 0;
                    return work + 1;
                }
                try
                {
                    out.putInt(Wire.RDMA_READ_RESP_FIXED + n).put(Wire.RDMA_READ_RESP).putLong(readReqIds[i])
                        .putInt(readSent[i]);
                    out.put(out.position(), region.buffer(), (int)readOffsets[i] + readSent[i], n);
                    out.position(out.position() + n);
                }
                finally
                {
                    region.release();
                }
                readSent[i] += n;
                work++;
            }
            while (readSent[i] < length);
            readRegions[i] = null;
            readHead = (readHead + 1) % readReqIds.length;
            readCount--;
        }
        return work;
    }

    /** Complete, in posting order, sends the peer consumed and RDMA requests it acknowledged. */
    private int completeSends()
    {
        final WsdWorkQueue q = sendQueue;
        int work = 0;
        while (q.head < q.next)
        {
            final int slot = q.index(q.head);
            final boolean done = HalOpcode.SEND == q.opcodes[slot] ? q.endPositions[slot] <= peerConsumed : q.acked[slot];
            if (!done || !q.casState(slot, WsdWorkQueue.DELIVERING, WsdWorkQueue.FREE))
            {
                break;
            }
            cq.write(q.wrIds[slot], q.opcodes[slot], HalStatus.SUCCESS, q.lengths[slot]);
            q.recycle(slot, q.head);
            q.head++;
            work++;
        }
        return work;
    }

    private int flush(final long now)
    {
        final ByteBuffer out = wb;
        if (0 == out.position())
        {
            if (writeInterest)
            {
                setInterest(SelectionKey.OP_READ);
                writeInterest = false;
            }
            return 0;
        }
        if (writeInterest && !writable)
        {
            return 0;
        }
        writable = false;
        out.flip();
        final int n;
        try
        {
            n = channel.write(out);
        }
        catch (final IOException ex)
        {
            out.clear();
            ioFailure(ex);
            return 1;
        }
        out.compact();
        if (n > 0)
        {
            lastSendNs = now;
        }
        if (out.position() > 0 && !writeInterest)
        {
            setInterest(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            writeInterest = true;
        }
        else if (0 == out.position() && writeInterest)
        {
            setInterest(SelectionKey.OP_READ);
            writeInterest = false;
        }
        return n > 0 ? 1 : 0;
    }

    private void setInterest(final int ops)
    {
        try
        {
            key.interestOps(ops);
        }
        catch (final RuntimeException ignore)
        {
            // cancelled: the connection is going away
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Failures (progress thread, under delivering)
    // ---------------------------------------------------------------------------------------------------------

    /** R6: the peer is gone (EOF, RST, ABORT frame): event first, then every request REMOTE_RESET. */
    private void peerReset(final String why)
    {
        if (!state.compareAndSet(ACTIVE, RESET))
        {
            return;
        }
        if (null != why)
        {
            LOG.debug("wsd: connection {} to {}: {}", connectionId, remoteAddress, why);
        }
        emitEvent(HalOpcode.EVENT_PEER_RESET, HalStatus.REMOTE_RESET);
        sendQueue.flush(cq, HalStatus.REMOTE_RESET);
        recvQueue.flush(cq, HalStatus.REMOTE_RESET);
        dropInbound();
        closeChannel(true);
    }

    /** The transport failed or the peer broke the protocol: event, every request TRANSPORT_ERROR, peer reset. */
    private void transportError(final String why)
    {
        if (!state.compareAndSet(ACTIVE, ERROR))
        {
            return;
        }
        LOG.warn("wsd: connection {} to {}: {}; aborting the connection", connectionId, remoteAddress, why);
        emitEvent(HalOpcode.EVENT_TRANSPORT_ERROR, HalStatus.TRANSPORT_ERROR);
        sendQueue.flush(cq, HalStatus.TRANSPORT_ERROR);
        recvQueue.flush(cq, HalStatus.TRANSPORT_ERROR);
        dropInbound();
        sendAbortFrame();
        closeChannel(true);
    }

    private void protocolError(final String why)
    {
        transportError("protocol error: " + why);
    }

    /** The peer refused an RDMA request (R9), or its local region went away: like a verbs QP, go to error. */
    private void failRdma(final int slot)
    {
        if (!state.compareAndSet(ACTIVE, ERROR))
        {
            return;
        }
        sendQueue.flushSlot(cq, slot, HalStatus.REMOTE_ACCESS_ERROR);
        sendQueue.flush(cq, HalStatus.FLUSHED);
        recvQueue.flush(cq, HalStatus.FLUSHED);
        dropInbound();
        sendAbortFrame();
        closeChannel(true);
        releaseEventCredit();
    }

    private void dropInbound()
    {
        for (int i = 0; i < readRegions.length; i++)
        {
            readRegions[i] = null;
        }
        readCount = 0;
        inRegion = null;
        inRemaining = 0;
        ringSize = 0;
    }
}
