package io.sanref.hal.rdma.ibverbs;

import io.sanref.hal.rdma.RdmaHalProvider;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ibverbs probe gives the answer this host calls for: on Java 17-21, "Java too old"; on Java 22+ (run against the
 * multi-release jar), "library missing" when no libibverbs.so.1 is installed, otherwise it loads the library and
 * enumerates devices: with none (no /sys/class/infiniband entries) the answer is "no device". {@code sanref hals}
 * shows the same answer through {@link HalProvider#details()}.
 */
class IbverbsProbeTest
{
    private static final List<String> LIBRARY_DIRS =
        List.of("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib/aarch64-linux-gnu");

    @Test
    void theProbeSaysWhyIbverbsCannotRunHere()
    {
        final int feature = Runtime.version().feature();
        final IbverbsStatus status = IbverbsProbe.probe();
        System.out.println("java " + feature + ": ibverbs usable=" + status.usable() + " library=" +
            status.libraryLoaded() + " devices=" + status.devices() + " reason: " + status.reason());

        if (feature < 22)
        {
            assertFalse(status.usable());
            assertFalse(status.libraryLoaded());
            assertTrue(status.reason().startsWith("Java too old"), status.reason());
            return;
        }
        Assumptions.assumeTrue(Boolean.getBoolean("sanref.ibverbs.jar"),
            "on Java 22+ this test runs in the ibverbs-on-jar execution, against the multi-release jar");

        final boolean libraryInstalled = LIBRARY_DIRS.stream().anyMatch((d) -> Files.exists(Path.of(d, IbverbsProbe.LIBRARY)));
        if (!libraryInstalled)
        {
            assertFalse(status.libraryLoaded());
            assertTrue(status.reason().startsWith("library missing"), status.reason());
            return;
        }
        assertTrue(status.libraryLoaded(), status.reason());
        final File[] sysDevices = new File("/sys/class/infiniband").listFiles();
        final int expected = null == sysDevices ? 0 : sysDevices.length;
        assertEquals(expected, status.devices().size(), "devices enumerated vs /sys/class/infiniband");
        if (0 == expected)
        {
            assertFalse(status.usable());
            assertTrue(status.reason().startsWith("no device"), status.reason());
        }
        else
        {
            assertTrue(status.usable());
            assertTrue(status.reason().contains("ops table"), "the ops table was resolved: " + status.reason());
        }
    }

    @Test
    void sanrefHalsReportsTheEngineAndTheReason()
    {
        final HalProvider rdma = Hals.find("rdma");
        assertEquals(RdmaHalProvider.class, rdma.getClass());
        final String details = rdma.details();
        final IbverbsStatus status = RdmaHalProvider.ibverbs();
        if (status.usable())
        {
            assertTrue(details.startsWith("engine ibverbs"), details);
            return;
        }
        assertTrue(details.startsWith("engine soft"), details);
        assertTrue(details.endsWith("not ibverbs: " + status.reason()), details);
    }

    @Test
    void askingForIbverbsWhereItCannotRunFailsWithTheReason()
    {
        final IbverbsStatus status = RdmaHalProvider.ibverbs();
        Assumptions.assumeFalse(status.usable(), "an RDMA device is present: the engine opens");
        final HalConfig config = new HalConfig("n", 32, 32, 5_000, Map.of("rdma.engine", "ibverbs"));
        final IllegalStateException ex =
            assertThrows(IllegalStateException.class, () -> new RdmaHalProvider().open(config));
        System.out.println("rdma.engine=ibverbs: " + ex.getMessage());
        assertTrue(ex.getMessage().startsWith("rdma.engine=ibverbs cannot run: "), ex.getMessage());
        final String reason = ex.getMessage().substring("rdma.engine=ibverbs cannot run: ".length());
        final int feature = Runtime.version().feature();
        if (feature < 22 || Boolean.getBoolean("sanref.ibverbs.jar"))
        {
            // Java 17: the probe's "Java too old"; Java 22+ on the jar: the engine's own answer ("no device" here,
            // or "library missing" without libibverbs/librdmacm).
            assertTrue(reason.startsWith(feature < 22 ? "Java too old" : "no device") ||
                reason.startsWith("library missing"), reason);
        }
    }
}
