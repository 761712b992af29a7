package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

/** Create, connect, close, over and over: slots, handles and registrations come back. */
final class Churn implements Scenario
{
    public String name()
    {
        return "churn";
    }

    public int liveConnections(final ScenarioOptions options)
    {
        return 1;
    }

    public String proves()
    {
        return "R2, R7, R8: socket after socket is created, connected and closed, each with one create and one "
            + "final upcall, and the tables end as they began";
    }

    public void run(final ScenarioContext ctx)
    {
        final int cycles = ctx.options().connections() * 8;
        final SwitchSocket ls = ctx.server().listen(4);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        final Overlapped connect = ctx.client().sw().newOverlapped(false);
        final int clientSlots = ctx.client().provider().liveSockets();
        for (int i = 0; i < cycles; i++)
        {
            final ScenarioContext.Pair p = ctx.connect(ls, connect);
            if (null == p)
            {
                return;
            }
            if (0 == (i & 1))
            {
                ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()), "client close");
                ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(p.server()), "server close");
            }
            else
            {
                ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(p.server()), "server close");
                ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()), "client close");
            }
            ctx.awaitHandlesClosed(p.client(), p.server());
            ctx.progress(i + 1 + "/" + cycles + " cycles");
        }
        ctx.expect(clientSlots == ctx.client().provider().liveSockets(),
            "client socket slots back to " + clientSlots + ", now " + ctx.client().provider().liveSockets());
        ctx.server().sw().closeSocket(ls);
    }
}
