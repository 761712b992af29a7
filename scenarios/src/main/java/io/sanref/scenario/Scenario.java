package io.sanref.scenario;

import io.sanref.spi.hal.HalCapability;

import java.util.Set;

/**
 * One case of the close matrix: drives two nodes through the reference switches and checks its own
 * expectations. The runner adds the checks every scenario shares (no violation, nothing lost, every handle
 * closed, every slot freed).
 */
public interface Scenario
{
    /** @return the name users pass to {@code --scenario}. */
    String name();

    /** @return the requirements it proves, e.g. {@code "R5, R7: ..."}. */
    String proves();

    /** @return HAL capabilities it needs; on a HAL without them it reports "not supported". */
    default Set<HalCapability> requires()
    {
        return Set.of(HalCapability.SEND_RECV);
    }

    /** @return the most connections it holds open at once, which sizes the socket tables. */
    default int liveConnections(final ScenarioOptions options)
    {
        return options.connections();
    }

    void run(ScenarioContext ctx) throws InterruptedException;
}
