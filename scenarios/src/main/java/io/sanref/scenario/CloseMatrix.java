package io.sanref.scenario;

import io.sanref.refswitch.ReferenceSwitch;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.MemoryAccess;
import io.sanref.spi.Overlapped;
import io.sanref.spi.Winsock;
import io.sanref.spi.hal.HalCapability;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The close matrix, cell by cell (as UCX's close tests): who closes (client first, server first, both at once on two
 * threads) × what is pending (receives, sends, RDMA) × whether a completion upcall is running on the closing side
 * at the moment of close. RDMA cells run only where the HAL can do RDMA.
 */
final class CloseMatrix implements Scenario
{
    private static final int PENDING = 3;

    enum Closer
    {
        CLIENT_FIRST, SERVER_FIRST, BOTH_AT_ONCE
    }

    enum Pending
    {
        RECV, SEND, RDMA
    }

    public String name()
    {
        return "close-matrix";
    }

    public String proves()
    {
        return "R5, R6, R7 in every cell of client/server/both closing x receives/sends/RDMA pending x a completion "
            + "upcall running or not: each operation completes once with the code its side's story calls for, and "
            + "each final upcall comes after every other upcall for its handle";
    }

    public int liveConnections(final ScenarioOptions options)
    {
        return 2;
    }

    public void run(final ScenarioContext ctx) throws InterruptedException
    {
        final SwitchSocket ls = ctx.server().listen(4);
        if (!ctx.expect(null != ls, "server listens"))
        {
            return;
        }
        final boolean rdma = ctx.client().provider().halRdma();
        for (final Closer closer : Closer.values())
        {
            for (final Pending pending : Pending.values())
            {
                if (Pending.RDMA == pending && !rdma)
                {
                    continue;
                }
                for (final boolean upcallRunning : new boolean[]{false, true})
                {
                    cell(ctx, ls, closer, pending, upcallRunning);
                }
            }
        }
        ctx.server().sw().closeSocket(ls);
    }

    private static void cell(
        final ScenarioContext ctx, final SwitchSocket ls, final Closer closer, final Pending pending,
        final boolean upcallRunning) throws InterruptedException
    {
        final String cell = closer + "/" + pending + "/" + (upcallRunning ? "upcall-running" : "idle");
        final ScenarioContext.Pair p = ctx.connect(ls, ctx.client().sw().newOverlapped(false));
        if (null == p)
        {
            return;
        }
        final Side client = new Side(ctx.client(), p.client());
        final Side server = new Side(ctx.server(), p.server());
        final boolean clientCloses = Closer.SERVER_FIRST != closer;
        final boolean serverCloses = Closer.CLIENT_FIRST != closer;

        // A completion upcall that blocks on each closing side: the peer sends one message into a posted receive.
        final Side[] blocked = {clientCloses && upcallRunning ? client : null, serverCloses && upcallRunning ? server : null};
        for (final Side s : blocked)
        {
            if (null != s)
            {
                s.blockNextCompletion(ctx);
            }
        }
        // Post every trigger before waiting for any: a node whose progress thread is blocked in an upcall moves no
        // data, so both messages must be on their way before either side blocks.
        for (final Side s : blocked)
        {
            if (null != s)
            {
                final Side peer = s == client ? server : client;
                final Overlapped send = peer.node.sw().newOverlapped(false);
                ctx.expectCode(Winsock.WSA_IO_PENDING,
                    peer.node.sw().send(peer.socket, Ops.pattern(8, 1), 0, 8, send), cell + ": trigger send");
                peer.extra = send;
            }
        }
        for (final Side s : blocked)
        {
            if (null != s)
            {
                ctx.expect(s.entered.await(ctx.options().waitBoundMs(), TimeUnit.MILLISECONDS), cell + ": upcall runs");
            }
        }

        client.post(ctx, pending, server, cell);
        server.post(ctx, pending, client, cell);

        final long clientHandle = p.client().handle();
        final long serverHandle = p.server().handle();
        switch (closer)
        {
            case CLIENT_FIRST:
                ctx.expectCode(0, ctx.client().sw().closeSocket(p.client()), cell + ": client close");
                break;
            case SERVER_FIRST:
                ctx.expectCode(0, ctx.server().sw().closeSocket(p.server()), cell + ": server close");
                break;
            default:
                final CountDownLatch start = new CountDownLatch(1);
                final AtomicInteger rc = new AtomicInteger(-1);
                final Thread t = new Thread(() ->
                {
                    try
                    {
                        if (start.await(ctx.options().waitBoundMs(), TimeUnit.MILLISECONDS))
                        {
                            rc.set(ctx.server().sw().closeSocket(p.server()));
                        }
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }, "matrix-server-closer");
                t.start();
                start.countDown();
                ctx.expectCode(0, ctx.client().sw().closeSocket(p.client()), cell + ": client close");
                t.join(ctx.options().waitBoundMs());
                ctx.expectCode(0, rc.get(), cell + ": server close");
                break;
        }

        // R7: while a closing side's upcall still runs, its final upcall must not have come.
        for (final Side s : blocked)
        {
            if (null != s)
            {
                final long h = s == client ? clientHandle : serverHandle;
                ctx.expect(!s.socket.isHandleClosed(h), cell + ": no closeSocketHandle while an upcall runs (R7)");
                s.release.countDown();
            }
        }

        // The side that did not close sees the reset, then closes.
        final Side survivor = Closer.CLIENT_FIRST == closer ? server : Closer.SERVER_FIRST == closer ? client : null;
        if (null != survivor)
        {
            Ops.awaitCompleted(ctx, survivor.node, survivor.ops, cell + ": the survivor's operations");
            Ops.expectAllIn(ctx, survivor.node, survivor.ops, survivor.afterPeerClose, cell + ": survivor op");
            ctx.expectCode(0, survivor.node.sw().closeSocket(survivor.socket), cell + ": survivor close");
        }
        ctx.awaitHandlesClosed(p.client(), p.server());
        for (final Side s : new Side[]{client, server})
        {
            if (s != survivor)
            {
                Ops.expectAllIn(ctx, s.node, s.ops, s.atOwnClose, cell + ": " + s.node + " op at close");
            }
            final long h = s == client ? clientHandle : serverHandle;
            ctx.expect(0 == s.returnedNanos.get() || s.socket.closeHandleNanos() >= s.returnedNanos.get(),
                cell + ": closeSocketHandle after the running upcall returned (R7)");
            if (null != s.extra)
            {
                Ops.awaitCompleted(ctx, s.node, new Overlapped[]{s.extra}, cell + ": trigger send");
            }
            s.node.sw().completionListener(null);
        }
    }

    /** One end of a cell's connection. */
    private static final class Side
    {
        final Node node;
        final SwitchSocket socket;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicLong returnedNanos = new AtomicLong();
        Overlapped[] ops = new Overlapped[0];
        Overlapped extra;
        Set<Integer> atOwnClose = Set.of(Winsock.WSA_OPERATION_ABORTED, Winsock.WSAECONNRESET);
        Set<Integer> afterPeerClose = Set.of(Winsock.WSAECONNRESET);

        Side(final Node node, final SwitchSocket socket)
        {
            this.node = node;
            this.socket = socket;
        }

        void blockNextCompletion(final ScenarioContext ctx)
        {
            final ReferenceSwitch sw = node.sw();
            final Overlapped first = sw.newOverlapped(false);
            sw.completionListener((s, ov, error, bytes) ->
            {
                if (ov == first)
                {
                    entered.countDown();
                    try
                    {
                        ctx.expect(release.await(ctx.options().waitBoundMs(), TimeUnit.MILLISECONDS),
                            "the blocked upcall was released");
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                    returnedNanos.set(System.nanoTime());
                }
            });
            ctx.expectCode(Winsock.WSA_IO_PENDING, sw.recv(socket, ByteBuffer.allocate(8), 0, 8, first), "blocking recv");
        }

        void post(final ScenarioContext ctx, final Pending pending, final Side peer, final String cell)
        {
            final ReferenceSwitch sw = node.sw();
            switch (pending)
            {
                case RECV:
                    ops = Ops.recvs(ctx, node, socket, PENDING);
                    break;
                case SEND:
                    ops = Ops.sends(ctx, node, socket, PENDING);
                    break;
                default:
                    final long target = peer.node.sw().registerMemory(peer.socket, ByteBuffer.allocateDirect(4096),
                        MemoryAccess.REMOTE_WRITE | MemoryAccess.REMOTE_READ);
                    final long key = peer.node.sw().remoteKey(peer.socket, target);
                    final long local = sw.registerMemory(socket, ByteBuffer.allocateDirect(4096), MemoryAccess.LOCAL_WRITE);
                    if (!ctx.expect(target > 0 && key > 0 && local > 0, cell + ": registrations"))
                    {
                        return;
                    }
                    ops = new Overlapped[PENDING];
                    for (int i = 0; i < PENDING; i++)
                    {
                        ops[i] = sw.newOverlapped(false);
                        final int rc = 0 == (i & 1) ? sw.rdmaWrite(socket, local, 0, 4096, key, 0, ops[i]) :
                            sw.rdmaRead(socket, local, 0, 4096, key, 0, ops[i]);
                        ctx.expectCode(Winsock.WSA_IO_PENDING, rc, cell + ": rdma " + i);
                    }
                    // One-sided operations may finish before anyone closes; and a peer's close may fail them.
                    atOwnClose = Set.of(Winsock.NO_ERROR, Winsock.WSA_OPERATION_ABORTED, Winsock.WSAECONNRESET,
                        Winsock.WSAECONNABORTED);
                    afterPeerClose = atOwnClose;
                    break;
            }
        }
    }
}
