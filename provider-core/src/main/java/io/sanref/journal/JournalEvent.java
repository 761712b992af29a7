package io.sanref.journal;

/**
 * What a journal record says happened. Values are stable: they are written to disk.
 */
public final class JournalEvent
{
    public static final int STARTUP = 1;
    public static final int CLEANUP = 2;
    /** A socket was created; its {@code createSocketHandle} upcall returned the record's switch handle. */
    public static final int SOCKET_CREATED = 3;
    /** A connect completed: the record carries the connection id both ends share. */
    public static final int CONNECTED = 4;
    /** An incoming connection was accepted: the record carries the connection id. */
    public static final int ACCEPTED = 5;
    public static final int OP_POSTED = 6;
    /** The memory an operation needed was released (R5: before its completion). */
    public static final int OP_RELEASED = 7;
    /** An operation completed; flags say upcall or polled, error and bytes say how. */
    public static final int OP_COMPLETED = 8;
    public static final int PEER_RESET = 9;
    public static final int TRANSPORT_ERROR = 10;
    /** The switch called {@code closeSocket} and it was accepted (flag CLEANUP when the final cleanup did). */
    public static final int CLOSE_CALLED = 11;
    public static final int CLOSE_HANDLE_UPCALL = 12;
    public static final int SOCKET_FREED = 13;
    /** An SPI call was rejected; the record's error is the code returned. */
    public static final int CALL_REJECTED = 14;
    public static final int LISTENING = 15;

    /** Flag on OP_COMPLETED: the switch was told through the completion upcall. */
    public static final int FLAG_UPCALL = 1;
    /** Flag on OP_COMPLETED: the switch polls (low bit of the event handle set). */
    public static final int FLAG_POLLED = 2;
    /** Flag on CLOSE_CALLED / SOCKET_FREED: done by the final cleanup. */
    public static final int FLAG_CLEANUP = 4;
    /** Flag on OP_COMPLETED: the HAL refused the request at once and the call returned the error itself. */
    public static final int FLAG_SYNC = 8;

    private JournalEvent()
    {
    }

    public static String name(final int event)
    {
        switch (event)
        {
            case STARTUP: return "STARTUP";
            case CLEANUP: return "CLEANUP";
            case SOCKET_CREATED: return "SOCKET_CREATED";
            case CONNECTED: return "CONNECTED";
            case ACCEPTED: return "ACCEPTED";
            case OP_POSTED: return "OP_POSTED";
            case OP_RELEASED: return "OP_RELEASED";
            case OP_COMPLETED: return "OP_COMPLETED";
            case PEER_RESET: return "PEER_RESET";
            case TRANSPORT_ERROR: return "TRANSPORT_ERROR";
            case CLOSE_CALLED: return "CLOSE_CALLED";
            case CLOSE_HANDLE_UPCALL: return "CLOSE_HANDLE_UPCALL";
            case SOCKET_FREED: return "SOCKET_FREED";
            case CALL_REJECTED: return "CALL_REJECTED";
            case LISTENING: return "LISTENING";
            default: return "UNKNOWN(" + event + ")";
        }
    }
}
