package io.sanref.scenario;

import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;
import io.sanref.spi.SanProvider;
import io.sanref.spi.Winsock;

import java.nio.ByteBuffer;

/** Descriptors that were closed, recycled or never issued. */
final class StaleDescriptor implements Scenario
{
    public String name()
    {
        return "stale-descriptor";
    }

    public String proves()
    {
        return "R8, A7: every call with a closed, recycled or never-issued descriptor fails with WSAENOTSOCK and "
            + "never reaches the socket that now uses the slot";
    }

    public void run(final ScenarioContext ctx)
    {
        final SanProvider provider = ctx.client().provider();
        final SwitchSocket ls = ctx.server().listen(ctx.options().connections());
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        for (int i = 0; i < ctx.options().connections(); i++)
        {
            final ScenarioContext.Pair old = ctx.connect(ls, ctx.client().sw().newOverlapped(false));
            if (null == old)
            {
                return;
            }
            final long stale = old.client().descriptor();
            ctx.client().sw().closeSocket(old.client());
            ctx.server().sw().closeSocket(old.server());
            ctx.awaitHandlesClosed(old.client(), old.server());

            final ScenarioContext.Pair fresh = ctx.connect(ls, ctx.client().sw().newOverlapped(false));
            if (null == fresh)
            {
                return;
            }
            final Overlapped[] serverRecvs = Ops.recvs(ctx, ctx.server(), fresh.server(), 1);
            final Overlapped ov = new Overlapped();
            final ByteBuffer b = ByteBuffer.allocate(16);
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.send(stale, b, 0, 16, ov), "send on a stale descriptor");
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.recv(stale, b, 0, 16, ov), "recv on a stale descriptor");
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.getOverlappedResult(stale, ov), "getOverlappedResult");
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.bind(stale, new SanAddress("127.0.0.1", 0)), "bind");
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.listen(stale, 1), "listen");
            ctx.expectCode(Winsock.WSAENOTSOCK, (int)-provider.registerMemory(stale, b, 0), "registerMemory");
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.closeSocket(stale), "closeSocket on a stale descriptor");
            ctx.expect(serverRecvs[0].isPending(), "nothing sent on the stale descriptor reached the new connection");
            ctx.expect(!fresh.client().isHandleClosed(fresh.client().handle()),
                "the socket now in the slot is untouched by the stale close");

            final Overlapped ok = ctx.client().sw().newOverlapped(false);
            ctx.expectCode(Winsock.WSA_IO_PENDING, ctx.client().sw().send(fresh.client(), Ops.pattern(16, 1), 0, 16, ok),
                "the new socket still works");
            Ops.awaitCompleted(ctx, ctx.server(), serverRecvs, "the new socket's data");
            Ops.expectAll(ctx, ctx.server(), serverRecvs, Winsock.NO_ERROR, "server recv");
            Ops.awaitCompleted(ctx, ctx.client(), new Overlapped[]{ok}, "the new socket's send");
            ctx.client().sw().closeSocket(fresh.client());
            ctx.server().sw().closeSocket(fresh.server());
            ctx.awaitHandlesClosed(fresh.client(), fresh.server());
        }
        final Overlapped ov = new Overlapped();
        for (final long never : new long[]{0, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 12345})
        {
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.closeSocket(never), "closeSocket(" + never + ")");
            ctx.expectCode(Winsock.WSAENOTSOCK, provider.send(never, ByteBuffer.allocate(1), 0, 1, ov), "send(" + never + ")");
        }
        ctx.server().sw().closeSocket(ls);
    }
}
