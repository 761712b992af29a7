package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.AbstractCmId;
import io.sanref.hal.rdma.verbs.CmRequest;
import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.hal.rdma.verbs.Qp;
import io.sanref.spi.SanAddress;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.CM_ID_DST_ADDR;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.CM_ID_SIZE;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.CONN_PARAM_SIZE;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.RDMA_PS_TCP;
import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * An {@code rdma_cm_id} carrying one of our QPs. The active side walks ADDR_RESOLVED → ROUTE_RESOLVED (QP to INIT
 * with the CM's port and key, {@code rdma_connect}) → CONNECT_RESPONSE (RTR, RTS, {@code rdma_establish}) and then
 * raises ESTABLISHED; any failure on the way raises REJECTED. The passive side's id is adopted from an accepted
 * {@link IbverbsCmRequest}. The connection id travels first in the private data, chosen by the active side.
 * <p>
 * Threading: {@link #connect}, {@link #disconnect}, {@link #takeEvents} as {@link io.sanref.hal.rdma.verbs.CmId}; {@link #onEvent} on the
 * progress thread.
 */
final class IbverbsCmId extends AbstractCmId
{
    private static final System.Logger LOG = System.getLogger(IbverbsCmId.class.getName());
    private static final int RESOLVE_TIMEOUT_MS = 2000;
    static final int IDLE = 0;
    static final int RESOLVING = 1;
    static final int CONNECTING = 2;
    static final int ESTABLISHING = 3;
    static final int ESTABLISHED = 4;
    static final int WITHDRAWN = 5;
    static final int FAILED = 6;
    static final int ACCEPTED = 7;

    private final IbverbsDevice device;
    private final IbverbsQp qp;
    private final AtomicInteger phase = new AtomicInteger(IDLE);
    private final AtomicBoolean destroyed = new AtomicBoolean();
    private final CmRequest outgoing = new Outgoing();
    private volatile MemorySegment id = MemorySegment.NULL;
    private volatile int token;
    private volatile long connectionId;
    private volatile SanAddress peer;

    IbverbsCmId(final IbverbsDevice device, final IbverbsQp qp)
    {
        this.device = device;
        this.qp = qp;
    }

    public Qp qp()
    {
        return qp;
    }

    public long connectionId()
    {
        return connectionId;
    }

    public SanAddress peerSourceAddress()
    {
        return peer;
    }

    public int connect(final SanAddress address)
    {
        if (null == address || IDLE != phase.get())
        {
            return Ibv.EINVAL;
        }
        if (Ibv.QPS_RESET == qp.state() && 0 != qp.modify(Ibv.QPS_INIT))
        {
            return Ibv.EINVAL;
        }
        final int t = device.takeToken(this);
        if (0 == t)
        {
            return Ibv.ECONNREFUSED;
        }
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment errno = Native.errnoSegment(call);
            final MemorySegment out = call.allocate(ADDRESS);
            if (0 != (int)Native.CREATE_ID.invokeExact(errno, device.channel, out, MemorySegment.ofAddress(t),
                RDMA_PS_TCP))
            {
                LOG.log(System.Logger.Level.WARNING, "rdma_create_id failed: errno {0}", Native.errno(errno));
                device.releaseToken(t, this);
                return Ibv.ECONNREFUSED;
            }
            final MemorySegment raw = out.get(ADDRESS, 0).reinterpret(CM_ID_SIZE);
            final MemorySegment dst = IbverbsDevice.sockaddr(call, address);
            connectionId = ThreadLocalRandom.current().nextLong() | 1L;
            token = t;
            id = raw;
            peer = address;
            phase.set(RESOLVING);
            request = outgoing;
            if (null == dst ||
                0 != (int)Native.RESOLVE_ADDR.invokeExact(errno, raw, MemorySegment.NULL, dst, RESOLVE_TIMEOUT_MS))
            {
                // Refused at once (not an IPv4 address, no route to an RDMA device): back to IDLE for another try.
                request = null;
                phase.set(IDLE);
                id = MemorySegment.NULL;
                token = 0;
                final int ignored = (int)Native.DESTROY_ID.invokeExact(raw);
                device.releaseToken(t, this);
                return Ibv.ECONNREFUSED;
            }
            return 0;
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("rdma_connect", ex);
        }
    }

    /** Passive side: take over the id of an accepted request (its events now reach this id). */
    void adopt(final MemorySegment raw, final int t, final long connection, final long[] data, final SanAddress from)
    {
        id = raw;
        token = t;
        connectionId = connection;
        System.arraycopy(data, 1, peerPrivateData, 0, PRIVATE_DATA_LONGS);
        peer = from;
        phase.set(ACCEPTED);
        device.retoken(t, this);
    }

    /** A CM event for this id, already acknowledged. Progress thread. */
    void onEvent(final int type, final int status, final long[] data)
    {
        try
        {
            switch (type)
            {
                case Ibv.CM_EVENT_ADDR_RESOLVED ->
                {
                    if (RESOLVING == phase.get() &&
                        0 != (int)Native.RESOLVE_ROUTE.invokeExact(Native.scratchErrno(), id,
                            RESOLVE_TIMEOUT_MS))
                    {
                        fail("rdma_resolve_route");
                    }
                }
                case Ibv.CM_EVENT_ROUTE_RESOLVED -> onRouteResolved();
                case Ibv.CM_EVENT_CONNECT_RESPONSE -> onConnectResponse(data);
                case Ibv.CM_EVENT_ESTABLISHED -> raise(Ibv.CM_EVENT_ESTABLISHED);
                case Ibv.CM_EVENT_DISCONNECTED, Ibv.CM_EVENT_DEVICE_REMOVAL -> raise(Ibv.CM_EVENT_DISCONNECTED);
                case Ibv.CM_EVENT_ADDR_ERROR, Ibv.CM_EVENT_ROUTE_ERROR, Ibv.CM_EVENT_CONNECT_ERROR,
                    Ibv.CM_EVENT_UNREACHABLE, Ibv.CM_EVENT_REJECTED ->
                {
                    if (!fail("event " + type + " status " + status))
                    {
                        raise(Ibv.CM_EVENT_DISCONNECTED); // a connection that was up has failed
                    }
                }
                default ->
                {
                    // TIMEWAIT_EXIT, ADDR_CHANGE: nothing to do
                }
            }
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("cm event " + type, ex);
        }
    }

    private void onRouteResolved() throws Throwable
    {
        if (RESOLVING != phase.get())
        {
            return;
        }
        if (!device.sameDevice(id))
        {
            LOG.log(System.Logger.Level.WARNING, "{0}: the route to {1} leaves through another RDMA device than {2}",
                device.nodeName, peer, device.name);
            fail("route on another device");
            return;
        }
        if (0 != device.modifyByCm(id, qp, Ibv.QPS_INIT, 0) || !phase.compareAndSet(RESOLVING, CONNECTING))
        {
            fail("INIT");
            return;
        }
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment param = call.allocate(CONN_PARAM_SIZE, 8);
            device.connParam(call, param, connectionId, privateData, qp.qpNum(), device.rnrRetry);
            if (0 != (int)Native.CONNECT.invokeExact(Native.errnoSegment(call), id, param))
            {
                fail("rdma_connect");
            }
        }
    }

    private void onConnectResponse(final long[] data) throws Throwable
    {
        if (!phase.compareAndSet(CONNECTING, ESTABLISHING))
        {
            final int ignored = (int)Native.DISCONNECT.invokeExact(Native.scratchErrno(), id);
            return; // withdrawn meanwhile (timeout, abort)
        }
        boolean ok = null != data && data[0] == connectionId;
        if (ok)
        {
            System.arraycopy(data, 1, peerPrivateData, 0, PRIVATE_DATA_LONGS);
            // INIT again first: before the REP the CM only knew defaults (remote access flags 0, as librdmacm's own
            // ucma_modify_qp_rtr also redoes INIT); without it the peer's RDMA writes are NAKed as invalid requests.
            ok = 0 == device.modifyByCm(id, qp, Ibv.QPS_INIT, 0) && 0 == device.modifyByCm(id, qp, Ibv.QPS_RTR, 0) &&
                0 == device.modifyByCm(id, qp, Ibv.QPS_RTS, device.rnrRetry) &&
                0 == (int)Native.ESTABLISH.invokeExact(Native.scratchErrno(), id);
        }
        if (!ok)
        {
            phase.set(FAILED);
            final int ignored = (int)Native.DISCONNECT.invokeExact(Native.scratchErrno(), id);
            raise(Ibv.CM_EVENT_REJECTED);
            return;
        }
        phase.set(ESTABLISHED);
        raise(Ibv.CM_EVENT_ESTABLISHED);
    }

    /** @return true if a connect in progress failed (REJECTED raised), false if the id was not connecting. */
    private boolean fail(final String why)
    {
        while (true)
        {
            final int p = phase.get();
            if (RESOLVING != p && CONNECTING != p)
            {
                return WITHDRAWN == p || FAILED == p || IDLE == p;
            }
            if (phase.compareAndSet(p, FAILED))
            {
                LOG.log(System.Logger.Level.DEBUG, "connect to {0} failed: {1}", peer, why);
                raise(Ibv.CM_EVENT_REJECTED);
                return true;
            }
        }
    }

    public void disconnect()
    {
        if (markDisconnected())
        {
            final MemorySegment raw = id;
            if (!MemorySegment.NULL.equals(raw) && !destroyed.get())
            {
                try
                {
                    final int ignored = (int)Native.DISCONNECT.invokeExact(Native.scratchErrno(), raw);
                }
                catch (final Throwable ex)
                {
                    throw IbverbsDevice.fatal("rdma_disconnect", ex);
                }
            }
        }
    }

    public void destroy()
    {
        if (!destroyed.compareAndSet(false, true))
        {
            return;
        }
        final MemorySegment raw = id;
        if (!MemorySegment.NULL.equals(raw))
        {
            try
            {
                final int rc = (int)Native.DESTROY_ID.invokeExact(raw);
                if (0 != rc)
                {
                    LOG.log(System.Logger.Level.WARNING, "rdma_destroy_id returned {0}", rc);
                }
            }
            catch (final Throwable ex)
            {
                throw IbverbsDevice.fatal("rdma_destroy_id", ex);
            }
            device.releaseToken(token, this);
        }
    }

    public String toString()
    {
        return "IbverbsCmId{qp=" + qp.qpNum() + ", phase=" + phase.get() + ", peer=" + peer + '}';
    }

    /** The active side's connect as a request the endpoint can withdraw (timeout, abort). */
    private final class Outgoing implements CmRequest
    {
        public boolean withdraw()
        {
            while (true)
            {
                final int p = phase.get();
                if (ESTABLISHING == p || ESTABLISHED == p)
                {
                    return false;
                }
                if (RESOLVING != p && CONNECTING != p)
                {
                    return true;
                }
                if (phase.compareAndSet(p, WITHDRAWN))
                {
                    return true;
                }
            }
        }

        public boolean isSettled()
        {
            return ESTABLISHING != phase.get();
        }

        public int accept(final io.sanref.hal.rdma.verbs.CmId acceptor, final int rnrRetry)
        {
            return Ibv.EINVAL;
        }

        public void reject()
        {
            withdraw();
        }
    }

    static SanAddress destination(final MemorySegment raw)
    {
        return IbverbsDevice.address(raw.asSlice(CM_ID_DST_ADDR));
    }
}
