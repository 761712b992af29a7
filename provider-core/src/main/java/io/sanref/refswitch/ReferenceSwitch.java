package io.sanref.refswitch;

import io.sanref.provider.IndexStack;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.SanProvider;
import io.sanref.spi.UpcallTable;
import io.sanref.spi.Winsock;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.LongConsumer;

/**
 * A switch that drives a provider the way the Winsock switch does: it creates sockets, posts overlapped
 * operations, and receives the upcalls, checking each against the close protocol and recording what it was
 * told in {@link SwitchStats}. It does not rely on the provider behaving well; every surprise is counted.
 * <p>
 * Overlapped structures are tracked through their {@link Overlapped#tag()}: create them with
 * {@link #newOverlapped(boolean)} and reuse each once its operation has completed.
 * <p>
 * Threading: every method may be called from any thread; upcalls arrive on any thread. Steady-state posting
 * and completion do not allocate unless {@link #recordUpcalls(boolean)} is on.
 */
public final class ReferenceSwitch implements UpcallTable
{
    private static final int IDLE = 0;
    private static final int POSTED = 1;
    private static final int INDEX_BITS = 24;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    /** One upcall, as recorded for tests when {@link #recordUpcalls(boolean)} is on. */
    public record Upcall(String kind, long handle, long tag, int error, int bytes, String thread)
    {
    }

    private final SanProvider provider;
    private final SwitchSocket[] sockets;
    private final IndexStack freeSockets;
    private final SwitchStats stats = new SwitchStats();
    private final Histogram closeLatencyNs = new ConcurrentHistogram(3);
    private final Overlapped[] overlappeds;
    private final AtomicIntegerArray opStates;
    private final long[] opHandles;
    private final AtomicInteger overlappedCount = new AtomicInteger();
    private final AtomicInteger cleanups = new AtomicInteger();
    private volatile boolean cleaningUp;
    private volatile boolean recording;
    private final Queue<Upcall> upcalls = new ConcurrentLinkedQueue<>();
    private volatile CompletionListener completionListener;
    private volatile double slowUpcallRate;
    private volatile long slowUpcallMaxNanos;
    private volatile long slowUpcallSeed;
    private final java.util.concurrent.atomic.AtomicLong slowUpcallDecisions = new java.util.concurrent.atomic.AtomicLong();

    /** Told of every completion the switch accepts, on the thread that reports it. Must not block long. */
    @FunctionalInterface
    public interface CompletionListener
    {
        void onCompletion(SwitchSocket socket, Overlapped overlapped, int error, int bytes);
    }

    /**
     * @param provider       the provider to drive.
     * @param maxSockets     most sockets alive at once from this switch's side.
     * @param maxOverlapped  most overlapped structures this switch will ever hand out.
     */
    public ReferenceSwitch(final SanProvider provider, final int maxSockets, final int maxOverlapped)
    {
        this.provider = provider;
        overlappeds = new Overlapped[maxOverlapped];
        opStates = new AtomicIntegerArray(maxOverlapped);
        opHandles = new long[maxOverlapped];
        sockets = new SwitchSocket[maxSockets];
        for (int i = 0; i < maxSockets; i++)
        {
            sockets[i] = new SwitchSocket(i);
        }
        freeSockets = new IndexStack(maxSockets);
    }

    public SanProvider provider()
    {
        return provider;
    }

    public SwitchStats stats()
    {
        return stats;
    }

    /** @return {@code closeSocket} call to {@code closeSocketHandle} upcall, in nanoseconds. */
    public Histogram closeLatencyNs()
    {
        return closeLatencyNs;
    }

    public void recordUpcalls(final boolean on)
    {
        recording = on;
    }

    /** @return the upcalls recorded so far, in arrival order. */
    public List<Upcall> recordedUpcalls()
    {
        return new ArrayList<>(upcalls);
    }

    public void completionListener(final CompletionListener listener)
    {
        completionListener = listener;
    }

    /**
     * A fault of the switch's own: a share of completion upcalls spin for a while before returning, so closes start
     * while they run (R7). Decisions come from the seed.
     */
    public void slowUpcalls(final double rate, final long maxNanos, final long seed)
    {
        slowUpcallSeed = seed;
        slowUpcallMaxNanos = maxNanos;
        slowUpcallRate = rate;
    }

    private void maybeSlow()
    {
        final double rate = slowUpcallRate;
        if (rate <= 0)
        {
            return;
        }
        long z = slowUpcallSeed + slowUpcallDecisions.incrementAndGet() * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        if ((z >>> 11) * 0x1.0p-53 < rate)
        {
            stats.slowedUpcalls.incrementAndGet();
            final long until = System.nanoTime() + Long.remainderUnsigned(z, Math.max(1, slowUpcallMaxNanos));
            while (System.nanoTime() - until < 0)
            {
                Thread.onSpinWait();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Driving the provider
    // ---------------------------------------------------------------------------------------------------------

    public int startup()
    {
        return provider.startup(this);
    }

    public int cleanup()
    {
        cleaningUp = true;
        cleanups.incrementAndGet();
        return provider.cleanup();
    }

    /**
     * Create a socket. On failure the returned record says why ({@link SwitchSocket#error()}) and is not live.
     *
     * @return the socket record, or {@code null} when the switch's own table is full.
     */
    public SwitchSocket socket()
    {
        final SwitchSocket s = reserve();
        if (null == s)
        {
            return null;
        }
        final long d = provider.socket(s.index);
        return settle(s, d);
    }

    /**
     * Take one waiting connection, without blocking.
     *
     * @return the new socket; {@code null} when none waits (or on failure, see {@link #lastAcceptError()}).
     */
    public SwitchSocket accept(final SwitchSocket listener)
    {
        final SwitchSocket s = reserve();
        if (null == s)
        {
            return null;
        }
        final long d = provider.accept(listener.descriptor, s.index);
        if (d <= 0)
        {
            lastAcceptError.set((int)-d);
            if (0 == s.handle)
            {
                release(s);
            }
            return null;
        }
        return settle(s, d);
    }

    private final AtomicInteger lastAcceptError = new AtomicInteger();

    /** @return the code of the last accept that returned nothing ({@code WSAEWOULDBLOCK} when none waited). */
    public int lastAcceptError()
    {
        return lastAcceptError.get();
    }

    public int bind(final SwitchSocket s, final SanAddress local)
    {
        return provider.bind(s.descriptor, local);
    }

    public int listen(final SwitchSocket s, final int backlog)
    {
        return provider.listen(s.descriptor, backlog);
    }

    /** @return a new tracked overlapped; {@code polled} sets the low bit of its event handle (R3). */
    public Overlapped newOverlapped(final boolean polled)
    {
        final int index = overlappedCount.getAndIncrement();
        if (index >= overlappeds.length)
        {
            overlappedCount.decrementAndGet();
            throw new IllegalStateException("the switch was sized for " + overlappeds.length + " overlapped structures");
        }
        final Overlapped ov = new Overlapped(polled ? 0x1000 | Overlapped.NO_UPCALL_BIT : 0x1000, index + 1L);
        overlappeds[index] = ov;
        return ov;
    }

    public int connect(final SwitchSocket s, final SanAddress remote, final Overlapped ov)
    {
        final int op = begin(s, ov);
        return end(op, provider.connect(s.descriptor, remote, ov));
    }

    public int send(final SwitchSocket s, final ByteBuffer buffer, final int offset, final int length, final Overlapped ov)
    {
        final int op = begin(s, ov);
        return end(op, provider.send(s.descriptor, buffer, offset, length, ov));
    }

    public int recv(final SwitchSocket s, final ByteBuffer buffer, final int offset, final int length, final Overlapped ov)
    {
        final int op = begin(s, ov);
        return end(op, provider.recv(s.descriptor, buffer, offset, length, ov));
    }

    public int rdmaWrite(
        final SwitchSocket s, final long registration, final int offset, final int length, final long remoteKey,
        final long remoteOffset, final Overlapped ov)
    {
        final int op = begin(s, ov);
        return end(op, provider.rdmaWrite(s.descriptor, registration, offset, length, remoteKey, remoteOffset, ov));
    }

    public int rdmaRead(
        final SwitchSocket s, final long registration, final int offset, final int length, final long remoteKey,
        final long remoteOffset, final Overlapped ov)
    {
        final int op = begin(s, ov);
        return end(op, provider.rdmaRead(s.descriptor, registration, offset, length, remoteKey, remoteOffset, ov));
    }

    /**
     * Check an operation: one the switch polls is accounted for here once its overlapped shows completion; one
     * reported by upcall is complete once the upcall arrived.
     *
     * @return true if it has completed (now or before).
     */
    public boolean reap(final Overlapped ov)
    {
        final int op = (int)ov.tag() - 1;
        if (POSTED != opStates.get(op))
        {
            return true;
        }
        if (!ov.suppressesUpcall() || ov.isPending())
        {
            // An upcall operation is complete only once the switch has been told; never steal its report.
            return false;
        }
        if (opStates.compareAndSet(op, POSTED, IDLE))
        {
            stats.completed.incrementAndGet();
            stats.completedByPoll.incrementAndGet();
            stats.byCode.incrementAndGet(SwitchStats.slot(ov.offsetHigh()));
            final SwitchSocket s = socketOf(opHandles[op]);
            notify(s, ov, ov.offsetHigh(), ov.internalHigh());
        }
        return true;
    }

    /** @return true while the operation on this overlapped has been taken and not yet reported complete. */
    public boolean isOutstanding(final Overlapped ov)
    {
        return POSTED == opStates.get((int)ov.tag() - 1);
    }

    /** @return operations taken by the provider and never reported complete, polled ones reaped first. */
    public int outstanding()
    {
        final int count = Math.min(overlappedCount.get(), overlappeds.length);
        int outstanding = 0;
        for (int i = 0; i < count; i++)
        {
            final Overlapped ov = overlappeds[i];
            if (null == ov)
            {
                continue;
            }
            if (ov.suppressesUpcall())
            {
                reap(ov);
            }
            if (POSTED == opStates.get(i))
            {
                outstanding++;
            }
        }
        return outstanding;
    }

    public int closeSocket(final SwitchSocket s)
    {
        if (0 == s.closeCalledNanos)
        {
            s.closeCalledNanos = System.nanoTime();
        }
        return provider.closeSocket(s.descriptor);
    }

    public long registerMemory(final SwitchSocket s, final ByteBuffer buffer, final int access)
    {
        return provider.registerMemory(s.descriptor, buffer, access);
    }

    public long remoteKey(final SwitchSocket s, final long registration)
    {
        return provider.remoteKey(s.descriptor, registration);
    }

    public int deregisterMemory(final SwitchSocket s, final long registration)
    {
        return provider.deregisterMemory(s.descriptor, registration);
    }

    /** @return sockets whose final {@code closeSocketHandle} has not arrived yet. */
    public int liveHandles()
    {
        int live = 0;
        for (final SwitchSocket s : sockets)
        {
            if (0 != s.handle)
            {
                live++;
            }
        }
        return live;
    }

    private int begin(final SwitchSocket s, final Overlapped ov)
    {
        if (null == ov)
        {
            return -1;
        }
        final int op = (int)ov.tag() - 1;
        if (op < 0 || !opStates.compareAndSet(op, IDLE, POSTED))
        {
            throw new IllegalStateException("overlapped " + ov.tag() + " is not idle or not from newOverlapped");
        }
        opHandles[op] = s.handle;
        return op;
    }

    private int end(final int op, final int result)
    {
        if (Winsock.WSA_IO_PENDING == result)
        {
            stats.posted.incrementAndGet();
            return result;
        }
        stats.syncErrors.incrementAndGet();
        stats.syncByCode.incrementAndGet(SwitchStats.slot(result));
        if (op >= 0 && !opStates.compareAndSet(op, POSTED, IDLE))
        {
            // Completed asynchronously and also failed synchronously: reported twice.
            stats.duplicateCompletions.incrementAndGet();
        }
        return result;
    }

    private SwitchSocket reserve()
    {
        final int index = freeSockets.pop();
        if (index < 0)
        {
            return null;
        }
        final SwitchSocket s = sockets[index];
        s.descriptor = 0;
        s.error = 0;
        s.closeCalledNanos = 0;
        s.closeHandleNanos = 0;
        s.closeHandleUpcalls.set(0);
        s.completions.set(0);
        return s;
    }

    private SwitchSocket settle(final SwitchSocket s, final long d)
    {
        if (d > 0)
        {
            s.descriptor = d;
            return s;
        }
        s.error = (int)-d;
        if (0 == s.handle)
        {
            release(s);
        }
        return s;
    }

    private void release(final SwitchSocket s)
    {
        s.handle = 0;
        s.generation++;
        freeSockets.push(s.index);
    }

    private SwitchSocket socketOf(final long handle)
    {
        if (handle <= 0)
        {
            return null;
        }
        final int index = (int)(handle & INDEX_MASK);
        if (index >= sockets.length)
        {
            return null;
        }
        final SwitchSocket s = sockets[index];
        return handle == s.handle ? s : null;
    }

    private void notify(final SwitchSocket s, final Overlapped ov, final int error, final int bytes)
    {
        final CompletionListener listener = completionListener;
        if (null != listener && null != s)
        {
            listener.onCompletion(s, ov, error, bytes);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Upcalls
    // ---------------------------------------------------------------------------------------------------------

    public long createSocketHandle(final long providerDescriptor, final long switchContext)
    {
        stats.createHandleUpcalls.incrementAndGet();
        if (switchContext < 0 || switchContext >= sockets.length)
        {
            return -Winsock.WSAEINVAL;
        }
        final SwitchSocket s = sockets[(int)switchContext];
        final long handle = (s.generation << INDEX_BITS) | s.index;
        s.descriptor = providerDescriptor;
        s.handle = handle;
        if (recording)
        {
            upcalls.add(new Upcall("createSocketHandle", handle, 0, 0, 0, Thread.currentThread().getName()));
        }
        return handle;
    }

    public int closeSocketHandle(final long switchHandle)
    {
        final SwitchSocket s = socketOf(switchHandle);
        if (recording)
        {
            upcalls.add(new Upcall("closeSocketHandle", switchHandle, 0, 0, 0, Thread.currentThread().getName()));
        }
        if (null == s)
        {
            stats.upcallsForDeadHandles.incrementAndGet();
            return Winsock.WSAENOTSOCK;
        }
        stats.closeHandleUpcalls.incrementAndGet();
        if (s.closeHandleUpcalls.incrementAndGet() > 1)
        {
            stats.duplicateCloseHandles.incrementAndGet();
            return Winsock.WSAENOTSOCK;
        }
        final long now = System.nanoTime();
        s.closeHandleNanos = now;
        if (0 != s.closeCalledNanos)
        {
            closeLatencyNs.recordValue(Math.max(0, now - s.closeCalledNanos));
        }
        else if (!cleaningUp)
        {
            stats.closeHandleBeforeClose.incrementAndGet();
        }
        release(s);
        return Winsock.NO_ERROR;
    }

    public int completeOverlappedRequest(
        final long switchHandle, final Overlapped ov, final int error, final int bytes)
    {
        if (recording)
        {
            upcalls.add(new Upcall(
                "completeOverlappedRequest", switchHandle, null == ov ? 0 : ov.tag(), error, bytes,
                Thread.currentThread().getName()));
        }
        final SwitchSocket s = socketOf(switchHandle);
        if (null == s)
        {
            stats.upcallsForDeadHandles.incrementAndGet();
        }
        final int op = null == ov ? -1 : (int)ov.tag() - 1;
        if (op < 0 || op >= opStates.length())
        {
            stats.overlappedMismatches.incrementAndGet();
            return Winsock.WSAEINVAL;
        }
        if (ov.suppressesUpcall())
        {
            stats.upcallsForPolledOps.incrementAndGet();
        }
        if (ov.internal() != error || ov.offsetHigh() != error || ov.internalHigh() != bytes)
        {
            stats.overlappedMismatches.incrementAndGet();
        }
        if (Winsock.WSA_OPERATION_ABORTED == error && 0 != bytes)
        {
            stats.abortedWithBytes.incrementAndGet();
        }
        if (opHandles[op] != switchHandle)
        {
            stats.wrongHandle.incrementAndGet();
        }
        if (!opStates.compareAndSet(op, POSTED, IDLE))
        {
            stats.duplicateCompletions.incrementAndGet();
            return Winsock.NO_ERROR;
        }
        stats.completed.incrementAndGet();
        stats.completedByUpcall.incrementAndGet();
        stats.byCode.incrementAndGet(SwitchStats.slot(error));
        if (null != s)
        {
            s.completions.incrementAndGet();
        }
        notify(s, ov, error, bytes);
        maybeSlow();
        return Winsock.NO_ERROR;
    }

    public long querySocketHandleContext(final long switchHandle)
    {
        final SwitchSocket s = socketOf(switchHandle);
        return null == s ? -Winsock.WSAENOTSOCK : s.index;
    }

    /** Run an action for each socket whose handle is still open (for cleanup in tests and scenarios). */
    public void forEachLive(final LongConsumer descriptorAction)
    {
        for (final SwitchSocket s : sockets)
        {
            if (0 != s.handle)
            {
                descriptorAction.accept(s.descriptor);
            }
        }
    }
}
