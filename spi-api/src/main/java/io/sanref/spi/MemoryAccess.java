package io.sanref.spi;

/**
 * Access rights of a memory registration, as bit flags (R9).
 */
public final class MemoryAccess
{
    /** The local HAL may write the region (receive or RDMA read target). */
    public static final int LOCAL_WRITE = 1;
    /** The peer may read the region with RDMA read. */
    public static final int REMOTE_READ = 2;
    /** The peer may write the region with RDMA write. */
    public static final int REMOTE_WRITE = 4;

    public static final int ALL = LOCAL_WRITE | REMOTE_READ | REMOTE_WRITE;

    private MemoryAccess()
    {
    }

    public static boolean isValid(final int access)
    {
        return 0 == (access & ~ALL);
    }
}
