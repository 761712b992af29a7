package io.sanref.spi.hal;

/**
 * What a completion is for. Work-request opcodes carry the poster's work-request id; event opcodes carry the
 * endpoint's context instead.
 */
public final class HalOpcode
{
    public static final int SEND = 1;
    public static final int RECV = 2;
    public static final int RDMA_WRITE = 3;
    public static final int RDMA_READ = 4;
    public static final int CONNECT = 5;

    /** Event: the peer aborted the connection. Sent once, before the flushes it causes. */
    public static final int EVENT_PEER_RESET = 16;
    /** Event: the transport under the connection failed. Sent once, before the flushes it causes. */
    public static final int EVENT_TRANSPORT_ERROR = 17;

    private HalOpcode()
    {
    }

    public static boolean isEvent(final int opcode)
    {
        return opcode >= EVENT_PEER_RESET;
    }

    public static String name(final int opcode)
    {
        switch (opcode)
        {
            case SEND: return "SEND";
            case RECV: return "RECV";
            case RDMA_WRITE: return "RDMA_WRITE";
            case RDMA_READ: return "RDMA_READ";
            case CONNECT: return "CONNECT";
            case EVENT_PEER_RESET: return "EVENT_PEER_RESET";
            case EVENT_TRANSPORT_ERROR: return "EVENT_TRANSPORT_ERROR";
            default: return "UNKNOWN(" + opcode + ")";
        }
    }
}
