package io.sanref.provider;

import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalStatus;

/**
 * The provider's one mapping from HAL statuses to Winsock codes (CLOSE-PROTOCOL.md, error matrix).
 */
final class StatusCodes
{
    private StatusCodes()
    {
    }

    static int toWinsock(final int halStatus)
    {
        switch (halStatus)
        {
            case HalStatus.SUCCESS: return Winsock.NO_ERROR;
            case HalStatus.FLUSHED: return Winsock.WSA_OPERATION_ABORTED;
            case HalStatus.REMOTE_RESET: return Winsock.WSAECONNRESET;
            case HalStatus.REMOTE_ACCESS_ERROR:
            case HalStatus.TRANSPORT_ERROR: return Winsock.WSAECONNABORTED;
            case HalStatus.REFUSED: return Winsock.WSAECONNREFUSED;
            case HalStatus.TIMED_OUT: return Winsock.WSAETIMEDOUT;
            case HalStatus.NO_RESOURCES: return Winsock.WSAENOBUFS;
            case HalStatus.NOT_CONNECTED: return Winsock.WSAENOTCONN;
            case HalStatus.ADDRESS_IN_USE: return Winsock.WSAEADDRINUSE;
            case HalStatus.NOT_SUPPORTED: return Winsock.WSAEOPNOTSUPP;
            case HalStatus.INVALID:
            default: return Winsock.WSAEINVAL;
        }
    }
}
