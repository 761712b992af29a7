package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.AsyncEventHandler;
import io.sanref.hal.rdma.verbs.CmId;
import io.sanref.hal.rdma.verbs.CmListener;
import io.sanref.hal.rdma.verbs.Cq;
import io.sanref.hal.rdma.verbs.Device;
import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.hal.rdma.verbs.Pd;
import io.sanref.hal.rdma.verbs.Qp;
import io.sanref.hal.support.BoundedWait;
import io.sanref.spi.SanAddress;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One node's ibverbs device: its own {@code ibv_context} (so async events reach the node that owns the QP) and its
 * own {@code rdma_event_channel}, both non-blocking and polled by the node's progress thread.
 * <p>
 * Connection management: librdmacm resolves addresses and exchanges REQ/REP/RTU, but the QPs are this device's own
 * (created before the connection, as the HAL's private receives must be posted first), so every transition takes its
 * attributes from {@code rdma_init_qp_attr} and the active side answers CONNECT_RESPONSE with
 * {@code rdma_establish}. Each id's {@code context} holds a token, an index into {@link #owners}.
 * <p>
 * Threading: as {@link Device}. CM events are copied and acknowledged before they are dispatched, so no dispatch
 * ever waits in {@code rdma_destroy_id} for its own acknowledgement.
 */
final class IbverbsDevice implements Device
{
    private static final System.Logger LOG = System.getLogger(IbverbsDevice.class.getName());
    static final int PRIVATE_BYTES = (CmId.PRIVATE_DATA_LONGS + 1) * 8; // the connection id, then the owner's data
    private static final int AF_INET = 2;
    private static final long SOCKADDR_IN_SIZE = 16;

    final String nodeName;
    final String name;
    final long waitTimeoutNs;
    final int rnrRetry;
    final MemorySegment context;
    final IbverbsOps ops;
    final MemorySegment channel;
    final AtomicInteger qpsLive = new AtomicInteger();
    final AtomicInteger mrsLive = new AtomicInteger();
    final AtomicInteger pdsLive = new AtomicInteger();
    private final Arena arena = Arena.ofShared();
    private final AtomicReferenceArray<Object> owners;
    private final AtomicInteger nextToken = new AtomicInteger(1);
    private final ManyToOneConcurrentLinkedQueue<IbverbsQp> qpChanges = new ManyToOneConcurrentLinkedQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    // Progress thread only.
    private final Int2ObjectHashMap<IbverbsQp> qpByNum = new Int2ObjectHashMap<>();
    private final MemorySegment asyncEvent;
    private final MemorySegment cmEventOut;
    private final MemorySegment progressErrno;
    private final long[] eventData = new long[CmId.PRIVATE_DATA_LONGS + 1];
    private IbverbsCq cq;

    IbverbsDevice(
        final String nodeName, final String name, final MemorySegment context, final MemorySegment channel,
        final int maxQps, final long waitTimeoutNs, final int rnrRetry)
    {
        this.nodeName = nodeName;
        this.name = name;
        this.context = context;
        this.channel = channel;
        this.waitTimeoutNs = waitTimeoutNs;
        this.rnrRetry = rnrRetry;
        ops = IbverbsOps.resolve(context);
        owners = new AtomicReferenceArray<>(2 * maxQps + 256);
        asyncEvent = arena.allocate(ASYNC_EVENT_SIZE, 8);
        cmEventOut = arena.allocate(ADDRESS);
        progressErrno = Native.errnoSegment(arena);
    }

    public String name()
    {
        return name;
    }

    public String engine()
    {
        return "ibverbs";
    }

    public Pd allocPd(final int maxRegions)
    {
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment errno = Native.errnoSegment(call);
            final MemorySegment pd = (MemorySegment)Native.ALLOC_PD.invokeExact(errno, context);
            if (MemorySegment.NULL.equals(pd))
            {
                LOG.log(System.Logger.Level.WARNING, "ibv_alloc_pd on {0} failed: errno {1}", name, Native.errno(errno));
                return null;
            }
            pdsLive.incrementAndGet();
            return new IbverbsPd(this, pd);
        }
        catch (final Throwable ex)
        {
            throw fatal("ibv_alloc_pd", ex);
        }
    }

    /** Creates the CQ, halving the size until the device accepts it: {@link Cq#capacity()} is what it got. */
    public Cq createCq(final int cqe)
    {
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment errno = Native.errnoSegment(call);
            for (int size = cqe; size >= 64; size >>= 1)
            {
                final MemorySegment raw = (MemorySegment)Native.CREATE_CQ.invokeExact(
                    errno, context, size, MemorySegment.NULL, MemorySegment.NULL, 0);
                if (!MemorySegment.NULL.equals(raw))
                {
                    final MemorySegment c = raw.reinterpret(CQ_SIZE);
                    final IbverbsCq created = new IbverbsCq(this, c, c.get(JAVA_INT, CQ_CQE));
                    if (null == cq)
                    {
                        cq = created;
                    }
                    return created;
                }
            }
            LOG.log(System.Logger.Level.WARNING, "ibv_create_cq on {0} failed down to 64 entries: errno {1}", name,
                Native.errno(errno));
            return null;
        }
        catch (final Throwable ex)
        {
            throw fatal("ibv_create_cq", ex);
        }
    }

    public int destroyCq(final Cq c)
    {
        try
        {
            return (int)Native.DESTROY_CQ.invokeExact(((IbverbsCq)c).cq);
        }
        catch (final Throwable ex)
        {
            throw fatal("ibv_destroy_cq", ex);
        }
    }

    public Qp createQp(final Pd p, final Cq sendC, final Cq recvC, final int maxSendWr, final int maxRecvWr)
    {
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment attr = call.allocate(QP_INIT_ATTR_SIZE, 8);
            attr.set(ADDRESS, QP_INIT_ATTR_SEND_CQ, ((IbverbsCq)sendC).cq);
            attr.set(ADDRESS, QP_INIT_ATTR_RECV_CQ, ((IbverbsCq)recvC).cq);
            attr.set(JAVA_INT, QP_INIT_ATTR_CAP, maxSendWr);
            attr.set(JAVA_INT, QP_INIT_ATTR_CAP + 4, maxRecvWr);
            attr.set(JAVA_INT, QP_INIT_ATTR_CAP + 8, 1);
            attr.set(JAVA_INT, QP_INIT_ATTR_CAP + 12, 1);
            attr.set(JAVA_INT, QP_INIT_ATTR_QP_TYPE, QPT_RC);
            attr.set(JAVA_INT, QP_INIT_ATTR_SQ_SIG_ALL, 0);
            final MemorySegment errno = Native.errnoSegment(call);
            final MemorySegment raw = (MemorySegment)Native.CREATE_QP.invokeExact(errno, ((IbverbsPd)p).pd, attr);
            if (MemorySegment.NULL.equals(raw))
            {
                LOG.log(System.Logger.Level.WARNING, "ibv_create_qp on {0} failed: errno {1}", name, Native.errno(errno));
                return null;
            }
            final MemorySegment qp = raw.reinterpret(QP_SIZE);
            final IbverbsQp created = new IbverbsQp(this, qp, qp.get(JAVA_INT, QP_QP_NUM));
            qpsLive.incrementAndGet();
            qpChanges.offer(created);
            return created;
        }
        catch (final Throwable ex)
        {
            throw fatal("ibv_create_qp", ex);
        }
    }

    public int destroyQp(final Qp q)
    {
        final IbverbsQp qp = (IbverbsQp)q;
        if (Ibv.QPS_ERR != qp.state())
        {
            qp.modify(Ibv.QPS_ERR);
        }
        if (0 != qp.unreaped() && !BoundedWait.until(waitTimeoutNs, () -> 0 == qp.unreaped()))
        {
            return Ibv.EBUSY;
        }
        final int rc;
        try
        {
            rc = (int)Native.DESTROY_QP.invokeExact(qp.qp);
        }
        catch (final Throwable ex)
        {
            throw fatal("ibv_destroy_qp", ex);
        }
        if (0 == rc)
        {
            qp.live = false;
            qpsLive.decrementAndGet();
            qpChanges.offer(qp);
        }
        return rc;
    }

    /** The table is brought up to date once per {@link Cq#poll} and {@link #pollAsyncEvents}, not per lookup. */
    public Qp qp(final int qpNum)
    {
        return qpByNum.get(qpNum);
    }

    public int pollAsyncEvents(final AsyncEventHandler handler, final int max)
    {
        applyQpChanges();
        int delivered = 0;
        try
        {
            while (delivered < max)
            {
                if (0 != (int)Native.GET_ASYNC_EVENT.invokeExact(progressErrno, context, asyncEvent))
                {
                    break; // EAGAIN: none waiting
                }
                final int type = asyncEvent.get(JAVA_INT, ASYNC_EVENT_TYPE);
                int element = 0;
                if (isQpEvent(type))
                {
                    element = asyncEvent.get(ADDRESS, ASYNC_EVENT_ELEMENT).reinterpret(QP_SIZE).get(JAVA_INT, QP_QP_NUM);
                    final IbverbsQp qp = qpByNum.get(element);
                    if (null != qp && Ibv.EVENT_QP_FATAL == type)
                    {
                        qp.state = Ibv.QPS_ERR;
                    }
                }
                else if (Ibv.EVENT_CQ_ERR == type && null != cq)
                {
                    cq.overflows.incrementAndGet();
                }
                Native.ACK_ASYNC_EVENT.invokeExact(asyncEvent);
                handler.onEvent(type, element);
                delivered++;
            }
        }
        catch (final Throwable ex)
        {
            throw fatal("ibv_get_async_event", ex);
        }
        return delivered;
    }

    public int progressCm(final int max)
    {
        int taken = 0;
        try
        {
            while (taken < max)
            {
                if (0 != (int)Native.GET_CM_EVENT.invokeExact(progressErrno, channel, cmEventOut))
                {
                    final int errno = Native.errno(progressErrno);
                    if (Native.EAGAIN != errno)
                    {
                        LOG.log(System.Logger.Level.ERROR, "rdma_get_cm_event on {0} failed: errno {1}", name, errno);
                    }
                    break;
                }
                final MemorySegment event = cmEventOut.get(ADDRESS, 0).reinterpret(CM_EVENT_CONN + CONN_PARAM_SIZE);
                final int type = event.get(JAVA_INT, CM_EVENT_EVENT);
                final int status = event.get(JAVA_INT, CM_EVENT_STATUS);
                final MemorySegment id = event.get(ADDRESS, CM_EVENT_ID).reinterpret(CM_ID_SIZE);
                final int token = (int)id.get(JAVA_LONG, CM_ID_CONTEXT);
                int listenToken = 0;
                final boolean hasData = copyPrivateData(event);
                if (Ibv.CM_EVENT_CONNECT_REQUEST == type)
                {
                    listenToken = (int)event.get(ADDRESS, CM_EVENT_LISTEN_ID).reinterpret(CM_ID_SIZE)
                        .get(JAVA_LONG, CM_ID_CONTEXT);
                }
                final int rc = (int)Native.ACK_CM_EVENT.invokeExact(cmEventOut.get(ADDRESS, 0));
                if (0 != rc)
                {
                    LOG.log(System.Logger.Level.ERROR, "rdma_ack_cm_event on {0} returned {1}", name, rc);
                }
                taken++;
                if (Ibv.CM_EVENT_CONNECT_REQUEST == type)
                {
                    final Object listener = owner(listenToken);
                    if (listener instanceof IbverbsCmListener l)
                    {
                        l.onRequest(id, hasData ? eventData : null);
                    }
                    else
                    {
                        rejectAndDestroy(id);
                    }
                    continue;
                }
                final Object owner = owner(token);
                if (owner instanceof IbverbsCmId cmId)
                {
                    cmId.onEvent(type, status, hasData ? eventData : null);
                }
                else if (owner instanceof IbverbsCmRequest request)
                {
                    request.onEvent(type);
                }
            }
        }
        catch (final Throwable ex)
        {
            throw fatal("rdma_get_cm_event", ex);
        }
        return taken;
    }

    public CmId createCmId(final Qp qp)
    {
        return new IbverbsCmId(this, (IbverbsQp)qp);
    }

    public CmListener listen(final SanAddress requested, final int backlog)
    {
        return IbverbsCmListener.listen(this, requested, backlog);
    }

    public int qpsLive()
    {
        return qpsLive.get();
    }

    public int mrsLive()
    {
        return mrsLive.get();
    }

    public int pdsLive()
    {
        return pdsLive.get();
    }

    public void close()
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        try
        {
            Native.DESTROY_EVENT_CHANNEL.invokeExact(channel);
            final int rc = (int)Native.CLOSE_DEVICE.invokeExact(context);
            if (0 != rc)
            {
                LOG.log(System.Logger.Level.WARNING, "ibv_close_device({0}) returned {1}", name, rc);
            }
        }
        catch (final Throwable ex)
        {
            throw fatal("close", ex);
        }
        finally
        {
            arena.close();
        }
    }

    public String toString()
    {
        return "IbverbsDevice{" + name + ", node=" + nodeName + '}';
    }

    // ---------------------------------------------------------------------------------------------------------

    /** @return a token for {@code owner} to put in an id's context, or 0 if the table is full. */
    int takeToken(final Object owner)
    {
        final int size = owners.length();
        for (int tries = 0; tries < size; tries++)
        {
            final int token = 1 + Math.floorMod(nextToken.getAndIncrement(), size - 1);
            if (owners.compareAndSet(token, null, owner))
            {
                return token;
            }
        }
        return 0;
    }

    void retoken(final int token, final Object owner)
    {
        owners.set(token, owner);
    }

    void releaseToken(final int token, final Object owner)
    {
        if (token > 0)
        {
            owners.compareAndSet(token, owner, null);
        }
    }

    Object owner(final int token)
    {
        return token > 0 && token < owners.length() ? owners.get(token) : null;
    }

    /** Counts a completion against its QP; moves the QP's known state to ERR on an error completion. */
    void reaped(final int qpNum, final int status)
    {
        final IbverbsQp qp = qpByNum.get(qpNum);
        if (null != qp)
        {
            qp.outstanding.decrementAndGet();
            if (Ibv.WC_SUCCESS != status)
            {
                qp.state = Ibv.QPS_ERR;
            }
        }
    }

    void applyQpChanges()
    {
        IbverbsQp qp;
        while (null != (qp = qpChanges.poll()))
        {
            if (qp.live)
            {
                qpByNum.put(qp.qpNum(), qp);
            }
            else if (qpByNum.get(qp.qpNum()) == qp)
            {
                qpByNum.remove(qp.qpNum());
            }
        }
    }

    /** @return whether {@code cmId}'s device is this one (librdmacm opens its own context per device). */
    boolean sameDevice(final MemorySegment cmId)
    {
        try
        {
            final MemorySegment verbs = cmId.get(ADDRESS, CM_ID_VERBS);
            if (MemorySegment.NULL.equals(verbs))
            {
                return false;
            }
            final MemorySegment device = verbs.reinterpret(CONTEXT_SIZE).get(ADDRESS, CONTEXT_DEVICE);
            return name.equals(Native.string((MemorySegment)Native.GET_DEVICE_NAME.invokeExact(device)));
        }
        catch (final Throwable ex)
        {
            throw fatal("ibv_get_device_name", ex);
        }
    }

    /** {@code rdma_init_qp_attr} for {@code state} on {@code cmId}, then {@code ibv_modify_qp}. @return 0 or errno. */
    int modifyByCm(final MemorySegment cmId, final IbverbsQp qp, final int state, final int rnr)
    {
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment attr = call.allocate(QP_ATTR_SIZE, 8);
            final MemorySegment mask = call.allocate(JAVA_INT);
            final MemorySegment errno = Native.errnoSegment(call);
            attr.set(JAVA_INT, QP_ATTR_QP_STATE, state);
            if (0 != (int)Native.INIT_QP_ATTR.invokeExact(errno, cmId, attr, mask))
            {
                return Math.max(1, Native.errno(errno));
            }
            int bits = mask.get(JAVA_INT, 0);
            if (Ibv.QPS_RTS == state)
            {
                attr.set(JAVA_BYTE, QP_ATTR_RNR_RETRY, (byte)rnr);
                bits |= QP_RNR_RETRY;
            }
            final int rc = (int)Native.MODIFY_QP.invokeExact(qp.qp, attr, bits);
            if (0 == rc)
            {
                qp.state = state;
            }
            return rc < 0 ? -rc : rc;
        }
        catch (final Throwable ex)
        {
            throw fatal("rdma_init_qp_attr", ex);
        }
    }

    /** Fill {@code param} (an rdma_conn_param) with our private data, QP and retry counts. */
    void connParam(final Arena call, final MemorySegment param, final long connectionId, final long[] data,
        final int qpNum, final int rnr)
    {
        final MemorySegment bytes = call.allocate(PRIVATE_BYTES, 8);
        bytes.set(JAVA_LONG_LE, 0, connectionId);
        for (int i = 0; i < CmId.PRIVATE_DATA_LONGS; i++)
        {
            bytes.set(JAVA_LONG_LE, 8L * (i + 1), data[i]);
        }
        param.set(ADDRESS, CONN_PARAM_PRIVATE_DATA, bytes);
        param.set(JAVA_BYTE, CONN_PARAM_PRIVATE_DATA_LEN, (byte)PRIVATE_BYTES);
        param.set(JAVA_BYTE, CONN_PARAM_RESPONDER_RESOURCES, (byte)4);
        param.set(JAVA_BYTE, CONN_PARAM_INITIATOR_DEPTH, (byte)4);
        param.set(JAVA_BYTE, CONN_PARAM_RETRY_COUNT, (byte)7);
        param.set(JAVA_BYTE, CONN_PARAM_RNR_RETRY_COUNT, (byte)rnr);
        param.set(JAVA_INT, CONN_PARAM_QP_NUM, qpNum);
    }

    void rejectAndDestroy(final MemorySegment cmId)
    {
        try
        {
            final int ignoredReject =
                (int)Native.REJECT.invokeExact(Native.scratchErrno(), cmId, MemorySegment.NULL, (byte)0);
            final int rc = (int)Native.DESTROY_ID.invokeExact(cmId);
            if (0 != rc)
            {
                LOG.log(System.Logger.Level.WARNING, "rdma_destroy_id after reject returned {0}", rc);
            }
        }
        catch (final Throwable ex)
        {
            throw fatal("rdma_reject", ex);
        }
    }

    /** @return an IPv4 sockaddr_in for {@code address}, or null if its host is not an IPv4 address or name. */
    static MemorySegment sockaddr(final Arena arena, final SanAddress address)
    {
        final InetAddress inet;
        try
        {
            inet = InetAddress.getByName(address.host());
        }
        catch (final java.net.UnknownHostException ex)
        {
            return null;
        }
        if (!(inet instanceof Inet4Address))
        {
            return null;
        }
        final MemorySegment sa = arena.allocate(SOCKADDR_IN_SIZE, 8);
        sa.set(ValueLayout.JAVA_SHORT, 0, (short)AF_INET);
        sa.set(JAVA_SHORT_BE, 2, (short)address.port());
        MemorySegment.copy(inet.getAddress(), 0, sa, JAVA_BYTE, 4, 4);
        return sa;
    }

    /** @return the address in a sockaddr (IPv4; other families give null). */
    static SanAddress address(final MemorySegment sockaddr)
    {
        final MemorySegment sa = sockaddr.reinterpret(SOCKADDR_IN_SIZE);
        if (AF_INET != sa.get(ValueLayout.JAVA_SHORT, 0))
        {
            return null;
        }
        final int port = Short.toUnsignedInt(sa.get(JAVA_SHORT_BE, 2));
        final byte[] ip = new byte[4];
        MemorySegment.copy(sa, JAVA_BYTE, 4, ip, 0, 4);
        return new SanAddress((ip[0] & 0xFF) + "." + (ip[1] & 0xFF) + "." + (ip[2] & 0xFF) + "." + (ip[3] & 0xFF), port);
    }

    static IllegalStateException fatal(final String call, final Throwable ex)
    {
        if (ex instanceof RuntimeException r && !(ex instanceof IllegalStateException))
        {
            return new IllegalStateException(call + " failed: " + r, r);
        }
        return ex instanceof IllegalStateException i ? i : new IllegalStateException(call + " failed: " + ex, ex);
    }

    static final ValueLayout.OfLong JAVA_LONG_LE = JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).withByteAlignment(1);
    static final ValueLayout.OfShort JAVA_SHORT_BE =
        ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withByteAlignment(1);

    private boolean copyPrivateData(final MemorySegment event)
    {
        final MemorySegment data = event.get(ADDRESS, CM_EVENT_CONN + CONN_PARAM_PRIVATE_DATA);
        final int length = Byte.toUnsignedInt(event.get(JAVA_BYTE, CM_EVENT_CONN + CONN_PARAM_PRIVATE_DATA_LEN));
        if (MemorySegment.NULL.equals(data) || length < PRIVATE_BYTES)
        {
            return false;
        }
        final MemorySegment bytes = data.reinterpret(PRIVATE_BYTES);
        for (int i = 0; i < eventData.length; i++)
        {
            eventData[i] = bytes.get(JAVA_LONG_LE, 8L * i);
        }
        return true;
    }

    private static boolean isQpEvent(final int type)
    {
        return (type >= 1 && type <= 7) || Ibv.EVENT_QP_LAST_WQE_REACHED == type;
    }
}
