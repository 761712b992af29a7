package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;

/** The peer closes: pending receives and sends complete with 10054; the socket stays valid until closed. */
final class PeerReset implements Scenario
{
    public String name()
    {
        return "peer-reset";
    }

    public String proves()
    {
        return "R6, R8, A6: after the peer's abortive close, pending receives and sends complete with WSAECONNRESET, "
            + "new sends and receives fail at once with WSAECONNRESET, and the descriptor stays valid until closeSocket";
    }

    public void run(final ScenarioContext ctx)
    {
        final int n = ctx.options().connections();
        final int k = ctx.options().opsPerSocket();
        final SwitchSocket ls = ctx.server().listen(n);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        for (int i = 0; i < n; i++)
        {
            final ScenarioContext.Pair p = ctx.connect(ls, ctx.client().sw().newOverlapped(false));
            if (null == p)
            {
                return;
            }
            final Overlapped[] recvs = Ops.recvs(ctx, ctx.server(), p.server(), k / 2);
            final Overlapped[] sends = Ops.sends(ctx, ctx.server(), p.server(), k - k / 2);
            ctx.expectCode(Winsock.NO_ERROR, ctx.client().sw().closeSocket(p.client()), "client closeSocket");

            Ops.awaitCompleted(ctx, ctx.server(), recvs, "server receives to complete");
            Ops.awaitCompleted(ctx, ctx.server(), sends, "server sends to complete");
            Ops.expectAll(ctx, ctx.server(), recvs, Winsock.WSAECONNRESET, "server recv after peer reset");
            Ops.expectAll(ctx, ctx.server(), sends, Winsock.WSAECONNRESET, "server send after peer reset");

            final Overlapped ov = ctx.server().sw().newOverlapped(false);
            ctx.expectCode(Winsock.WSAECONNRESET,
                ctx.server().sw().send(p.server(), ByteBuffer.allocate(8), 0, 8, ov), "new send after reset");
            ctx.expectCode(Winsock.WSAECONNRESET,
                ctx.server().sw().recv(p.server(), ByteBuffer.allocate(8), 0, 8, ov), "new recv after reset");
            ctx.expectCode(Winsock.WSAECONNRESET,
                ctx.server().provider().getOverlappedResult(p.server().descriptor(), recvs[0]),
                "getOverlappedResult on the reset socket still answers (R8: descriptor valid)");
            ctx.expect(!p.server().isHandleClosed(p.server().handle()), "no final upcall before closeSocket (R8)");

            final long d = p.server().descriptor();
            ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(p.server()), "server closeSocket");
            ctx.awaitHandlesClosed(p.client(), p.server());
            ctx.expectCode(Winsock.WSAENOTSOCK, ctx.server().provider().closeSocket(d), "second closeSocket");
        }
        ctx.server().sw().closeSocket(ls);
    }
}
