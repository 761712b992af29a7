package io.sanref.hal.rdma.verbs;

import java.nio.ByteBuffer;

/** {@code ibv_pd}: the scope of keys; a QP reaches only regions of its own PD. */
public interface Pd
{
    /**
     * {@code ibv_reg_mr} of a whole direct buffer; work requests address it from {@link Mr#iova()}.
     *
     * @return the region, or null (bad access flags, not direct, table full).
     */
    Mr registerMr(ByteBuffer buffer, int access);

    /** {@code ibv_dereg_mr}: waits, boundedly, for an access in progress. @return 0, or an errno. */
    int deregisterMr(Mr mr, long timeoutNs);

    /** {@code ibv_dealloc_pd}. @return 0, or {@link Ibv#EBUSY} while regions remain. */
    int deallocate();
}
