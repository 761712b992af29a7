package io.sanref.provider;

import io.sanref.journal.JournalEvent;
import io.sanref.journal.JournalWriter;
import io.sanref.journal.OpKind;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.SanProvider;
import io.sanref.spi.UpcallTable;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.CompletionHandler;
import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.HalStatus;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import static io.sanref.provider.OpSlot.COMPLETING;
import static io.sanref.provider.OpSlot.PENDING;
import static io.sanref.provider.OpSlot.SEQ_MASK;
import static io.sanref.provider.SanSocket.ABORTED;
import static io.sanref.provider.SanSocket.ACCEPTING;
import static io.sanref.provider.SanSocket.CLOSING;
import static io.sanref.provider.SanSocket.CONNECTED;
import static io.sanref.provider.SanSocket.CONNECTING;
import static io.sanref.provider.SanSocket.CREATED;
import static io.sanref.provider.SanSocket.FREE;
import static io.sanref.provider.SanSocket.LISTENING;
import static io.sanref.provider.SanSocket.RESET;

/**
 * The SAN service provider over any HAL: the WSP* entry points, exactly-once completion, and the close
 * protocol of {@code CLOSE-PROTOCOL.md}.
 * <p>
 * Close, as the seed page has it: step 1 (R5) aborts the connection so the peer sees a reset, then completes
 * every pending operation with {@link Winsock#WSA_OPERATION_ABORTED}, releasing its memory first; step 2 (R7)
 * makes the one final {@code closeSocketHandle} upcall once every other upcall for the handle has returned,
 * and only then frees the socket. See {@link SanSocket} for the reference count that orders step 2, and
 * {@link OpSlot} for the CAS that makes completion exactly-once.
 * <p>
 * Threading: every entry point from any number of threads; progress (HAL polling and completion upcalls) on
 * one Agrona agent thread, or on the caller's thread through {@link #doWork()}. No lock on the data path;
 * {@code startup}/{@code cleanup} serialise on a lifecycle monitor.
 */
public final class ProviderCore implements SanProvider
{
    private static final Logger LOG = LoggerFactory.getLogger(ProviderCore.class);

    private static final int POLL_LIMIT = 256;
    private static final long MAX_GENERATION = (1L << (63 - SanSocket.INDEX_BITS)) - 1;

    private final HalProvider hal;
    private final HalConfig halConfig;
    private final ProviderConfig config;
    private final boolean rdmaSupported;
    private final SanSocket[] sockets;
    private final IndexStack freeSlots;
    private final JournalWriter journal;
    private final boolean journalOn;
    private final long waitBoundNs;
    private final CompletionHandler completions = this::onCompletion;
    private final Object lifecycle = new Object();

    private int startups;
    private volatile boolean initialised;
    private volatile UpcallTable upcalls;
    private volatile HalFabric fabric;
    private volatile boolean stopProgress;
    private AgentRunner runner;

    public ProviderCore(final HalProvider hal, final HalConfig halConfig, final ProviderConfig config)
    {
        this.hal = hal;
        this.halConfig = halConfig;
        this.config = config;
        rdmaSupported = hal.capabilities().contains(HalCapability.RDMA);
        journal = config.journal();
        journalOn = journal.isEnabled();
        waitBoundNs = TimeUnit.MILLISECONDS.toNanos(config.waitBoundMs());
        sockets = new SanSocket[config.maxSockets()];
        for (int i = 0; i < sockets.length; i++)
        {
            sockets[i] = new SanSocket(i, config.opsPerSocket(), config.registrationsPerSocket());
        }
        freeSlots = new IndexStack(sockets.length);
    }

    public ProviderConfig config()
    {
        return config;
    }

    public String halName()
    {
        return hal.name();
    }

    /** @return true if the HAL under this provider can do RDMA. */
    public boolean halRdma()
    {
        return rdmaSupported;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Startup and cleanup (R1)
    // ---------------------------------------------------------------------------------------------------------

    public int startup(final UpcallTable upcalls)
    {
        if (null == upcalls)
        {
            return Winsock.WSAEFAULT;
        }
        synchronized (lifecycle)
        {
            if (startups > 0)
            {
                startups++;
                return Winsock.NO_ERROR;
            }
            final HalFabric opened;
            try
            {
                opened = hal.open(halConfig);
            }
            catch (final RuntimeException ex)
            {
                LOG.error("startup: HAL '{}' could not open: {}", hal.name(), ex.getMessage());
                return Winsock.WSAENETDOWN;
            }
            this.upcalls = upcalls;
            fabric = opened;
            stopProgress = false;
            startups = 1;
            initialised = true;
            record(JournalEvent.STARTUP, 0, 0, 0, 0, OpKind.NONE, 0, 0, 0);
            if (!config.callerDrivesProgress())
            {
                runner = new AgentRunner(
                    ProviderConfig.newIdleStrategy(config.idleStrategy()),
                    ProviderCore::onProgressError,
                    null,
                    new ProgressAgent());
                AgentRunner.startOnThread(runner);
            }
            return Winsock.NO_ERROR;
        }
    }

    public int cleanup()
    {
        synchronized (lifecycle)
        {
            if (0 == startups)
            {
                return Winsock.WSANOTINITIALISED;
            }
            if (0 != --startups)
            {
                return Winsock.NO_ERROR;
            }
            initialised = false;
            record(JournalEvent.CLEANUP, 0, 0, 0, 0, OpKind.NONE, 0, 0, 0);

            for (final SanSocket s : sockets)
            {
                if (s.tryAcquire())
                {
                    if (startClose(s))
                    {
                        s.closedByCleanup = true;
                        closeSteps(s, JournalEvent.FLAG_CLEANUP);
                        releaseRef(s);
                    }
                    releaseRef(s);
                }
            }

            final boolean drained = awaitAllFreed();
            stopProgressAgent();
            drainStaleCompletions();
            fabric.close();
            fabric = null;
            upcalls = null;
            if (!drained)
            {
                LOG.error("cleanup: sockets still had upcalls running after {} ms; they finish when those return",
                    config.waitBoundMs());
                return Winsock.WSAENETDOWN;
            }
            return Winsock.NO_ERROR;
        }
    }

    private boolean awaitAllFreed()
    {
        final long deadline = System.nanoTime() + waitBoundNs;
        final boolean driveProgress = config.callerDrivesProgress() || isProgressThread();
        while (liveSockets() > 0)
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            if (driveProgress)
            {
                doWork();
            }
            else
            {
                Thread.yield();
            }
        }
        return true;
    }

    /** Every socket is gone: what the HAL still reports (flushes that lost their race) is stale; drop it. */
    private void drainStaleCompletions()
    {
        final long deadline = System.nanoTime() + waitBoundNs;
        while (doWork() > 0 && System.nanoTime() - deadline < 0)
        {
            Thread.onSpinWait();
        }
    }

    private void stopProgressAgent()
    {
        final AgentRunner r = runner;
        runner = null;
        if (null == r)
        {
            return;
        }
        stopProgress = true;
        if (!isProgressThread())
        {
            r.close();
        }
    }

    private boolean isProgressThread()
    {
        final AgentRunner r = runner;
        return null != r && Thread.currentThread() == r.thread();
    }

    /** @return sockets holding a table slot right now (for leak checks). */
    public int liveSockets()
    {
        int live = 0;
        for (final SanSocket s : sockets)
        {
            if (s.refs() > 0)
            {
                live++;
            }
        }
        return live;
    }

    /** @return the HAL's own gauges and counters (see {@link HalFabric#counters()}), empty when not started. */
    public java.util.Map<String, Long> halCounters()
    {
        final HalFabric f = fabric;
        return null == f ? java.util.Map.of() : f.counters();
    }

    /** @return the number of memory registrations held across all sockets (for leak checks). */
    public int liveRegistrations()
    {
        int live = 0;
        for (final SanSocket s : sockets)
        {
            for (int i = 0; i < s.regions.length; i++)
            {
                if (0 != s.registrationHandles.get(i))
                {
                    live++;
                }
            }
        }
        return live;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Socket creation and connection setup (R2, R10)
    // ---------------------------------------------------------------------------------------------------------

    public long socket(final long switchContext)
    {
        if (!initialised)
        {
            return -reject(0, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = takeSlot(CREATED);
        if (null == s)
        {
            return -reject(0, Winsock.WSAENOBUFS);
        }
        try
        {
            final long d = s.descriptor();
            final int error = createHandle(s, d, switchContext);
            if (Winsock.NO_ERROR != error)
            {
                return -error;
            }
            return initialised ? d : -abandon(s, d);
        }
        finally
        {
            releaseRef(s);
        }
    }

    public int bind(final long socket, final SanAddress local)
    {
        if (!initialised)
        {
            return reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            if (null == local)
            {
                return reject(socket, Winsock.WSAEFAULT);
            }
            if (CREATED != s.state() || null != s.localAddress)
            {
                return reject(socket, Winsock.WSAEINVAL);
            }
            s.localAddress = local;
            return Winsock.NO_ERROR;
        }
        finally
        {
            releaseRef(s);
        }
    }

    public int listen(final long socket, final int backlog)
    {
        if (!initialised)
        {
            return reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            final SanAddress local = s.localAddress;
            if (CREATED != s.state() || null == local || backlog < 0)
            {
                return reject(socket, Winsock.WSAEINVAL);
            }
            final HalListener listener = fabric.createListener();
            if (null == listener)
            {
                return reject(socket, Winsock.WSAENOBUFS);
            }
            final int status = listener.listen(local, Math.max(1, backlog));
            if (HalStatus.SUCCESS != status)
            {
                listener.close();
                return reject(socket, StatusCodes.toWinsock(status));
            }
            s.listener = listener;
            if (!s.casState(CREATED, LISTENING))
            {
                listener.close();
                return reject(socket, stateError(s.state()));
            }
            s.localAddress = listener.localAddress();
            record(JournalEvent.LISTENING, socket, s.switchHandle, 0, 0, OpKind.NONE, 0, 0, 0);
            return Winsock.NO_ERROR;
        }
        finally
        {
            releaseRef(s);
        }
    }

    /**
     * @return the bound address of a socket (with the port a listener actually got), or {@code null}.
     */
    public SanAddress localAddress(final long socket)
    {
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return null;
        }
        try
        {
            return s.localAddress;
        }
        finally
        {
            releaseRef(s);
        }
    }

    public long accept(final long listener, final long switchContext)
    {
        if (!initialised)
        {
            return -reject(listener, Winsock.WSANOTINITIALISED);
        }
        final SanSocket ls = acquire(listener);
        if (null == ls)
        {
            return -reject(listener, Winsock.WSAENOTSOCK);
        }
        try
        {
            final HalListener halListener = ls.listener;
            if (LISTENING != ls.state() || null == halListener)
            {
                return -reject(listener, Winsock.WSAEINVAL);
            }
            final SanSocket s = takeSlot(ACCEPTING);
            if (null == s)
            {
                return -reject(listener, Winsock.WSAENOBUFS);
            }
            try
            {
                final long d = s.descriptor();
                final HalEndpoint endpoint = halListener.accept(d);
                if (null == endpoint)
                {
                    s.state(CLOSING);
                    releaseRef(s);
                    return -Winsock.WSAEWOULDBLOCK;
                }
                s.endpoint = endpoint;
                s.connectionId = endpoint.connectionId();
                final int error = createHandle(s, d, switchContext);
                if (Winsock.NO_ERROR != error)
                {
                    endpoint.abort();
                    return -error;
                }
                record(JournalEvent.ACCEPTED, d, s.switchHandle, s.connectionId, 0, OpKind.NONE, 0, 0, 0);
                if (!s.casState(ACCEPTING, CONNECTED) || !initialised)
                {
                    return -abandon(s, d);
                }
                applyDeferredEvent(s);
                return d;
            }
            finally
            {
                releaseRef(s);
            }
        }
        finally
        {
            releaseRef(ls);
        }
    }

    public int connect(final long socket, final SanAddress remote, final Overlapped overlapped)
    {
        if (!initialised)
        {
            return reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            if (null == remote || null == overlapped)
            {
                return reject(socket, Winsock.WSAEFAULT);
            }
            if (overlapped.isPending())
            {
                return reject(socket, Winsock.WSAEINVAL);
            }
            final int st = s.state();
            if (CREATED != st)
            {
                return reject(socket, connectStateError(st));
            }
            final HalEndpoint endpoint = fabric.createEndpoint(socket);
            if (null == endpoint)
            {
                return reject(socket, Winsock.WSAENOBUFS);
            }
            s.endpoint = endpoint;
            if (!s.casState(CREATED, CONNECTING))
            {
                endpoint.abort();
                return reject(socket, connectStateError(s.state()));
            }
            final OpSlot slot = claimSlot(s);
            if (null == slot)
            {
                s.casState(CONNECTING, CREATED);
                endpoint.abort();
                return reject(socket, Winsock.WSAENOBUFS);
            }
            final long seq = OpSlot.seqOf(slot.word());
            final long wrId = publish(s, slot, seq, OpKind.CONNECT, overlapped, null, null, 0);
            if (CONNECTING != s.state())
            {
                return finishRacedPost(s, slot, seq);
            }
            final int status = endpoint.connect(remote, wrId);
            if (HalStatus.SUCCESS != status && slot.tryWin(seq))
            {
                endpoint.abort();
                if (s.casState(CONNECTING, CREATED))
                {
                    return complete(s, slot, seq, StatusCodes.toWinsock(status), 0, true);
                }
                return refused(s, slot, seq, status, CONNECTING);
            }
            return Winsock.WSA_IO_PENDING;
        }
        finally
        {
            releaseRef(s);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Data transfer (R3, R4, R9)
    // ---------------------------------------------------------------------------------------------------------

    public int send(
        final long socket, final ByteBuffer buffer, final int offset, final int length, final Overlapped overlapped)
    {
        return post(OpKind.SEND, socket, buffer, offset, length, 0, 0, 0, overlapped);
    }

    public int recv(
        final long socket, final ByteBuffer buffer, final int offset, final int length, final Overlapped overlapped)
    {
        return post(OpKind.RECV, socket, buffer, offset, length, 0, 0, 0, overlapped);
    }

    public int rdmaWrite(
        final long socket, final long localRegistration, final int localOffset, final int length,
        final long remoteKey, final long remoteOffset, final Overlapped overlapped)
    {
        return post(
            OpKind.RDMA_WRITE, socket, null, localOffset, length, localRegistration, remoteKey, remoteOffset,
            overlapped);
    }

    public int rdmaRead(
        final long socket, final long localRegistration, final int localOffset, final int length,
        final long remoteKey, final long remoteOffset, final Overlapped overlapped)
    {
        return post(
            OpKind.RDMA_READ, socket, null, localOffset, length, localRegistration, remoteKey, remoteOffset,
            overlapped);
    }

    private int post(
        final int kind,
        final long socket,
        final ByteBuffer buffer,
        final int offset,
        final int length,
        final long registration,
        final long remoteKey,
        final long remoteOffset,
        final Overlapped overlapped)
    {
        if (!initialised)
        {
            return reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            final int st = s.state();
            if (CONNECTED != st)
            {
                return reject(socket, stateError(st));
            }
            if (null == overlapped)
            {
                return reject(socket, Winsock.WSAEFAULT);
            }
            HalMemoryRegion region = null;
            if (OpKind.SEND == kind || OpKind.RECV == kind)
            {
                if (null == buffer || offset < 0 || length < 0 || offset > buffer.capacity() - length)
                {
                    return reject(socket, Winsock.WSAEFAULT);
                }
            }
            else
            {
                if (!rdmaSupported)
                {
                    return reject(socket, Winsock.WSAEOPNOTSUPP);
                }
                region = registration(s, registration);
                if (null == region || offset < 0 || length < 0 || offset > region.length() - length ||
                    remoteOffset < 0 ||
                    (OpKind.RDMA_READ == kind && 0 == (region.access() & MemoryAccess.LOCAL_WRITE)))
                {
                    return reject(socket, Winsock.WSAEFAULT);
                }
            }
            if (overlapped.isPending())
            {
                return reject(socket, Winsock.WSAEINVAL);
            }
            final OpSlot slot = claimSlot(s);
            if (null == slot)
            {
                return reject(socket, Winsock.WSAENOBUFS);
            }

            final long seq = OpSlot.seqOf(slot.word());
            final long wrId = publish(s, slot, seq, kind, overlapped, buffer, region, length);
            if (CONNECTED != s.state())
            {
                return finishRacedPost(s, slot, seq);
            }

            final HalEndpoint endpoint = s.endpoint;
            final int status;
            switch (kind)
            {
                case OpKind.SEND: status = endpoint.postSend(wrId, buffer, offset, length); break;
                case OpKind.RECV: status = endpoint.postRecv(wrId, buffer, offset, length); break;
                case OpKind.RDMA_WRITE:
                    status = endpoint.postRdmaWrite(wrId, region, offset, length, remoteKey, remoteOffset);
                    break;
                default:
                    status = endpoint.postRdmaRead(wrId, region, offset, length, remoteKey, remoteOffset);
                    break;
            }
            if (HalStatus.SUCCESS != status && slot.tryWin(seq))
            {
                return refused(s, slot, seq, status, CONNECTED);
            }
            return Winsock.WSA_IO_PENDING;
        }
        finally
        {
            releaseRef(s);
        }
    }

    /**
     * The HAL refused a request whose slot this thread won back. If the socket is still in the state the post
     * saw, the call returns the error itself; if close or reset came meanwhile, the operation was pending when
     * they did and completes as they complete theirs (A2, A6). Reading the state after winning the slot is what
     * makes this safe: close waits for won slots to be journaled before it journals itself.
     */
    private int refused(final SanSocket s, final OpSlot slot, final long seq, final int status, final int postedIn)
    {
        final int now = s.state();
        if (postedIn != now)
        {
            complete(s, slot, seq, abortCode(now), 0, false);
            return Winsock.WSA_IO_PENDING;
        }
        return complete(s, slot, seq, StatusCodes.toWinsock(status), 0, true);
    }

    /**
     * Make a claimed slot PENDING: from here on the completion path and the abort path may race for it.
     */
    private long publish(
        final SanSocket s,
        final OpSlot slot,
        final long seq,
        final int kind,
        final Overlapped overlapped,
        final ByteBuffer buffer,
        final HalMemoryRegion region,
        final int length)
    {
        slot.kind = kind;
        slot.overlapped = overlapped;
        slot.buffer = buffer;
        slot.region = region;
        overlapped.begin();
        final long wrId = wrId(s.index, slot.index, seq);
        // Journal the post while the slot is still ours alone, so no completion can be journaled before it (A1).
        record(JournalEvent.OP_POSTED, s.descriptor(), s.switchHandle, s.connectionId, wrId, kind, 0, length, 0);
        slot.set(OpSlot.word(seq, PENDING));
        return wrId;
    }

    /**
     * The socket left its state while the operation was being published: it was pending when close or reset
     * came, so it completes like any pending operation would (R5, R6), through the switch's usual channel.
     */
    private int finishRacedPost(final SanSocket s, final OpSlot slot, final long seq)
    {
        if (slot.tryWin(seq))
        {
            complete(s, slot, seq, abortCode(s.state()), 0, false);
        }
        return Winsock.WSA_IO_PENDING;
    }

    public int getOverlappedResult(final long socket, final Overlapped overlapped)
    {
        if (!initialised)
        {
            return reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            if (null == overlapped)
            {
                return reject(socket, Winsock.WSAEFAULT);
            }
            return overlapped.isPending() ? Winsock.WSA_IO_INCOMPLETE : overlapped.offsetHigh();
        }
        finally
        {
            releaseRef(s);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Memory registration (R9)
    // ---------------------------------------------------------------------------------------------------------

    public long registerMemory(final long socket, final ByteBuffer buffer, final int access)
    {
        if (!initialised)
        {
            return -reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return -reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            if (null == buffer)
            {
                return -reject(socket, Winsock.WSAEFAULT);
            }
            if (!MemoryAccess.isValid(access))
            {
                return -reject(socket, Winsock.WSAEINVAL);
            }
            final int st = s.state();
            if (CONNECTED != st)
            {
                return -reject(socket, stateError(st));
            }
            for (int i = 0; i < s.regions.length; i++)
            {
                if (s.registrationHandles.compareAndSet(i, 0, -1))
                {
                    final HalMemoryRegion region = s.endpoint.registerMemory(buffer, access);
                    if (null == region)
                    {
                        s.registrationHandles.set(i, 0);
                        return -reject(socket, registrationRefused(s.endpoint.state()));
                    }
                    s.regions[i] = region;
                    final long handle = registrationHandle(s.registrationGeneration.incrementAndGet(), s.index, i);
                    s.registrationHandles.set(i, handle);
                    return handle;
                }
            }
            return -reject(socket, Winsock.WSAENOBUFS);
        }
        finally
        {
            releaseRef(s);
        }
    }

    public long remoteKey(final long socket, final long registration)
    {
        if (!initialised)
        {
            return -reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return -reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            final HalMemoryRegion region = registration(s, registration);
            return null == region ? -reject(socket, Winsock.WSAEINVAL) : region.remoteKey();
        }
        finally
        {
            releaseRef(s);
        }
    }

    public int deregisterMemory(final long socket, final long registration)
    {
        if (!initialised)
        {
            return reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            final int i = registrationSlot(s, registration);
            if (i < 0 || !s.registrationHandles.compareAndSet(i, registration, -1))
            {
                return reject(socket, Winsock.WSAEINVAL);
            }
            final HalMemoryRegion region = s.regions[i];
            s.regions[i] = null;
            s.endpoint.deregisterMemory(region);
            s.registrationHandles.set(i, 0);
            return Winsock.NO_ERROR;
        }
        finally
        {
            releaseRef(s);
        }
    }

    /**
     * The HAL refused a registration. If its endpoint already failed or was reset (news the provider has not
     * polled yet), the call answers as any call on a broken connection does; otherwise memory ran out.
     */
    private static int registrationRefused(final int endpointState)
    {
        switch (endpointState)
        {
            case HalEndpoint.ERROR: return Winsock.WSAECONNABORTED;
            case HalEndpoint.RESET: return Winsock.WSAECONNRESET;
            default: return Winsock.WSAENOBUFS;
        }
    }

    private static long registrationHandle(final long generation, final int socketIndex, final int slot)
    {
        return (generation << 32) | ((long)socketIndex << 8) | slot;
    }

    private static int registrationSlot(final SanSocket s, final long handle)
    {
        if (handle <= 0 || s.index != (int)((handle >>> 8) & SanSocket.INDEX_MASK))
        {
            return -1;
        }
        final int i = (int)(handle & 0xFF);
        return i < s.regions.length && handle == s.registrationHandles.get(i) ? i : -1;
    }

    private static HalMemoryRegion registration(final SanSocket s, final long handle)
    {
        final int i = registrationSlot(s, handle);
        return i < 0 ? null : s.regions[i];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Close (R5, R7, R8, R11)
    // ---------------------------------------------------------------------------------------------------------

    public int closeSocket(final long socket)
    {
        if (!initialised)
        {
            return reject(socket, Winsock.WSANOTINITIALISED);
        }
        final SanSocket s = acquire(socket);
        if (null == s)
        {
            return reject(socket, Winsock.WSAENOTSOCK);
        }
        try
        {
            if (!startClose(s))
            {
                return reject(socket, Winsock.WSAENOTSOCK);
            }
            closeSteps(s, 0);
            releaseRef(s);
            return Winsock.NO_ERROR;
        }
        finally
        {
            releaseRef(s);
        }
    }

    /** Move any live state to CLOSING. @return false if the socket was closing already (a second close). */
    private static boolean startClose(final SanSocket s)
    {
        while (true)
        {
            final int st = s.state();
            if (CLOSING == st || FREE == st)
            {
                return false;
            }
            if (s.casState(st, CLOSING))
            {
                return true;
            }
        }
    }

    /**
     * Step 1 of the seed: remove the connection (the peer sees a reset) and abort every pending operation with
     * {@link Winsock#WSA_OPERATION_ABORTED}, memory released before each completion (R5). Step 2 happens when
     * the caller drops the open reference.
     */
    private void closeSteps(final SanSocket s, final int flags)
    {
        s.closeCalledNanos = System.nanoTime();
        awaitJournaledCompletions(s, null);
        record(JournalEvent.CLOSE_CALLED, s.descriptor(), s.switchHandle, s.connectionId, 0, OpKind.NONE, 0, 0, flags);
        final HalEndpoint endpoint = s.endpoint;
        if (null != endpoint)
        {
            endpoint.abort();
        }
        final HalListener listener = s.listener;
        if (null != listener)
        {
            listener.close();
        }
        abortPending(s, Winsock.WSA_OPERATION_ABORTED);
    }

    /**
     * A completion that won its slot before close must reach the journal before the close does, so the journal
     * never shows a success for an operation that was pending when close was called (A2).
     */
    private void awaitJournaledCompletions(final SanSocket s, final OpSlot mine)
    {
        for (final OpSlot slot : s.ops)
        {
            if (slot != mine && COMPLETING == OpSlot.stateOf(slot.word()))
            {
                final long deadline = System.nanoTime() + waitBoundNs;
                while (COMPLETING == OpSlot.stateOf(slot.word()))
                {
                    if (System.nanoTime() - deadline > 0)
                    {
                        LOG.error("close: a completion on socket {} did not reach the journal within {} ms",
                            s.descriptor(), config.waitBoundMs());
                        break;
                    }
                    Thread.onSpinWait();
                }
            }
        }
    }

    private void abortPending(final SanSocket s, final int error)
    {
        for (final OpSlot slot : s.ops)
        {
            final long w = slot.word();
            if (PENDING == OpSlot.stateOf(w))
            {
                final long seq = OpSlot.seqOf(w);
                if (slot.tryWin(seq))
                {
                    complete(s, slot, seq, error, 0, false);
                }
            }
        }
    }

    /**
     * Step 2 of the seed, run by whoever drops the last reference: the one final {@code closeSocketHandle} upcall,
     * then free everything (R7). A slot that never got a switch handle is freed silently.
     */
    private void finalizeSocket(final SanSocket s)
    {
        final long d = s.descriptor();
        final long handle = s.switchHandle;
        final HalEndpoint endpoint = s.endpoint;
        for (int i = 0; i < s.regions.length; i++)
        {
            final HalMemoryRegion region = s.regions[i];
            if (null != region && null != endpoint)
            {
                endpoint.deregisterMemory(region);
            }
        }
        if (handle > 0)
        {
            record(JournalEvent.CLOSE_HANDLE_UPCALL, d, handle, s.connectionId, 0, OpKind.NONE, 0, 0, 0);
            try
            {
                upcalls.closeSocketHandle(handle);
            }
            catch (final Throwable t)
            {
                LOG.error("switch's closeSocketHandle({}) threw; the socket is freed regardless", handle, t);
            }
            record(JournalEvent.SOCKET_FREED, d, handle, s.connectionId, 0, OpKind.NONE, 0, 0,
                s.closedByCleanup ? JournalEvent.FLAG_CLEANUP : 0);
        }
        s.clear();
        final long next = s.generation + 1;
        s.generation = next > MAX_GENERATION ? 1 : next;
        s.state(FREE);
        freeSlots.push(s.index);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Completion: the progress side
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Drive progress once: move data in the HAL, then deliver completions. For
     * {@link ProviderConfig#callerDrivesProgress()}; otherwise the agent thread calls it.
     *
     * @return work done, 0 when idle.
     */
    public int doWork()
    {
        final HalFabric f = fabric;
        if (null == f)
        {
            return 0;
        }
        return f.progress() + f.poll(completions, POLL_LIMIT);
    }

    private void onCompletion(final long id, final int opcode, final int status, final int bytes)
    {
        if (HalOpcode.isEvent(opcode))
        {
            onEvent(id, opcode);
            return;
        }
        final int index = (int)((id >>> 40) & SanSocket.INDEX_MASK);
        final int slotIndex = (int)((id >>> 32) & 0xFF);
        final long seq = id & SEQ_MASK;
        if (index >= sockets.length)
        {
            return;
        }
        final SanSocket s = sockets[index];
        if (slotIndex >= s.ops.length || !s.tryAcquire())
        {
            return;
        }
        try
        {
            final OpSlot slot = s.ops[slotIndex];
            if (!slot.tryWin(seq))
            {
                return;
            }
            if (OpKind.CONNECT == slot.kind)
            {
                onConnectCompleted(s, status);
            }
            else if (HalStatus.REMOTE_ACCESS_ERROR == status || HalStatus.TRANSPORT_ERROR == status)
            {
                // The HAL moved the connection to error: fail the socket before the switch hears of it.
                applyEvent(s, HalOpcode.EVENT_TRANSPORT_ERROR, slot);
            }
            // Read the state only after winning the slot: if close or reset got in first, this operation was
            // pending when they did, and it completes as theirs do (A2, A6). If they come after, they wait for
            // this completion to be journaled before journaling themselves.
            final int st = s.state();
            if (CLOSING == st || RESET == st || ABORTED == st)
            {
                complete(s, slot, seq, abortCode(st), 0, false);
            }
            else
            {
                complete(s, slot, seq, StatusCodes.toWinsock(status), HalStatus.SUCCESS == status ? bytes : 0, false);
            }
        }
        finally
        {
            releaseRef(s);
        }
    }

    private void onConnectCompleted(final SanSocket s, final int status)
    {
        final HalEndpoint endpoint = s.endpoint;
        if (HalStatus.SUCCESS == status)
        {
            s.connectionId = endpoint.connectionId();
            if (s.casState(CONNECTING, CONNECTED))
            {
                record(JournalEvent.CONNECTED, s.descriptor(), s.switchHandle, s.connectionId, 0, OpKind.NONE, 0, 0,
                    0);
                applyDeferredEvent(s);
            }
        }
        else if (s.casState(CONNECTING, CREATED))
        {
            endpoint.abort();
            s.endpoint = null;
        }
    }

    private void onEvent(final long context, final int opcode)
    {
        final SanSocket s = acquire(context);
        if (null == s)
        {
            return;
        }
        try
        {
            final int st = s.state();
            if (ACCEPTING == st || CONNECTING == st)
            {
                s.deferEvent(opcode);
                if (CONNECTED == s.state())
                {
                    applyDeferredEvent(s);
                }
                return;
            }
            applyEvent(s, opcode, null);
        }
        finally
        {
            releaseRef(s);
        }
    }

    private void applyDeferredEvent(final SanSocket s)
    {
        final int opcode = s.takeDeferredEvent();
        if (0 != opcode)
        {
            applyEvent(s, opcode, null);
        }
    }

    /**
     * Peer reset (R6) or transport failure: the connection is gone but the socket stays valid until the switch
     * closes it (R8); pending operations complete with the matrix's code.
     *
     * @param mine a slot the calling thread has won and is completing, or null.
     */
    private void applyEvent(final SanSocket s, final int opcode, final OpSlot mine)
    {
        final boolean reset = HalOpcode.EVENT_PEER_RESET == opcode;
        if (s.casState(CONNECTED, reset ? RESET : ABORTED))
        {
            awaitJournaledCompletions(s, mine);
            record(reset ? JournalEvent.PEER_RESET : JournalEvent.TRANSPORT_ERROR, s.descriptor(), s.switchHandle,
                s.connectionId, 0, OpKind.NONE, 0, 0, 0);
            abortPending(s, reset ? Winsock.WSAECONNRESET : Winsock.WSAECONNABORTED);
        }
    }

    /**
     * Report a won operation: release its memory, write the overlapped (Internal last), journal, then upcall
     * unless the switch polls (R3, R4, R5). The slot is freed after the upcall returns.
     *
     * @param sync the call that posted it returns the error itself: no upcall.
     * @return the error, for a synchronous caller.
     */
    private int complete(
        final SanSocket s, final OpSlot slot, final long seq, final int error, final int bytes, final boolean sync)
    {
        final Overlapped overlapped = slot.overlapped;
        final int kind = slot.kind;
        final long d = s.descriptor();
        final long handle = s.switchHandle;
        final long wrId = wrId(s.index, slot.index, seq);

        slot.releaseMemory();
        record(JournalEvent.OP_RELEASED, d, handle, s.connectionId, wrId, kind, 0, 0, 0);

        final boolean upcall = !sync && !overlapped.suppressesUpcall();
        final int flags = sync ? JournalEvent.FLAG_SYNC : upcall ? JournalEvent.FLAG_UPCALL : JournalEvent.FLAG_POLLED;
        record(JournalEvent.OP_COMPLETED, d, handle, s.connectionId, wrId, kind, error, bytes, flags);
        // Free the slot before the switch can see the completion (overlapped or upcall), so it may repost at once,
        // from inside the upcall too; the caller's socket reference, not the slot, keeps closeSocketHandle behind
        // this upcall (R7). The journal already holds the completion, so it never trails what the switch saw.
        slot.free(seq);
        overlapped.complete(error, 0, bytes);

        if (upcall)
        {
            try
            {
                upcalls.completeOverlappedRequest(handle, overlapped, error, bytes);
            }
            catch (final Throwable t)
            {
                LOG.error("switch's completeOverlappedRequest threw for handle {}", handle, t);
            }
        }
        return error;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Table plumbing
    // ---------------------------------------------------------------------------------------------------------

    /** Look a descriptor up and take a reference; the generation check makes a stale descriptor miss (R8, A7). */
    private SanSocket acquire(final long descriptor)
    {
        if (descriptor <= 0)
        {
            return null;
        }
        final int index = SanSocket.indexOf(descriptor);
        if (index >= sockets.length)
        {
            return null;
        }
        final SanSocket s = sockets[index];
        if (!s.tryAcquire())
        {
            return null;
        }
        if (s.generation != SanSocket.generationOf(descriptor) || FREE == s.state())
        {
            releaseRef(s);
            return null;
        }
        return s;
    }

    private void releaseRef(final SanSocket s)
    {
        if (s.release())
        {
            finalizeSocket(s);
        }
    }

    /** @return a live slot holding its open reference plus one for the caller, or null when the table is full. */
    private SanSocket takeSlot(final int initialState)
    {
        final int index = freeSlots.pop();
        if (index < 0)
        {
            return null;
        }
        final SanSocket s = sockets[index];
        s.open(initialState);
        s.tryAcquire();
        return s;
    }

    private int createHandle(final SanSocket s, final long d, final long switchContext)
    {
        long handle;
        try
        {
            handle = upcalls.createSocketHandle(d, switchContext);
        }
        catch (final Throwable t)
        {
            LOG.error("switch's createSocketHandle threw", t);
            handle = -Winsock.WSAENOBUFS;
        }
        if (handle <= 0)
        {
            s.state(CLOSING);
            releaseRef(s);
            return reject(d, 0 == handle ? Winsock.WSAENOBUFS : (int)-handle);
        }
        s.switchHandle = handle;
        record(JournalEvent.SOCKET_CREATED, d, handle, 0, 0, OpKind.NONE, 0, 0, 0);
        return Winsock.NO_ERROR;
    }

    /** A socket set up while the final cleanup ran: close it as cleanup would have. */
    private int abandon(final SanSocket s, final long d)
    {
        if (startClose(s))
        {
            s.closedByCleanup = true;
            closeSteps(s, JournalEvent.FLAG_CLEANUP);
            releaseRef(s);
        }
        return reject(d, Winsock.WSANOTINITIALISED);
    }

    private static OpSlot claimSlot(final SanSocket s)
    {
        final OpSlot[] ops = s.ops;
        final int n = ops.length;
        final int start = s.claimHint;
        for (int i = 0; i < n; i++)
        {
            int j = start + i;
            if (j >= n)
            {
                j -= n;
            }
            if (ops[j].tryClaim() >= 0)
            {
                s.claimHint = j + 1 == n ? 0 : j + 1;
                return ops[j];
            }
        }
        return null;
    }

    static long wrId(final int socketIndex, final int slotIndex, final long seq)
    {
        return ((long)socketIndex << 40) | ((long)slotIndex << 32) | (seq & SEQ_MASK);
    }

    private int reject(final long descriptor, final int error)
    {
        record(JournalEvent.CALL_REJECTED, descriptor, 0, 0, 0, OpKind.NONE, error, 0, 0);
        return error;
    }

    private void record(
        final int event, final long descriptor, final long handle, final long connectionId, final long opId,
        final int kind, final int error, final int bytes, final int flags)
    {
        if (journalOn)
        {
            journal.write(event, descriptor, handle, connectionId, opId, kind, error, bytes, flags);
        }
    }

    /** Synchronous refusal of a data call, by socket state (error matrix). */
    private static int stateError(final int state)
    {
        switch (state)
        {
            case RESET: return Winsock.WSAECONNRESET;
            case ABORTED: return Winsock.WSAECONNABORTED;
            case CLOSING:
            case FREE: return Winsock.WSAENOTSOCK;
            default: return Winsock.WSAENOTCONN;
        }
    }

    private static int connectStateError(final int state)
    {
        switch (state)
        {
            case CONNECTING: return Winsock.WSAEALREADY;
            case CONNECTED:
            case RESET:
            case ABORTED: return Winsock.WSAEISCONN;
            case CLOSING:
            case FREE: return Winsock.WSAENOTSOCK;
            default: return Winsock.WSAEINVAL;
        }
    }

    /** Completion code for an operation that was pending when the socket left CONNECTED. */
    private static int abortCode(final int state)
    {
        switch (state)
        {
            case RESET: return Winsock.WSAECONNRESET;
            case ABORTED: return Winsock.WSAECONNABORTED;
            default: return Winsock.WSA_OPERATION_ABORTED;
        }
    }

    /** The agent's own termination is how the final cleanup stops it: not an error. */
    private static void onProgressError(final Throwable t)
    {
        if (!(t instanceof AgentTerminationException))
        {
            LOG.error("progress agent error", t);
        }
    }

    /** Runs progress on the agent thread; stops when the final cleanup asks. */
    private final class ProgressAgent implements Agent
    {
        public int doWork()
        {
            if (stopProgress)
            {
                throw new AgentTerminationException();
            }
            return ProviderCore.this.doWork();
        }

        public String roleName()
        {
            return "sanref-progress-" + config.nodeName();
        }
    }
}
