package io.sanref.hal.wsd;

import io.sanref.hal.support.WorkQueue;

/**
 * The shared work-request slots ({@link WorkQueue}: claim, publish, take back and flush race by CAS, exactly one
 * wins) plus what wsd tracks per request while frames carry it: bytes moved, and whether the target acknowledged
 * an RDMA request.
 */
final class WsdWorkQueue extends WorkQueue<WsdMemoryRegion>
{
    /** Progress thread only: payload bytes of the request moved so far (sent, or read back). */
    final int[] progress;
    /** Progress thread only: the target acknowledged the RDMA request. */
    final boolean[] acked;

    WsdWorkQueue(final int depth)
    {
        super(depth);
        progress = new int[depth];
        acked = new boolean[depth];
    }

    @Override
    protected void clear(final int slot)
    {
        progress[slot] = 0;
        acked[slot] = false;
        super.clear(slot);
    }
}
