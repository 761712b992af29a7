package io.sanref.hal.wsd;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP listening socket. The node's progress thread accepts TCP connections and runs the server side of the
 * handshake; a connection whose HELLO is good waits in this listener's backlog (its initiator has been told
 * QUEUED) until {@link #accept} hands it out and sends ACCEPT. A full backlog answers REJECT, so the initiator's
 * connect is refused at once (R10).
 * <p>
 * The listening channel is registered with the node's selector for OP_ACCEPT; a close from another thread frees
 * the port on the progress thread's next pass, and a connect that raced it is reset then, so it is refused.
 * <p>
 * Threading: any thread; {@link #acceptConnections} and {@link #onHandshaken} on the progress thread.
 */
public final class WsdListener implements HalListener
{
    private static final Logger LOG = LoggerFactory.getLogger(WsdListener.class);
    private static final int ACCEPTS_PER_PASS = 16;

    private final WsdFabric fabric;
    private final ConcurrentLinkedQueue<WsdEndpoint> backlog = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile ServerSocketChannel channel;
    private volatile SanAddress address;
    private volatile boolean closed;
    private int maxBacklog;

    WsdListener(final WsdFabric fabric)
    {
        this.fabric = fabric;
    }

    public int listen(final SanAddress address, final int backlog)
    {
        if (null == address || backlog < 1 || address.port() < 0 || address.port() > 0xFFFF)
        {
            return HalStatus.INVALID;
        }
        synchronized (this)
        {
            if (closed || null != this.address)
            {
                return HalStatus.INVALID;
            }
            final String host = null == address.host() || address.host().isBlank() ?
                fabric.options.bindHost : address.host();
            ServerSocketChannel ch = null;
            try
            {
                ch = ServerSocketChannel.open();
                ch.configureBlocking(false);
                ch.bind(new InetSocketAddress(host, address.port()), Math.max(128, backlog));
                final InetSocketAddress bound = (InetSocketAddress)ch.getLocalAddress();
                channel = ch;
                maxBacklog = backlog;
                fabric.openChannels.incrementAndGet();
                this.address = new SanAddress(host, bound.getPort());
            }
            catch (final BindException ex)
            {
                closeQuietly(ch);
                return HalStatus.ADDRESS_IN_USE;
            }
            catch (final IOException | RuntimeException ex)
            {
                LOG.warn("wsd: cannot listen on {}:{}: {}", host, address.port(), ex.toString());
                closeQuietly(ch);
                return HalStatus.INVALID;
            }
        }
        try
        {
            channel.register(fabric.selector(), java.nio.channels.SelectionKey.OP_ACCEPT, this);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("wsd: cannot register the listener on {} with the selector: {}", this.address, ex.toString());
            close();
            return HalStatus.INVALID;
        }
        return HalStatus.SUCCESS;
    }

    public SanAddress localAddress()
    {
        return address;
    }

    public HalEndpoint accept(final long context)
    {
        if (closed)
        {
            return null;
        }
        WsdEndpoint entry;
        while (null != (entry = backlog.poll()))
        {
            queued.decrementAndGet();
            if (entry.activateAccepted(context))
            {
                return entry;
            }
        }
        return null;
    }

    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            if (null != channel)
            {
                closeQuietly(channel);
                fabric.openChannels.decrementAndGet();
            }
        }
        WsdEndpoint entry;
        while (null != (entry = backlog.poll()))
        {
            queued.decrementAndGet();
            entry.kill(null);
        }
        fabric.forget(this);
    }

    /** Progress thread (selector says acceptable): take waiting TCP connections and start their handshakes. */
    int acceptConnections()
    {
        final ServerSocketChannel ch = channel;
        if (closed || null == ch)
        {
            return 0;
        }
        int work = 0;
        for (int i = 0; i < ACCEPTS_PER_PASS; i++)
        {
            final SocketChannel sc;
            try
            {
                sc = ch.accept();
            }
            catch (final IOException ex)
            {
                if (!closed)
                {
                    LOG.warn("wsd: accept on {} failed: {}", address, ex.toString());
                }
                return work;
            }
            if (null == sc)
            {
                return work;
            }
            work++;
            fabric.openChannels.incrementAndGet();
            final WsdEndpoint endpoint = fabric.newEndpoint(0, this);
            if (null == endpoint)
            {
                LOG.warn("wsd: {} refused a connection: the node has no room for another endpoint", address);
                try
                {
                    sc.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
                catch (final IOException ignore)
                {
                    // closing anyway
                }
                closeQuietly(sc);
                fabric.openChannels.decrementAndGet();
                continue;
            }
            endpoint.startHandshake(sc);
        }
        return work;
    }

    /** Progress thread: a HELLO was good; queue the connection or refuse it (R10). */
    void onHandshaken(final WsdEndpoint endpoint)
    {
        if (closed)
        {
            endpoint.kill(null);
            return;
        }
        if (queued.get() >= maxBacklog)
        {
            dropDeadEntries();
        }
        if (queued.incrementAndGet() > maxBacklog)
        {
            queued.decrementAndGet();
            endpoint.reject(Wire.REJECT_BACKLOG_FULL);
            return;
        }
        if (!endpoint.queue())
        {
            queued.decrementAndGet();
            return;
        }
        backlog.offer(endpoint);
        if (closed && backlog.remove(endpoint))
        {
            queued.decrementAndGet();
            endpoint.kill(null);
        }
    }

    /**
     * Progress thread, backlog full: drop entries whose initiator went away (aborted or timed out its connect), so
     * they do not hold places a live initiator could have. An entry is checked only after taking it out of the
     * queue (one of this and {@link #accept} gets it); a live one goes back at the end (so an accept racing this
     * may find the backlog empty for a moment and be retried by its caller).
     */
    private void dropDeadEntries()
    {
        // Rotate through the entries once (an iterator would meet the re-offered ones again and never end).
        for (int i = queued.get(); i > 0; i--)
        {
            final WsdEndpoint entry = backlog.poll();
            if (null == entry)
            {
                break;
            }
            if (entry.initiatorStillThere())
            {
                backlog.offer(entry);
            }
            else
            {
                queued.decrementAndGet();
                entry.kill(null);
            }
        }
        if (closed)
        {
            WsdEndpoint entry;
            while (null != (entry = backlog.poll()))
            {
                queued.decrementAndGet();
                entry.kill(null);
            }
        }
    }

    public String toString()
    {
        return "WsdListener{" + address + '}';
    }

    private static void closeQuietly(final java.nio.channels.Channel ch)
    {
        if (null != ch)
        {
            try
            {
                ch.close();
            }
            catch (final IOException ignore)
            {
                // nothing more to do
            }
        }
    }
}
