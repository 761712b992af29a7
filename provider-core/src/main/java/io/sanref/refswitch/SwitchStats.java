package io.sanref.refswitch;

import io.sanref.spi.Winsock;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the reference switch was told, as counters. Violations are anything a correct provider never does.
 * <p>
 * Threading: updated from any thread without allocation; read by anyone.
 */
public final class SwitchStats
{
    private static final int[] KNOWN_CODES = {
        Winsock.NO_ERROR, Winsock.WSA_OPERATION_ABORTED, Winsock.WSA_IO_INCOMPLETE, Winsock.WSAEFAULT,
        Winsock.WSAEINVAL, Winsock.WSAEWOULDBLOCK, Winsock.WSAEALREADY, Winsock.WSAENOTSOCK, Winsock.WSAEOPNOTSUPP,
        Winsock.WSAEADDRINUSE, Winsock.WSAENETDOWN, Winsock.WSAECONNABORTED, Winsock.WSAECONNRESET,
        Winsock.WSAENOBUFS, Winsock.WSAEISCONN, Winsock.WSAENOTCONN, Winsock.WSAETIMEDOUT, Winsock.WSAECONNREFUSED,
        Winsock.WSANOTINITIALISED,
    };
    private static final int OTHER = KNOWN_CODES.length;

    final AtomicLong posted = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong completedByUpcall = new AtomicLong();
    final AtomicLong completedByPoll = new AtomicLong();
    final AtomicLong syncErrors = new AtomicLong();
    final AtomicLong duplicateCompletions = new AtomicLong();
    final AtomicLong upcallsForDeadHandles = new AtomicLong();
    final AtomicLong upcallsForPolledOps = new AtomicLong();
    final AtomicLong overlappedMismatches = new AtomicLong();
    final AtomicLong abortedWithBytes = new AtomicLong();
    final AtomicLong wrongHandle = new AtomicLong();
    final AtomicLong createHandleUpcalls = new AtomicLong();
    final AtomicLong closeHandleUpcalls = new AtomicLong();
    final AtomicLong duplicateCloseHandles = new AtomicLong();
    final AtomicLong closeHandleBeforeClose = new AtomicLong();
    final AtomicLong slowedUpcalls = new AtomicLong();
    final AtomicLongArray byCode = new AtomicLongArray(KNOWN_CODES.length + 1);
    final AtomicLongArray syncByCode = new AtomicLongArray(KNOWN_CODES.length + 1);

    static int slot(final int code)
    {
        for (int i = 0; i < KNOWN_CODES.length; i++)
        {
            if (KNOWN_CODES[i] == code)
            {
                return i;
            }
        }
        return OTHER;
    }

    /** @return operations the provider took (returned {@code WSA_IO_PENDING}). */
    public long posted()
    {
        return posted.get();
    }

    /** @return completions reported, by upcall or seen by polling, each counted once. */
    public long completed()
    {
        return completed.get();
    }

    public long completedByUpcall()
    {
        return completedByUpcall.get();
    }

    public long completedByPoll()
    {
        return completedByPoll.get();
    }

    /** @return calls that failed synchronously. */
    public long syncErrors()
    {
        return syncErrors.get();
    }

    /** @return completions for an operation that had already completed (A1). */
    public long duplicateCompletions()
    {
        return duplicateCompletions.get();
    }

    /** @return upcalls naming a handle that was never issued or was already closed (A4, R7). */
    public long upcallsForDeadHandles()
    {
        return upcallsForDeadHandles.get();
    }

    /** @return completion upcalls for operations whose event handle had the low bit set (R3). */
    public long upcallsForPolledOps()
    {
        return upcallsForPolledOps.get();
    }

    /** @return completions whose overlapped fields disagreed with the upcall's arguments (R4). */
    public long overlappedMismatches()
    {
        return overlappedMismatches.get();
    }

    /** @return operations aborted with 995 that reported bytes (R4). */
    public long abortedWithBytes()
    {
        return abortedWithBytes.get();
    }

    /** @return completions reported for a handle other than the operation's socket. */
    public long wrongHandle()
    {
        return wrongHandle.get();
    }

    public long createHandleUpcalls()
    {
        return createHandleUpcalls.get();
    }

    public long closeHandleUpcalls()
    {
        return closeHandleUpcalls.get();
    }

    /** @return second {@code closeSocketHandle} upcalls for one handle (R7). */
    public long duplicateCloseHandles()
    {
        return duplicateCloseHandles.get();
    }

    /** @return {@code closeSocketHandle} upcalls before the switch called {@code closeSocket} or cleanup (R8). */
    public long closeHandleBeforeClose()
    {
        return closeHandleBeforeClose.get();
    }

    /** @return completion upcalls the switch deliberately slowed (a fault of its own). */
    public long slowedUpcalls()
    {
        return slowedUpcalls.get();
    }

    /** @return the sum of every violation counter: 0 for a correct provider. */
    public long violations()
    {
        return duplicateCompletions.get() + upcallsForDeadHandles.get() + upcallsForPolledOps.get() +
            overlappedMismatches.get() + abortedWithBytes.get() + wrongHandle.get() + duplicateCloseHandles.get() +
            closeHandleBeforeClose.get();
    }

    /** @return asynchronous completions by Winsock code. */
    public Map<Integer, Long> completionsByCode()
    {
        return toMap(byCode);
    }

    /** @return synchronous errors by Winsock code. */
    public Map<Integer, Long> syncErrorsByCode()
    {
        return toMap(syncByCode);
    }

    public long completionsWith(final int code)
    {
        final int i = slot(code);
        return OTHER == i ? -1 : byCode.get(i);
    }

    public long syncErrorsWith(final int code)
    {
        final int i = slot(code);
        return OTHER == i ? -1 : syncByCode.get(i);
    }

    private static Map<Integer, Long> toMap(final AtomicLongArray counts)
    {
        final Map<Integer, Long> map = new TreeMap<>();
        for (int i = 0; i < KNOWN_CODES.length; i++)
        {
            final long n = counts.get(i);
            if (n > 0)
            {
                map.put(KNOWN_CODES[i], n);
            }
        }
        if (counts.get(OTHER) > 0)
        {
            map.put(-1, counts.get(OTHER));
        }
        return map;
    }

    public String toString()
    {
        return "SwitchStats{posted=" + posted + ", completed=" + completed + ", syncErrors=" + syncErrors +
            ", duplicates=" + duplicateCompletions + ", deadHandleUpcalls=" + upcallsForDeadHandles +
            ", closeHandles=" + closeHandleUpcalls + ", violations=" + violations() + ", byCode=" +
            completionsByCode() + '}';
    }
}
