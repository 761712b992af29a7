package io.sanref.hal.loopback;

import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class LoopbackHalProviderTest
{
    @Test
    void serviceLoaderFindsLoopbackByName()
    {
        final HalProvider hal = Hals.find("loopback");
        assertInstanceOf(LoopbackHalProvider.class, hal);
        assertNull(hal.unavailableReason());
        assertEquals(EnumSet.of(HalCapability.SEND_RECV, HalCapability.RDMA), hal.capabilities());
    }

    @Test
    void loopbackIsTheDefaultHal()
    {
        assertEquals(Hals.DEFAULT, LoopbackHalProvider.NAME);
    }

    @Test
    void openReturnsALoopbackNode()
    {
        try (HalFabric fabric = Hals.find("loopback").open(HalConfig.defaults("node")))
        {
            assertEquals("loopback", fabric.halName());
            assertInstanceOf(LoopbackFabric.class, fabric);
        }
    }
}
