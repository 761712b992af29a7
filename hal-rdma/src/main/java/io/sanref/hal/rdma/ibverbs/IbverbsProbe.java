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
        final int feature = Runtime.version().feature();
        if (feature >= 22)
        {
            // A Java 22+ JVM loaded this base class: the jar was built on an older JDK (no versions/22 classes), or
            // it is not on the class path as a multi-release jar.
            return IbverbsStatus.unavailable("not built: this JVM is Java " + feature + " but the ibverbs binding is " +
                "missing (hal-rdma was built on a JDK older than 22, or is not loaded as a multi-release jar); " +
                "build with a JDK 22+", false);
        }
        return IbverbsStatus.unavailable(
            "Java too old: the ibverbs engine needs the FFM API of Java 22+, this JVM is Java " + feature, false);
    }
}
