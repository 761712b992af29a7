package io.sanref.hal.faulty;

import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalDecorator;
import io.sanref.spi.hal.HalFabric;
import io.sanref.spi.hal.HalProvider;

import java.util.Set;

/**
 * {@code --hal faulty:NAME}: any HAL, with faults injected as {@link FaultPlan} says. The provider above must keep
 * every invariant (A1-A9) under every fault; that is what this decorator is for.
 */
public final class FaultyDecorator implements HalDecorator
{
    public static final String NAME = "faulty";

    public String name()
    {
        return NAME;
    }

    public HalProvider wrap(final HalProvider inner)
    {
        return new HalProvider()
        {
            public String name()
            {
                return NAME + ":" + inner.name();
            }

            public Set<HalCapability> capabilities()
            {
                return inner.capabilities();
            }

            public String unavailableReason()
            {
                return inner.unavailableReason();
            }

            public HalFabric open(final HalConfig config)
            {
                return new FaultyFabric(inner.open(config), FaultPlan.from(config));
            }
        };
    }
}
