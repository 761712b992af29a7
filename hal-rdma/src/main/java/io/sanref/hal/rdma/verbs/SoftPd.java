package io.sanref.hal.rdma.verbs;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A protection domain ({@code ibv_pd}): the scope of memory keys. A QP reaches only regions of its own PD, so a key
 * from another PD (another connection, in the HAL) is a wrong key.
 * <p>
 * Key layout (31 bits, always positive): random (7) | generation (12) | slot (12). Registration claims a free
 * slot by CAS; lookup is one array read and one comparison.
 * <p>
 * Threading: any thread.
 */
public final class SoftPd implements Pd
{
    static final int SLOT_BITS = 12;
    static final int MAX_REGIONS = 1 << SLOT_BITS;
    private static final int SLOT_MASK = MAX_REGIONS - 1;
    private static final int GENERATION_MASK = 0xFFF;
    private static final SoftMr RESERVED = new SoftMr(null, -1, ByteBuffer.allocate(0), 0, 0, 0);

    final SoftDevice device;
    private final AtomicReferenceArray<SoftMr> regions;
    private final int[] generations;
    private final AtomicInteger live = new AtomicInteger();
    volatile boolean deallocated;

    SoftPd(final SoftDevice device, final int maxRegions)
    {
        this.device = device;
        final int size = Math.min(Math.max(1, maxRegions), MAX_REGIONS);
        regions = new AtomicReferenceArray<>(size);
        generations = new int[size];
    }

    /**
     * {@code ibv_reg_mr}.
     *
     * @return the region, or null when the table is full, the PD is gone, or the flags are invalid (remote write
     * without local write is invalid in verbs too).
     */
    public SoftMr registerMr(final ByteBuffer buffer, final int access)
    {
        if (null == buffer || deallocated || 0 != (access & ~(Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE |
            Ibv.ACCESS_REMOTE_READ)))
        {
            return null;
        }
        if (0 != (access & Ibv.ACCESS_REMOTE_WRITE) && 0 == (access & Ibv.ACCESS_LOCAL_WRITE))
        {
            return null;
        }
        if (buffer.isReadOnly() && 0 != (access & (Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE)))
        {
            return null;
        }

        for (int slot = 0, n = regions.length(); slot < n; slot++)
        {
            if (null == regions.get(slot) && regions.compareAndSet(slot, null, RESERVED))
            {
                final int generation;
                synchronized (generations)
                {
                    generation = ++generations[slot] & GENERATION_MASK;
                }
                final SoftMr mr = new SoftMr(this, slot, buffer, access, key(slot, generation), key(slot, generation));
                regions.set(slot, mr);
                live.incrementAndGet();
                device.mrsLive.incrementAndGet();
                return mr;
            }
        }
        return null;
    }

    /**
     * {@code ibv_dereg_mr}: no access can start after this, and it waits, boundedly, for those in progress.
     *
     * @return 0, {@link Ibv#EINVAL} if not registered here, or {@link Ibv#EBUSY} if an access outlived the bound
     * (the region is invalid all the same).
     */
    public int deregisterMr(final Mr m, final long timeoutNs)
    {
        final SoftMr mr = (SoftMr)m;
        if (null == mr || this != mr.pd || mr.slot < 0 || mr != regions.get(mr.slot))
        {
            return Ibv.EINVAL;
        }
        final boolean quiet = mr.invalidate(timeoutNs);
        if (regions.compareAndSet(mr.slot, mr, null))
        {
            live.decrementAndGet();
            device.mrsLive.decrementAndGet();
        }
        return quiet ? 0 : Ibv.EBUSY;
    }

    /** @return the valid region whose lkey (local) or rkey (remote) is exactly {@code key}, or null. */
    SoftMr lookup(final int key, final boolean remote)
    {
        final int slot = key & SLOT_MASK;
        if (key <= 0 || slot >= regions.length())
        {
            return null;
        }
        final SoftMr mr = regions.get(slot);
        if (null == mr || RESERVED == mr)
        {
            return null;
        }
        return (remote ? mr.rkey() : mr.lkey()) == key ? mr : null;
    }

    /** @return live regions. */
    public int regionCount()
    {
        return live.get();
    }

    /** {@code ibv_dealloc_pd}: {@link Ibv#EBUSY} while regions remain. */
    public int deallocate()
    {
        if (0 != live.get())
        {
            return Ibv.EBUSY;
        }
        if (!deallocated)
        {
            deallocated = true;
            device.pdsLive.decrementAndGet();
        }
        return 0;
    }

    private static int key(final int slot, final int generation)
    {
        final int random = ThreadLocalRandom.current().nextInt(1, 1 << 7);
        return (random << 24) | (generation << SLOT_BITS) | slot;
    }
}
