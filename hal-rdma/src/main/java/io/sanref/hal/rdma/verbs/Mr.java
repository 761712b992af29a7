package io.sanref.hal.rdma.verbs;

import java.nio.ByteBuffer;

/** {@code ibv_mr}: a registered buffer with its keys. */
public interface Mr
{
    ByteBuffer buffer();

    int length();

    int access();

    int lkey();

    int rkey();

    /**
     * @return the verbs address of the buffer's first byte: work requests address byte {@code i} as
     * {@code iova() + i}. 0 on the soft engine; on ibverbs the buffer's offset within a 64 KiB page, because the
     * kernel wants an iova equal to the address modulo the page size.
     */
    long iova();

    /** @return false once deregistered. */
    boolean isValid();
}
