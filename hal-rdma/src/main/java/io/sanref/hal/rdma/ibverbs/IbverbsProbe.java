package io.sanref.hal.rdma.ibverbs;

/**
 * Looks for libibverbs and RDMA devices. This is the Java 17 version: the binding needs the FFM API (Java 22+), so
 * it answers that Java is too old. On Java 22+ the multi-release jar replaces this class with the one in
 * {@code META-INF/versions/22}, which loads {@code libibverbs.so.1} and enumerates devices.
 * <p>
 * Threading: stateless; any thread.
 */
public final class IbverbsProbe
{
    public static final String LIBRARY = "libibverbs.so.1";

    private IbverbsProbe()
    {
    }

    /** @return what was found; never throws. */
    public static IbverbsStatus probe()
    {
        return IbverbsStatus.unavailable(
            "Java too old: the ibverbs engine needs the FFM API of Java 22+, this JVM is Java " +
            Runtime.version().feature(), false);
    }
}
