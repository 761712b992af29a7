package io.sanref.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The overlapped structure that accompanies every data-transfer request (R3, R4).
 * <p>
 * Field meanings follow {@code WSAOVERLAPPED}: at post the provider sets {@code Internal} to
 * {@link Winsock#WSS_OPERATION_IN_PROGRESS}; at completion it writes {@code OffsetHigh} (error code),
 * {@code Offset} (flags) and {@code InternalHigh} (bytes) and then {@code Internal} last with release
 * semantics, so a poller that sees {@code Internal} change (acquire) sees the rest.
 * <p>
 * If the low bit of {@link #eventHandle()} is set, the provider must not make the completion upcall; the
 * switch polls with {@code getOverlappedResult} instead.
 * <p>
 * Threading: owned by the switch while idle; owned by the provider from a successful post until the
 * completion is written. {@link #tag()} belongs to the switch and is never touched by a provider.
 */
public final class Overlapped
{
    /** Low bit of the event handle: complete silently, the switch will poll. */
    public static final long NO_UPCALL_BIT = 1L;

    private static final VarHandle INTERNAL;

    static
    {
        try
        {
            INTERNAL = MethodHandles.lookup().findVarHandle(Overlapped.class, "internal", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private int internal;
    private int internalHigh;
    private int offset;
    private int offsetHigh;
    private long eventHandle;
    private long tag;

    public Overlapped()
    {
    }

    public Overlapped(final long eventHandle, final long tag)
    {
        this.eventHandle = eventHandle;
        this.tag = tag;
    }

    /** @return {@code Internal}, read with acquire semantics. */
    public int internal()
    {
        return (int)INTERNAL.getAcquire(this);
    }

    /** @return {@code InternalHigh}: bytes transferred; meaningful once {@link #isPending()} is false. */
    public int internalHigh()
    {
        return internalHigh;
    }

    /** @return {@code Offset}: completion flags. */
    public int offset()
    {
        return offset;
    }

    /** @return {@code OffsetHigh}: the completion's Winsock error code. */
    public int offsetHigh()
    {
        return offsetHigh;
    }

    public long eventHandle()
    {
        return eventHandle;
    }

    public Overlapped eventHandle(final long eventHandle)
    {
        this.eventHandle = eventHandle;
        return this;
    }

    /** @return true if the switch asked not to be told of completion (low bit of the event handle, R3). */
    public boolean suppressesUpcall()
    {
        return NO_UPCALL_BIT == (eventHandle & NO_UPCALL_BIT);
    }

    /** @return the switch's own tag; a provider never reads or writes it. */
    public long tag()
    {
        return tag;
    }

    public Overlapped tag(final long tag)
    {
        this.tag = tag;
        return this;
    }

    /** @return true while the posted operation has not completed. */
    public boolean isPending()
    {
        return Winsock.WSS_OPERATION_IN_PROGRESS == internal();
    }

    /**
     * Provider side: mark the operation in progress. Called before the operation becomes visible to any
     * completion path.
     */
    public void begin()
    {
        internalHigh = 0;
        offset = 0;
        offsetHigh = 0;
        INTERNAL.setRelease(this, Winsock.WSS_OPERATION_IN_PROGRESS);
    }

    /**
     * Provider side: write the completion, {@code Internal} last (R4).
     *
     * @param error the Winsock code ({@link Winsock#NO_ERROR} on success).
     * @param flags completion flags.
     * @param bytes bytes transferred (0 for an aborted operation).
     */
    public void complete(final int error, final int flags, final int bytes)
    {
        offsetHigh = error;
        offset = flags;
        internalHigh = bytes;
        INTERNAL.setRelease(this, error);
    }

    /** Switch side: forget a previous completion before reuse. Not for use while posted. */
    public void reset()
    {
        internalHigh = 0;
        offset = 0;
        offsetHigh = 0;
        INTERNAL.setRelease(this, 0);
    }

    public String toString()
    {
        return "Overlapped{internal=0x" + Integer.toHexString(internal()) + ", internalHigh=" + internalHigh +
            ", offset=" + offset + ", offsetHigh=" + offsetHigh + ", eventHandle=" + eventHandle + ", tag=" + tag + '}';
    }
}
