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

    /** @return false once deregistered. */
    boolean isValid();
}
