package io.sanref.journal;

/**
 * Kinds of overlapped operation, as journaled. The values match {@link io.sanref.spi.hal.HalOpcode}'s
 * work-request opcodes.
 */
public final class OpKind
{
    public static final int NONE = 0;
    public static final int SEND = 1;
    public static final int RECV = 2;
    public static final int RDMA_WRITE = 3;
    public static final int RDMA_READ = 4;
    public static final int CONNECT = 5;

    private OpKind()
    {
    }

    public static String name(final int kind)
    {
        switch (kind)
        {
            case NONE: return "-";
            case SEND: return "send";
            case RECV: return "recv";
            case RDMA_WRITE: return "rdma-write";
            case RDMA_READ: return "rdma-read";
            case CONNECT: return "connect";
            default: return "kind(" + kind + ")";
        }
    }
}
