package io.sanref.hal.rdma.verbs;

/** Receives work completions polled from a {@link SoftCq} (the fields of {@code struct ibv_wc} the model keeps). */
@FunctionalInterface
public interface WcHandler
{
    void onWc(long wrId, int status, int opcode, int byteLen, int qpNum);
}
