package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.Ibv;
import io.sanref.hal.rdma.verbs.Mr;
import io.sanref.hal.rdma.verbs.Pd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.MR_LKEY;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.MR_RKEY;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.MR_SIZE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * {@code ibv_pd}. Regions are registered with {@code ibv_reg_mr_iova} and an iova of the buffer's offset in a 64 KiB
 * page (the kernel requires iova and address to agree modulo the page size), so work requests address a region
 * from a small base, and a key handed to a peer reveals no virtual address.
 */
final class IbverbsPd implements Pd
{
    private static final System.Logger LOG = System.getLogger(IbverbsPd.class.getName());
    private static final long IOVA_MASK = 0xFFFF;
    private static final int KNOWN_ACCESS = Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE | Ibv.ACCESS_REMOTE_READ;

    final IbverbsDevice device;
    final MemorySegment pd;
    private final AtomicInteger regions = new AtomicInteger();
    private final AtomicBoolean deallocated = new AtomicBoolean();

    IbverbsPd(final IbverbsDevice device, final MemorySegment pd)
    {
        this.device = device;
        this.pd = pd;
    }

    public Mr registerMr(final ByteBuffer buffer, final int access)
    {
        if (null == buffer || !buffer.isDirect() || 0 == buffer.capacity() || 0 != (access & ~KNOWN_ACCESS) ||
            (0 != (access & Ibv.ACCESS_REMOTE_WRITE) && 0 == (access & Ibv.ACCESS_LOCAL_WRITE)) || deallocated.get())
        {
            return null;
        }
        final MemorySegment memory = MemorySegment.ofBuffer(buffer);
        try (Arena call = Arena.ofConfined())
        {
            final MemorySegment errno = Native.errnoSegment(call);
            final long iova = memory.address() & IOVA_MASK;
            final MemorySegment raw = (MemorySegment)Native.REG_MR_IOVA.invokeExact(
                errno, pd, memory, (long)buffer.capacity(), iova, access);
            if (MemorySegment.NULL.equals(raw))
            {
                LOG.log(System.Logger.Level.WARNING, "ibv_reg_mr_iova of {0} bytes on {1} failed: errno {2}",
                    buffer.capacity(), device.name, Native.errno(errno));
                return null;
            }
            final MemorySegment mr = raw.reinterpret(MR_SIZE);
            regions.incrementAndGet();
            device.mrsLive.incrementAndGet();
            return new IbverbsMr(this, mr, buffer, access, mr.get(JAVA_INT, MR_LKEY), mr.get(JAVA_INT, MR_RKEY), iova);
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("ibv_reg_mr_iova", ex);
        }
    }

    /** The HCA finishes an access in progress before {@code ibv_dereg_mr} returns: nothing to wait for here. */
    public int deregisterMr(final Mr m, final long timeoutNs)
    {
        final IbverbsMr mr = (IbverbsMr)m;
        if (mr.pd != this || !mr.invalidate())
        {
            return Ibv.EINVAL;
        }
        try
        {
            final int rc = (int)Native.DEREG_MR.invokeExact(mr.mr);
            if (0 != rc)
            {
                LOG.log(System.Logger.Level.ERROR, "ibv_dereg_mr on {0} returned {1}", device.name, rc);
                return rc;
            }
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("ibv_dereg_mr", ex);
        }
        regions.decrementAndGet();
        device.mrsLive.decrementAndGet();
        return 0;
    }

    public int deallocate()
    {
        if (0 != regions.get())
        {
            return Ibv.EBUSY;
        }
        if (!deallocated.compareAndSet(false, true))
        {
            return 0;
        }
        try
        {
            final int rc = (int)Native.DEALLOC_PD.invokeExact(pd);
            if (0 != rc)
            {
                deallocated.set(false);
                return rc;
            }
        }
        catch (final Throwable ex)
        {
            throw IbverbsDevice.fatal("ibv_dealloc_pd", ex);
        }
        device.pdsLive.decrementAndGet();
        return 0;
    }
}
