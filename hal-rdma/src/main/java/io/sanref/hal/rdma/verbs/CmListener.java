package io.sanref.hal.rdma.verbs;

import io.sanref.spi.SanAddress;

/** A listening {@code rdma_cm_id}: connect requests wait in a bounded backlog. */
public interface CmListener
{
    /** @return the bound address (the port chosen when 0 was asked for). */
    SanAddress address();

    /** @return the oldest waiting connect request, or null. */
    CmRequest getRequest();

    /** Stop listening; waiting requests are rejected. Idempotent. */
    void close();
}
