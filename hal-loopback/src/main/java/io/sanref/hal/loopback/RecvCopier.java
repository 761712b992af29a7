package io.sanref.hal.loopback;

import io.sanref.hal.support.WorkQueue;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;

import java.nio.ByteBuffer;

/**
 * Copies data-ring messages into one posted receive with stream semantics: it fills the receive from as many
 * messages as fit, and when a message is larger than the room left it copies what fits, remembers how far it
 * got in that message ({@link LoopbackEndpoint#inboundMessageOffset}) and leaves the message in the ring
 * ({@link Action#ABORT}) for the next receive.
 * <p>
 * The receive is claimed (CAS {@link WorkQueue#POSTED} → {@link WorkQueue#DELIVERING}) only when the first
 * message is there, so a receive with no data stays posted and the data stays in the ring (R10).
 * <p>
 * Threading: not thread-safe; one per node, owned by its progress thread. Reused for every receive, so the
 * data path does not allocate.
 */
final class RecvCopier implements ControlledMessageHandler
{
    private LoopbackEndpoint endpoint;
    private WorkQueue<LoopbackMemoryRegion> queue;
    private int slot;
    private ByteBuffer target;
    private int targetOffset;
    private int targetLength;
    private boolean claimed;
    private boolean done;
    private int filled;

    void begin(final LoopbackEndpoint endpoint, final WorkQueue<LoopbackMemoryRegion> queue, final int slot)
    {
        this.endpoint = endpoint;
        this.queue = queue;
        this.slot = slot;
        target = null;
        claimed = false;
        done = false;
        filled = 0;
    }

    void end()
    {
        endpoint = null;
        queue = null;
        target = null;
    }

    boolean claimed()
    {
        return claimed;
    }

    boolean done()
    {
        return done;
    }

    int filled()
    {
        return filled;
    }

    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        if (!endpoint.isActive())
        {
            done = true;
            return Action.ABORT;
        }

        if (!claimed)
        {
            if (!queue.casState(slot, WorkQueue.POSTED, WorkQueue.DELIVERING))
            {
                done = true;
                return Action.ABORT;
            }
            claimed = true;
            target = queue.buffers[slot];
            targetOffset = queue.offsets[slot];
            targetLength = queue.lengths[slot];
        }

        final int skip = endpoint.inboundMessageOffset;
        final int available = length - skip;
        final int n = Math.min(available, targetLength - filled);
        if (n > 0)
        {
            buffer.getBytes(index + skip, target, targetOffset + filled, n);
            filled += n;
        }

        if (n < available)
        {
            endpoint.inboundMessageOffset = skip + n;
            done = true;
            return Action.ABORT;
        }

        endpoint.inboundMessageOffset = 0;
        if (filled == targetLength)
        {
            done = true;
            return Action.BREAK;
        }

        return Action.CONTINUE;
    }
}
