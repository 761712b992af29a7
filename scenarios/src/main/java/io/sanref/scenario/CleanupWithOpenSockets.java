package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;

/** The final cleanup with sockets still open and operations pending. */
final class CleanupWithOpenSockets implements Scenario
{
    public String name()
    {
        return "cleanup-with-open-sockets";
    }

    public String proves()
    {
        return "R1: startup/cleanup are reference-counted; only the final cleanup completes every pending operation "
            + "with WSA_OPERATION_ABORTED and closes every socket with one final upcall; calls after it fail with "
            + "WSANOTINITIALISED";
    }

    public void run(final ScenarioContext ctx)
    {
        final int n = ctx.options().connections();
        final int k = ctx.options().opsPerSocket();
        final ReferenceSwitch csw = ctx.client().sw();
        final SwitchSocket ls = ctx.server().listen(n);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        final ScenarioContext.Pair[] pairs = new ScenarioContext.Pair[n];
        final Overlapped[][] clientRecvs = new Overlapped[n][];
        final Overlapped[][] serverRecvs = new Overlapped[n][];
        for (int i = 0; i < n; i++)
        {
            pairs[i] = ctx.connect(ls, csw.newOverlapped(false));
            if (null == pairs[i])
            {
                return;
            }
            clientRecvs[i] = Ops.recvs(ctx, ctx.client(), pairs[i].client(), k);
            serverRecvs[i] = Ops.recvs(ctx, ctx.server(), pairs[i].server(), k);
        }

        ctx.expectCode(Winsock.NO_ERROR, ctx.client().startup(), "a second startup");
        ctx.expectCode(Winsock.NO_ERROR, ctx.client().cleanup(), "a cleanup that is not the final one");
        ctx.expect(clientRecvs[0][0].isPending(), "a non-final cleanup aborts nothing");
        final SwitchSocket extra = csw.socket();
        ctx.expect(null != extra && 0 == extra.error(), "sockets can still be created after a non-final cleanup");

        ctx.expectCode(Winsock.NO_ERROR, ctx.client().cleanup(), "the final cleanup");
        for (int i = 0; i < n; i++)
        {
            ctx.expect(pairs[i].client().isHandleClosed(pairs[i].client().handle()) || 0 == pairs[i].client().handle(),
                "the final cleanup made the final upcall");
            Ops.expectAll(ctx, ctx.client(), clientRecvs[i], Winsock.WSA_OPERATION_ABORTED, "client recv at cleanup");
        }
        ctx.expect(0 == csw.liveHandles(), "no switch handle left open after the final cleanup");
        ctx.expect(0 == ctx.client().provider().liveSockets(), "no socket slot held after the final cleanup");

        final SwitchSocket late = csw.socket();
        ctx.expectCode(Winsock.WSANOTINITIALISED, null == late ? 0 : late.error(), "socket after cleanup");
        final long d = pairs[0].client().descriptor();
        ctx.expectCode(Winsock.WSANOTINITIALISED, ctx.client().provider().closeSocket(d), "closeSocket after cleanup");
        ctx.expectCode(Winsock.WSANOTINITIALISED,
            ctx.client().provider().recv(d, ByteBuffer.allocate(8), 0, 8, new Overlapped()), "recv after cleanup");
        ctx.expectCode(Winsock.WSANOTINITIALISED, ctx.client().provider().cleanup(), "cleanup after the final one");

        for (int i = 0; i < n; i++)
        {
            Ops.awaitCompleted(ctx, ctx.server(), serverRecvs[i], "server receives after the client's cleanup");
            Ops.expectAll(ctx, ctx.server(), serverRecvs[i], Winsock.WSAECONNRESET, "server recv after peer cleanup");
            ctx.expectCode(Winsock.NO_ERROR, ctx.server().sw().closeSocket(pairs[i].server()), "server closeSocket");
        }
        ctx.server().sw().closeSocket(ls);
    }
}
