package io.sanref.hal.rdma.verbs;

import io.sanref.hal.support.BoundedWait;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registered memory region ({@code ibv_mr}): the whole of a buffer, with an lkey, an rkey and access flags.
 * Keys name a slot of the protection domain's table, a generation and random bits, and are matched exactly.
 * <p>
 * An access in progress (a peer's RDMA, a send's gather) holds a use; {@link #invalidate} sets the invalid bit so
 * no later access can start, then waits, boundedly, for the uses in progress.
 * <p>
 * Threading: any thread. The use count and the invalid bit share one atomic int (sign bit = invalid).
 */
public final class SoftMr extends RegisteredMr
{
    private static final int INVALID_BIT = Integer.MIN_VALUE;

    final SoftPd pd;
    final int slot;
    private final AtomicInteger useState = new AtomicInteger();
    private final BoundedWait.Condition unused = () -> 0 == (useState.get() & Integer.MAX_VALUE);

    SoftMr(final SoftPd pd, final int slot, final ByteBuffer buffer, final int access, final int lkey, final int rkey)
    {
        super(buffer, access, lkey, rkey, 0);
        this.pd = pd;
        this.slot = slot;
    }

    public SoftPd pd()
    {
        return pd;
    }

    public boolean isValid()
    {
        return useState.get() >= 0;
    }

    boolean acquire()
    {
        while (true)
        {
            final int state = useState.get();
            if (state < 0)
            {
                return false;
            }
            if (useState.compareAndSet(state, state + 1))
            {
                return true;
            }
        }
    }

    void release()
    {
        useState.decrementAndGet();
    }

    boolean invalidate(final long timeoutNs)
    {
        while (true)
        {
            final int state = useState.get();
            if (state < 0 || useState.compareAndSet(state, state | INVALID_BIT))
            {
                break;
            }
        }
        return BoundedWait.until(timeoutNs, unused);
    }

    boolean inBounds(final long offset, final int length)
    {
        return offset >= 0 && length >= 0 && offset <= (long)length() - length;
    }
}
