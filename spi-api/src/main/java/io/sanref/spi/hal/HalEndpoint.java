package io.sanref.spi.hal;

import io.sanref.spi.SanAddress;

import java.nio.ByteBuffer;

/**
 * One end of a reliable connection (a queue pair).
 * <p>
 * Every {@code post*} returns a {@link HalStatus}: {@link HalStatus#SUCCESS} means the work request was taken
 * and will complete exactly once on the fabric's completion queue with its id; anything else means it was not
 * taken and no completion will follow.
 * <p>
 * {@link #abort()} moves the endpoint to error: every outstanding work request completes as
 * {@link HalStatus#FLUSHED}, the peer learns of a reset, registered regions become invalid, and once it
 * returns the HAL touches no buffer given to this endpoint again.
 * <p>
 * Threading: {@code post*}, {@link #abort()}, {@link #registerMemory} and {@link #deregisterMemory} may be
 * called from any thread.
 */
public interface HalEndpoint
{
    int IDLE = 0;
    int CONNECTING = 1;
    int ACTIVE = 2;
    /** The peer reset the connection. */
    int RESET = 3;
    /** Aborted locally or failed. */
    int ERROR = 4;

    /** @return the context given at creation or accept. */
    long context();

    /** @return one of {@link #IDLE}, {@link #CONNECTING}, {@link #ACTIVE}, {@link #RESET}, {@link #ERROR}. */
    int state();

    /** @return an id both ends of the connection share, or 0 before connecting. */
    long connectionId();

    /** @return the peer's address, or {@code null} before connecting. */
    SanAddress remoteAddress();

    /**
     * Start connecting. Completes with opcode {@link HalOpcode#CONNECT}: success, {@link HalStatus#REFUSED},
     * {@link HalStatus#TIMED_OUT} or {@link HalStatus#FLUSHED}.
     *
     * @return {@link HalStatus#SUCCESS} if started; {@link HalStatus#REFUSED} if refused at once; another status.
     */
    int connect(SanAddress remote, long wrId);

    int postSend(long wrId, ByteBuffer buffer, int offset, int length);

    int postRecv(long wrId, ByteBuffer buffer, int offset, int length);

    /** One-sided write of {@code local[localOffset, +length)} to the peer's region named by {@code remoteKey}. */
    int postRdmaWrite(long wrId, HalMemoryRegion local, int localOffset, int length, long remoteKey, long remoteOffset);

    /** One-sided read of the peer's region named by {@code remoteKey} into {@code local[localOffset, +length)}. */
    int postRdmaRead(long wrId, HalMemoryRegion local, int localOffset, int length, long remoteKey, long remoteOffset);

    /**
     * @param buffer the whole buffer is registered.
     * @param access {@link io.sanref.spi.MemoryAccess} flags.
     * @return the region, or {@code null} when no registration resources are left.
     */
    HalMemoryRegion registerMemory(ByteBuffer buffer, int access);

    /** Invalidate a region; waits, boundedly, for a remote access in progress to finish. @return a status. */
    int deregisterMemory(HalMemoryRegion region);

    /** Abortive teardown; idempotent. See the class comment. */
    void abort();
}
