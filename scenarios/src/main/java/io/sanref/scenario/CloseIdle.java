package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Winsock;

/** Closing idle connections: nothing to complete, one final upcall each, the peer sees a reset. */
final class CloseIdle implements Scenario
{
    public String name()
    {
        return "close-idle";
    }

    public String proves()
    {
        return "R5, R6, R7, R8: an idle close makes exactly one closeSocketHandle; the peer sees WSAECONNRESET "
            + "and keeps a valid socket until it closes it";
    }

    public void run(final ScenarioContext ctx)
    {
        final int n = ctx.options().connections();
        final SwitchSocket ls = ctx.server().listen(n);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        final ScenarioContext.Pair[] pairs = new ScenarioContext.Pair[n];
        for (int i = 0; i < n; i++)
        {
            pairs[i] = ctx.connect(ls, ctx.client().sw().newOverlapped(false));
            if (null == pairs[i])
            {
                return;
            }
        }
        for (final ScenarioContext.Pair p : pairs)
        {
            final long handle = p.client().handle();
            ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()), "client closeSocket");
            ctx.awaitHandlesClosed(p.client());
            ctx.expect(p.client().isHandleClosed(handle), "client handle closed once");
        }
        for (final ScenarioContext.Pair p : pairs)
        {
            Ops.expectResetSeen(ctx, ctx.server(), p.server(), "server");
            ctx.expect(!p.server().isHandleClosed(p.server().handle()), "server socket still valid after reset (R8)");
            ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(p.server()), "server closeSocket after reset");
            ctx.awaitHandlesClosed(p.server());
        }
        ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(ls), "close listener");
    }
}
