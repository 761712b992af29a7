package io.sanref.scenario;

import io.sanref.journal.JournalWriter;
import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalProvider;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The far end of a cross-process run ({@code sanref serve}): a provider listening on an address, serving every
 * connection the same simple way, so that a client in another process ({@code sanref run --connect}) can drive
 * the close protocol against it. Per accepted connection it:
 * <ol>
 *   <li>registers a {@value #REGION_BYTES}-byte region for remote read and write and sends a
 *       {@value #GREETING_BYTES}-byte greeting: the region's remote key (u64, big-endian) and its length (u32);</li>
 *   <li>echoes every byte it receives, in order;</li>
 *   <li>closes its socket (abortively, as every SAN close is: the client sees a peer reset) when the client has
 *       RDMA-written {@link #RESET_COMMAND} at offset 0 of the region;</li>
 *   <li>closes its socket when its receive completes with an error (the client closed: a peer reset here).</li>
 * </ol>
 * Threading: {@link #run} on one thread until {@link #stop}; {@link #stop} from any thread.
 */
public final class PeerService
{
    public static final int REGION_BYTES = 64 * 1024;
    public static final int GREETING_BYTES = 16;
    /** Written by the client at region offset 0 to ask the service to close (reset) the connection. */
    public static final long RESET_COMMAND = 0x5245534554_4D4521L; // "RESETME!"
    private static final int RECV_BYTES = 16 * 1024;

    private final Node node;
    private final SanAddress listenAddress;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong echoedBytes = new AtomicLong();
    private final AtomicLong closedByClient = new AtomicLong();
    private final AtomicLong resetOnCommand = new AtomicLong();
    private final List<Conn> conns = new ArrayList<>();
    private final List<Overlapped> freeOverlapped = new ArrayList<>();
    private SwitchSocket listener;
    private SanAddress boundAddress;

    private static final class Conn
    {
        SwitchSocket socket;
        ByteBuffer recvBuf = ByteBuffer.allocate(RECV_BYTES);
        ByteBuffer sendBuf = ByteBuffer.allocate(RECV_BYTES);
        ByteBuffer region = ByteBuffer.allocate(REGION_BYTES);
        long registration;
        Overlapped recvOv;
        Overlapped sendOv;
        int pendingEcho;
        boolean closed;
    }

    /**
     * @param hal           the HAL to serve on.
     * @param listenAddress where to listen.
     * @param maxSockets    most sockets open at once.
     * @param journal       the journal writer (node 2), or {@link JournalWriter#OFF}.
     */
    public PeerService(final HalProvider hal, final SanAddress listenAddress, final int maxSockets,
        final JournalWriter journal)
    {
        this.listenAddress = listenAddress;
        node = new Node("serve", hal, maxSockets, 8, 4 * maxSockets + 64, journal);
    }

    /**
     * Start the provider and listen.
     *
     * @return the bound address.
     * @throws IllegalStateException with the reason when it cannot.
     */
    public SanAddress start()
    {
        if (Winsock.NO_ERROR != node.startup())
        {
            throw new IllegalStateException("the provider did not start on HAL " + node.provider());
        }
        final ReferenceSwitch sw = node.sw();
        listener = sw.socket();
        int rc = sw.bind(listener, listenAddress);
        if (Winsock.NO_ERROR == rc)
        {
            rc = sw.listen(listener, 64);
        }
        if (Winsock.NO_ERROR != rc)
        {
            sw.closeSocket(listener);
            node.cleanup();
            throw new IllegalStateException("cannot listen on " + listenAddress + ": " + Winsock.name(rc) + " (" + rc + ")");
        }
        boundAddress = node.addressOf(listener);
        return boundAddress;
    }

    /** Serve until {@link #stop}, then close every connection and the provider (final cleanup). */
    public void run()
    {
        final ReferenceSwitch sw = node.sw();
        while (!stop.get())
        {
            boolean work = false;
            final SwitchSocket s = sw.accept(listener);
            if (null != s)
            {
                work = true;
                onAccepted(s);
            }
            for (int i = conns.size() - 1; i >= 0; i--)
            {
                final Conn c = conns.get(i);
                work |= serve(c);
                if (c.closed && !sw.isOutstanding(c.recvOv) && !sw.isOutstanding(c.sendOv))
                {
                    freeOverlapped.add(c.recvOv);
                    freeOverlapped.add(c.sendOv);
                    conns.remove(i);
                }
            }
            if (!work)
            {
                LockSupportPark.park();
            }
        }
        for (final Conn c : conns)
        {
            if (!c.closed)
            {
                sw.closeSocket(c.socket);
            }
        }
        sw.closeSocket(listener);
        node.cleanup();
    }

    public void stop()
    {
        stop.set(true);
    }

    public SanAddress address()
    {
        return boundAddress;
    }

    public Node node()
    {
        return node;
    }

    /** @return a one-line summary of what was served. */
    public String summary()
    {
        return "accepted " + accepted.get() + ", echoed " + echoedBytes.get() + " bytes, " + closedByClient.get() +
            " closed by the client, " + resetOnCommand.get() + " reset on command";
    }

    private Overlapped overlapped()
    {
        return freeOverlapped.isEmpty() ? node.sw().newOverlapped(false) : freeOverlapped.remove(freeOverlapped.size() - 1);
    }

    private void onAccepted(final SwitchSocket s)
    {
        accepted.incrementAndGet();
        final ReferenceSwitch sw = node.sw();
        final Conn c = new Conn();
        c.socket = s;
        c.recvOv = overlapped();
        c.sendOv = overlapped();
        conns.add(c);
        c.registration = sw.registerMemory(s, c.region, MemoryAccess.REMOTE_READ | MemoryAccess.REMOTE_WRITE |
            MemoryAccess.LOCAL_WRITE);
        final long rkey = c.registration > 0 ? sw.remoteKey(s, c.registration) : 0;
        c.sendBuf.clear();
        c.sendBuf.putLong(0, Math.max(0, rkey)).putInt(8, REGION_BYTES).putInt(12, 0);
        final int rc = sw.send(s, c.sendBuf, 0, GREETING_BYTES, c.sendOv);
        if (Winsock.WSA_IO_PENDING != rc || c.registration <= 0)
        {
            close(c);
            return;
        }
        postRecv(c);
    }

    private void postRecv(final Conn c)
    {
        if (Winsock.WSA_IO_PENDING != node.sw().recv(c.socket, c.recvBuf, 0, RECV_BYTES, c.recvOv))
        {
            close(c);
        }
    }

    private boolean serve(final Conn c)
    {
        if (c.closed)
        {
            return false;
        }
        final ReferenceSwitch sw = node.sw();
        if (RESET_COMMAND == c.region.getLong(0))
        {
            resetOnCommand.incrementAndGet();
            close(c);
            return true;
        }
        if (sw.isOutstanding(c.recvOv) || sw.isOutstanding(c.sendOv))
        {
            if (c.pendingEcho > 0 && !sw.isOutstanding(c.sendOv))
            {
                return echo(c);
            }
            return false;
        }
        if (c.pendingEcho > 0)
        {
            return echo(c);
        }
        // The receive completed.
        if (Winsock.NO_ERROR != c.recvOv.offsetHigh())
        {
            closedByClient.incrementAndGet();
            close(c);
            return true;
        }
        final int n = c.recvOv.internalHigh();
        c.pendingEcho = n;
        c.sendBuf.put(0, c.recvBuf, 0, n);
        return echo(c);
    }

    private boolean echo(final Conn c)
    {
        final ReferenceSwitch sw = node.sw();
        if (c.pendingEcho > 0)
        {
            final int n = c.pendingEcho;
            c.pendingEcho = 0;
            if (Winsock.WSA_IO_PENDING != sw.send(c.socket, c.sendBuf, 0, n, c.sendOv))
            {
                close(c);
                return true;
            }
            echoedBytes.addAndGet(n);
        }
        if (!sw.isOutstanding(c.recvOv))
        {
            postRecv(c);
        }
        return true;
    }

    private void close(final Conn c)
    {
        if (!c.closed)
        {
            c.closed = true;
            node.sw().closeSocket(c.socket);
        }
    }

    /** A short park so an idle service does not spin a core. */
    private static final class LockSupportPark
    {
        static void park()
        {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }
}
