package io.sanref.scenario;

import io.sanref.spi.SanAddress;

/**
 * A scenario that can also run against a {@link PeerService} in another process or on another host
 * ({@code sanref run --connect HOST:PORT}). Only the client end is in this process; the peer's behaviour is the
 * service's fixed one (greeting, echo, reset on command, close when the client closes).
 */
public interface RemoteScenario
{
    /**
     * @param ctx    the context; {@link ScenarioContext#server()} is null.
     * @param remote the service's address.
     */
    void runRemote(ScenarioContext ctx, SanAddress remote) throws InterruptedException;
}
