package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalCapability;

import java.nio.ByteBuffer;
import java.util.Set;

/** RDMA writes and reads: keys checked, closes with RDMA in flight, old keys dead after close. */
final class ClosePendingRdma implements Scenario
{
    private static final int REGION = 4096;

    public String name()
    {
        return "close-pending-rdma";
    }

    public String proves()
    {
        return "R9, R11, R5: RDMA moves the right bytes only with the right key, in bounds, with the access right; "
            + "a close with RDMA in flight completes each once (success or 995); a wrong or deregistered key fails "
            + "with WSAECONNABORTED and writes nothing; a registration is valid only on its own socket";
    }

    public Set<HalCapability> requires()
    {
        return Set.of(HalCapability.SEND_RECV, HalCapability.RDMA);
    }

    public void run(final ScenarioContext ctx)
    {
        final int k = ctx.options().opsPerSocket();
        final ReferenceSwitch csw = ctx.client().sw();
        final ReferenceSwitch ssw = ctx.server().sw();
        final SwitchSocket ls = ctx.server().listen(4);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }

        // 1. Content moves both ways with the right key.
        ScenarioContext.Pair p = ctx.connect(ls, csw.newOverlapped(false));
        if (null == p)
        {
            return;
        }
        final ByteBuffer target = ByteBuffer.allocateDirect(REGION);
        final long targetReg = ssw.registerMemory(p.server(), target, MemoryAccess.REMOTE_WRITE | MemoryAccess.REMOTE_READ);
        final long rkey = ssw.remoteKey(p.server(), targetReg);
        final ByteBuffer local = Ops.pattern(REGION, 7);
        final long localReg = csw.registerMemory(p.client(), local, MemoryAccess.LOCAL_WRITE);
        if (!ctx.expect(targetReg > 0 && rkey > 0 && localReg > 0, "registrations succeed"))
        {
            return;
        }
        final Overlapped w = csw.newOverlapped(false);
        ctx.expectCode(Winsock.WSA_IO_PENDING, csw.rdmaWrite(p.client(), localReg, 0, 1024, rkey, 512, w), "rdma write");
        Ops.awaitCompleted(ctx, ctx.client(), new Overlapped[]{w}, "rdma write");
        Ops.expectAll(ctx, ctx.client(), new Overlapped[]{w}, Winsock.NO_ERROR, "rdma write");
        ctx.expect(Ops.samePattern(target, 512, 1024, 7), "rdma write put the bytes at the remote offset");
        ctx.expect(1024 == w.internalHigh(), "rdma write reports its bytes");

        final ByteBuffer readBack = ByteBuffer.allocateDirect(REGION);
        final long readReg = csw.registerMemory(p.client(), readBack, MemoryAccess.LOCAL_WRITE);
        final Overlapped r = csw.newOverlapped(false);
        ctx.expectCode(Winsock.WSA_IO_PENDING, csw.rdmaRead(p.client(), readReg, 0, 1024, rkey, 512, r), "rdma read");
        Ops.awaitCompleted(ctx, ctx.client(), new Overlapped[]{r}, "rdma read");
        Ops.expectAll(ctx, ctx.client(), new Overlapped[]{r}, Winsock.NO_ERROR, "rdma read");
        ctx.expect(Ops.samePattern(readBack, 0, 1024, 7), "rdma read brought the remote bytes back");

        // 2. Bad local ranges and foreign registrations fail at once (R9).
        final Overlapped bad = csw.newOverlapped(false);
        ctx.expectCode(Winsock.WSAEFAULT, csw.rdmaWrite(p.client(), localReg, REGION - 8, 16, rkey, 0, bad),
            "local range outside the registration");
        ctx.expectCode(Winsock.WSAEFAULT, csw.rdmaWrite(p.client(), localReg, -1, 8, rkey, 0, bad), "negative offset");
        ctx.expectCode(Winsock.WSAEFAULT, csw.rdmaWrite(p.client(), targetReg, 0, 8, rkey, 0, bad),
            "a registration of another socket");

        // 3. Close with RDMA in flight: each completes exactly once, success or aborted.
        final Overlapped[] inflight = new Overlapped[k];
        for (int i = 0; i < k; i++)
        {
            inflight[i] = csw.newOverlapped(false);
            final int rc = 0 == (i & 1) ?
                csw.rdmaWrite(p.client(), localReg, 0, REGION, rkey, 0, inflight[i]) :
                csw.rdmaRead(p.client(), readReg, 0, REGION, rkey, 0, inflight[i]);
            ctx.expectCode(Winsock.WSA_IO_PENDING, rc, "rdma in flight " + i);
        }
        ctx.expectCode(Winsock.NO_ERROR, csw.closeSocket(p.client()), "close with RDMA in flight");
        ctx.awaitHandlesClosed(p.client());
        Ops.expectAllIn(ctx, ctx.client(), inflight, Set.of(Winsock.NO_ERROR, Winsock.WSA_OPERATION_ABORTED),
            "rdma in flight at close");
        Ops.expectResetSeen(ctx, ctx.server(), p.server(), "rdma target");
        ctx.expectCode(Winsock.NO_ERROR, ssw.closeSocket(p.server()), "target closeSocket");
        ctx.awaitHandlesClosed(p.server());

        // 4. A wrong key fails with a remote access error, writes nothing, and ends the connection (R9).
        p = ctx.connect(ls, csw.newOverlapped(false));
        if (null == p)
        {
            return;
        }
        final ByteBuffer guarded = ByteBuffer.allocateDirect(REGION);
        final long guardedReg = ssw.registerMemory(p.server(), guarded, MemoryAccess.REMOTE_WRITE);
        final long guardedKey = ssw.remoteKey(p.server(), guardedReg);
        final long srcReg = csw.registerMemory(p.client(), Ops.pattern(REGION, 9), MemoryAccess.LOCAL_WRITE);
        final Overlapped wrong = csw.newOverlapped(false);
        ctx.expectCode(Winsock.WSA_IO_PENDING,
            csw.rdmaWrite(p.client(), srcReg, 0, 64, guardedKey + 1, 0, wrong), "rdma write with a wrong key");
        Ops.awaitCompleted(ctx, ctx.client(), new Overlapped[]{wrong}, "wrong-key write");
        Ops.expectAll(ctx, ctx.client(), new Overlapped[]{wrong}, Winsock.WSAECONNABORTED, "wrong-key write");
        ctx.expect(isZero(guarded), "a wrong-key write wrote nothing");
        final Overlapped after = csw.newOverlapped(false);
        ctx.expectCode(Winsock.WSAECONNABORTED,
            csw.rdmaWrite(p.client(), srcReg, 0, 64, guardedKey, 0, after), "the connection is gone after the error");
        csw.closeSocket(p.client());
        ssw.closeSocket(p.server());
        ctx.awaitHandlesClosed(p.client(), p.server());

        // 5. A deregistered region's key is dead (R9).
        p = ctx.connect(ls, csw.newOverlapped(false));
        if (null == p)
        {
            return;
        }
        final ByteBuffer once = ByteBuffer.allocateDirect(REGION);
        final long onceReg = ssw.registerMemory(p.server(), once, MemoryAccess.REMOTE_WRITE);
        final long onceKey = ssw.remoteKey(p.server(), onceReg);
        ctx.expectCode(Winsock.NO_ERROR, ssw.deregisterMemory(p.server(), onceReg), "deregister");
        ctx.expectCode(Winsock.WSAEINVAL, ssw.deregisterMemory(p.server(), onceReg), "deregister twice");
        final long src2 = csw.registerMemory(p.client(), Ops.pattern(REGION, 3), MemoryAccess.LOCAL_WRITE);
        final Overlapped stale = csw.newOverlapped(false);
        ctx.expectCode(Winsock.WSA_IO_PENDING, csw.rdmaWrite(p.client(), src2, 0, 64, onceKey, 0, stale),
            "rdma write to a deregistered key");
        Ops.awaitCompleted(ctx, ctx.client(), new Overlapped[]{stale}, "write to a deregistered key");
        Ops.expectAll(ctx, ctx.client(), new Overlapped[]{stale}, Winsock.WSAECONNABORTED, "deregistered-key write");
        ctx.expect(isZero(once), "a write to a deregistered region wrote nothing");
        csw.closeSocket(p.client());
        ssw.closeSocket(p.server());
        ctx.awaitHandlesClosed(p.client(), p.server());
        ssw.closeSocket(ls);
    }

    private static boolean isZero(final ByteBuffer b)
    {
        for (int i = 0; i < b.capacity(); i++)
        {
            if (0 != b.get(i))
            {
                return false;
            }
        }
        return true;
    }
}
