package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.verbs.Cq;
import io.sanref.hal.rdma.verbs.WcHandler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

import static io.sanref.hal.rdma.ibverbs.IbvLayout.WC_BYTE_LEN;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.WC_OPCODE;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.WC_QP_NUM;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.WC_SIZE;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.WC_STATUS;
import static io.sanref.hal.rdma.ibverbs.IbvLayout.WC_WR_ID;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@code ibv_cq}, polled through the context's ops table into a preallocated array of {@code ibv_wc}: no allocation
 * per poll. An overflow is known from the async {@code IBV_EVENT_CQ_ERR}, which the device counts here.
 */
final class IbverbsCq implements Cq
{
    private static final int BATCH = 256;

    final MemorySegment cq;
    final AtomicLong overflows = new AtomicLong();
    private final IbverbsDevice device;
    private final int capacity;
    private final MemorySegment wcs;

    IbverbsCq(final IbverbsDevice device, final MemorySegment cq, final int capacity)
    {
        this.device = device;
        this.cq = cq;
        this.capacity = capacity;
        wcs = Arena.ofAuto().allocate(WC_SIZE * BATCH, 8);
    }

    public int capacity()
    {
        return capacity;
    }

    public long overflowCount()
    {
        return overflows.get();
    }

    public int poll(final WcHandler handler, final int max)
    {
        device.applyQpChanges();
        int delivered = 0;
        while (delivered < max)
        {
            final int n;
            try
            {
                n = device.ops.pollCq(cq, Math.min(BATCH, max - delivered), wcs);
            }
            catch (final Throwable ex)
            {
                throw IbverbsDevice.fatal("poll_cq", ex);
            }
            if (n < 0)
            {
                throw new IllegalStateException("poll_cq on " + device.name + " returned " + n);
            }
            for (int i = 0; i < n; i++)
            {
                final long at = i * WC_SIZE;
                final int status = wcs.get(JAVA_INT, at + WC_STATUS);
                final int qpNum = wcs.get(JAVA_INT, at + WC_QP_NUM);
                device.reaped(qpNum, status);
                handler.onWc(wcs.get(JAVA_LONG, at + WC_WR_ID), status, wcs.get(JAVA_INT, at + WC_OPCODE),
                    wcs.get(JAVA_INT, at + WC_BYTE_LEN), qpNum);
            }
            delivered += n;
            if (n < BATCH)
            {
                break;
            }
        }
        return delivered;
    }
}
