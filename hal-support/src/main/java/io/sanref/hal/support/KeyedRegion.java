package io.sanref.hal.support;

import io.sanref.spi.hal.HalMemoryRegion;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registered region of one endpoint (R9). Its keys name a slot in the endpoint's region table plus a
 * generation plus random bits, and are matched exactly, so a guessed or stale key fails.
 * <p>
 * An access in progress holds a use ({@link #acquire}/{@link #release}); {@link #invalidate} sets the invalid
 * bit so no later access can start, then waits, boundedly, until the uses in progress are released.
 * <p>
 * Threading: any thread. The use count and invalid bit share one atomic int (sign bit = invalid).
 */
public class KeyedRegion<E> implements HalMemoryRegion
{
    private static final int INVALID_BIT = Integer.MIN_VALUE;

    private final E owner;
    private final ByteBuffer buffer;
    private final int access;
    private final int slot;
    private final long localKey;
    private final long remoteKey;
    private final AtomicInteger useState = new AtomicInteger();
    private final AtomicBoolean deregistered = new AtomicBoolean();
    private final BoundedWait.Condition unused = () -> 0 == (useState.get() & Integer.MAX_VALUE);

    protected KeyedRegion(
        final E owner,
        final ByteBuffer buffer,
        final int access,
        final int slot,
        final long localKey,
        final long remoteKey)
    {
        this.owner = owner;
        this.buffer = buffer;
        this.access = access;
        this.slot = slot;
        this.localKey = localKey;
        this.remoteKey = remoteKey;
    }

    public ByteBuffer buffer()
    {
        return buffer;
    }

    public int length()
    {
        return buffer.capacity();
    }

    public int access()
    {
        return access;
    }

    public long localKey()
    {
        return localKey;
    }

    public long remoteKey()
    {
        return remoteKey;
    }

    public boolean isValid()
    {
        return useState.get() >= 0;
    }

    public String toString()
    {
        return getClass().getSimpleName() + "{slot=" + slot + ", length=" + buffer.capacity() + ", access=" + access +
            ", rkey=0x" + Long.toHexString(remoteKey) + ", valid=" + isValid() + '}';
    }

    public E owner()
    {
        return owner;
    }

    public int slot()
    {
        return slot;
    }

    /** @return true if the region is valid and now has one more use in progress. */
    public boolean acquire()
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

    public void release()
    {
        useState.decrementAndGet();
    }

    /** @return true for the one caller that deregisters it. */
    public boolean markDeregistered()
    {
        return deregistered.compareAndSet(false, true);
    }

    /**
     * Make the region invalid (idempotent) and wait for accesses in progress.
     *
     * @return true if no access is in progress any more; false if the bound ran out.
     */
    public boolean invalidate(final long timeoutNs)
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
}
