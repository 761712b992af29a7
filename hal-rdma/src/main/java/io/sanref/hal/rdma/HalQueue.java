package io.sanref.hal.rdma;

import io.sanref.hal.support.WorkQueue;

/**
 * The HAL-level request slots of one queue of one rdma endpoint: the shared {@link WorkQueue} (claim, publish,
 * take back and flush race by CAS, exactly one wins) plus, for RDMA, the verbs completion waiting for its turn
 * in posting order.
 */
final class HalQueue extends WorkQueue<RdmaMemoryRegion>
{
    static final int NOT_DONE = -1;

    /** RDMA only: the verbs completion's HAL status, or {@link #NOT_DONE}. Progress thread only. */
    final int[] doneStatus;
    final int[] doneBytes;

    HalQueue(final int depth)
    {
        super(depth);
        doneStatus = new int[depth];
        doneBytes = new int[depth];
    }
}
