package io.sanref.spi;

/**
 * Winsock status and error codes used by the SAN provider SPI, with their real values.
 * <p>
 * Every SPI entry point returns one of these as an {@code int}; entry points that hand back a descriptor or
 * a handle return it as a positive {@code long}, or the negated error code on failure.
 */
public final class Winsock
{
    public static final int NO_ERROR = 0;

    /** Written to {@code Overlapped.Internal} when an operation is posted (R4). */
    public static final int WSS_OPERATION_IN_PROGRESS = 0x103;

    public static final int WSA_OPERATION_ABORTED = 995;
    public static final int WSA_IO_INCOMPLETE = 996;
    public static final int WSA_IO_PENDING = 997;

    public static final int WSAEFAULT = 10014;
    public static final int WSAEINVAL = 10022;
    public static final int WSAEWOULDBLOCK = 10035;
    public static final int WSAEALREADY = 10037;
    public static final int WSAENOTSOCK = 10038;
    public static final int WSAEOPNOTSUPP = 10045;
    public static final int WSAEADDRINUSE = 10048;
    public static final int WSAENETDOWN = 10050;
    public static final int WSAECONNABORTED = 10053;
    public static final int WSAECONNRESET = 10054;
    public static final int WSAENOBUFS = 10055;
    public static final int WSAEISCONN = 10056;
    public static final int WSAENOTCONN = 10057;
    public static final int WSAETIMEDOUT = 10060;
    public static final int WSAECONNREFUSED = 10061;
    public static final int WSANOTINITIALISED = 10093;

    private Winsock()
    {
    }

    /**
     * The symbolic name of a code, for logs and summaries.
     *
     * @param code a Winsock code.
     * @return its name, or {@code "UNKNOWN(code)"}.
     */
    public static String name(final int code)
    {
        switch (code)
        {
            case NO_ERROR: return "NO_ERROR";
            case WSS_OPERATION_IN_PROGRESS: return "WSS_OPERATION_IN_PROGRESS";
            case WSA_OPERATION_ABORTED: return "WSA_OPERATION_ABORTED";
            case WSA_IO_INCOMPLETE: return "WSA_IO_INCOMPLETE";
            case WSA_IO_PENDING: return "WSA_IO_PENDING";
            case WSAEFAULT: return "WSAEFAULT";
            case WSAEINVAL: return "WSAEINVAL";
            case WSAEWOULDBLOCK: return "WSAEWOULDBLOCK";
            case WSAEALREADY: return "WSAEALREADY";
            case WSAENOTSOCK: return "WSAENOTSOCK";
            case WSAEOPNOTSUPP: return "WSAEOPNOTSUPP";
            case WSAEADDRINUSE: return "WSAEADDRINUSE";
            case WSAENETDOWN: return "WSAENETDOWN";
            case WSAECONNABORTED: return "WSAECONNABORTED";
            case WSAECONNRESET: return "WSAECONNRESET";
            case WSAENOBUFS: return "WSAENOBUFS";
            case WSAEISCONN: return "WSAEISCONN";
            case WSAENOTCONN: return "WSAENOTCONN";
            case WSAETIMEDOUT: return "WSAETIMEDOUT";
            case WSAECONNREFUSED: return "WSAECONNREFUSED";
            case WSANOTINITIALISED: return "WSANOTINITIALISED";
            default: return "UNKNOWN(" + code + ")";
        }
    }

    /**
     * Decode an entry point's {@code long} result.
     *
     * @param result a descriptor or handle (positive) or a negated error code.
     * @return the error code, or {@link #NO_ERROR} for a valid descriptor or handle.
     */
    public static int errorOf(final long result)
    {
        return result > 0 ? NO_ERROR : (int)-result;
    }
}
