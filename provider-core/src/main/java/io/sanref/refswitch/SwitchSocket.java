package io.sanref.refswitch;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reference switch's record of one socket: the provider's descriptor and the switch handle it handed out.
 * Records are reused; the handle carries a generation so an upcall with an old handle is recognised.
 * <p>
 * Threading: fields are written by the thread that creates or closes the socket and by upcalls; all are
 * volatile or atomic.
 */
public final class SwitchSocket
{
    final int index;
    volatile long generation = 1;
    volatile long handle;
    volatile long descriptor;
    volatile int error;
    volatile long closeCalledNanos;
    volatile long closeHandleNanos;
    final AtomicInteger closeHandleUpcalls = new AtomicInteger();
    final AtomicInteger completions = new AtomicInteger();

    SwitchSocket(final int index)
    {
        this.index = index;
    }

    /** @return the provider's descriptor, or 0 if creation failed. */
    public long descriptor()
    {
        return descriptor;
    }

    /** @return the switch handle the provider was given, or 0. */
    public long handle()
    {
        return handle;
    }

    /** @return the Winsock error creation failed with, or 0. */
    public int error()
    {
        return error;
    }

    /** @return true once the provider made the final {@code closeSocketHandle} upcall for this socket. */
    public boolean isHandleClosed()
    {
        return closeHandleUpcalls.get() > 0;
    }

    /**
     * @param handle the handle this socket had; records are reused, so ask about a specific one.
     * @return true once the final {@code closeSocketHandle} for that handle arrived (a handle of 0 never
     * opened, or was read after it closed).
     */
    public boolean isHandleClosed(final long handle)
    {
        return 0 == handle || this.handle != handle;
    }

    /** @return {@link System#nanoTime()} when the final upcall arrived, 0 before; valid until the record is reused. */
    public long closeHandleNanos()
    {
        return closeHandleNanos;
    }

    /** @return completion upcalls received for this socket. */
    public int completions()
    {
        return completions.get();
    }

    public String toString()
    {
        return "SwitchSocket{descriptor=" + descriptor + ", handle=" + handle + ", error=" + error + '}';
    }
}
