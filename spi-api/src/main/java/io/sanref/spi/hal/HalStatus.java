package io.sanref.spi.hal;

/**
 * Status of a HAL call or of a work-request completion. The provider maps these to Winsock codes.
 */
public final class HalStatus
{
    public static final int SUCCESS = 0;
    /** Completed because the local endpoint was aborted (moved to error). */
    public static final int FLUSHED = 1;
    /** The peer aborted the connection. */
    public static final int REMOTE_RESET = 2;
    /** The peer refused a remote access: bad key, out of bounds, or missing access right (R9). */
    public static final int REMOTE_ACCESS_ERROR = 3;
    /** The transport under the connection failed. */
    public static final int TRANSPORT_ERROR = 4;
    /** Nobody listens at the address, or the listener's backlog is full (R10). */
    public static final int REFUSED = 5;
    /** A bounded wait ran out (connect, handshake). */
    public static final int TIMED_OUT = 6;
    /** A queue, table or registration limit is exhausted. */
    public static final int NO_RESOURCES = 7;
    /** The endpoint is not connected (yet). */
    public static final int NOT_CONNECTED = 8;
    /** The call does not fit the object's state or its arguments are out of range. */
    public static final int INVALID = 9;
    /** The address is already in use. */
    public static final int ADDRESS_IN_USE = 10;
    /** The HAL cannot do this (a declared capability is missing). */
    public static final int NOT_SUPPORTED = 11;

    private HalStatus()
    {
    }

    public static String name(final int status)
    {
        switch (status)
        {
            case SUCCESS: return "SUCCESS";
            case FLUSHED: return "FLUSHED";
            case REMOTE_RESET: return "REMOTE_RESET";
            case REMOTE_ACCESS_ERROR: return "REMOTE_ACCESS_ERROR";
            case TRANSPORT_ERROR: return "TRANSPORT_ERROR";
            case REFUSED: return "REFUSED";
            case TIMED_OUT: return "TIMED_OUT";
            case NO_RESOURCES: return "NO_RESOURCES";
            case NOT_CONNECTED: return "NOT_CONNECTED";
            case INVALID: return "INVALID";
            case ADDRESS_IN_USE: return "ADDRESS_IN_USE";
            case NOT_SUPPORTED: return "NOT_SUPPORTED";
            default: return "UNKNOWN(" + status + ")";
        }
    }
}
