package io.sanref.hal.rdma.verbs;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RDMA with the right key moves bytes; a wrong key, out of bounds or a missing right fails and moves the QP to ERR. */
class RemoteAccessTest
{
    @Test
    void rdmaWriteAndReadMoveTheBytesWithTheRightKey()
    {
        final VerbsPair p = new VerbsPair();
        final ByteBuffer target = ByteBuffer.allocateDirect(256);
        final SoftMr remote = p.pdB.registerMr(target,
            Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE | Ibv.ACCESS_REMOTE_READ);
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(256, 9), 0);
        final ByteBuffer back = ByteBuffer.allocate(256);
        final SoftMr dst = p.pdA.registerMr(back, Ibv.ACCESS_LOCAL_WRITE);
        assertEquals(0, p.a.postSend(1, Ibv.WR_RDMA_WRITE, src.lkey(), 16, 100, remote.rkey(), 50));
        assertEquals(0, p.a.postSend(2, Ibv.WR_RDMA_READ, dst.lkey(), 0, 100, remote.rkey(), 50));
        assertEquals(2, p.a.process(16));
        assertEquals(List.of(new Wc(1, Ibv.WC_SUCCESS, Ibv.WC_RDMA_WRITE, 100, p.a.qpNum()),
            new Wc(2, Ibv.WC_SUCCESS, Ibv.WC_RDMA_READ, 100, p.a.qpNum())), VerbsPair.poll(p.cqA));
        for (int i = 0; i < 100; i++)
        {
            assertEquals(src.buffer().get(16 + i), target.get(50 + i));
            assertEquals(src.buffer().get(16 + i), back.get(i));
        }
        assertEquals(Ibv.QPS_RTS, p.a.state());
    }

    @Test
    void aWrongKeyFails()
    {
        expectRemoteAccessError(Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE, true, (mr) -> mr.rkey() + 1, 0, 8);
    }

    @Test
    void aLocalKeyIsNotARemoteKey()
    {
        expectRemoteAccessError(Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE, true,
            (mr) -> mr.lkey() == mr.rkey() ? mr.lkey() ^ (1 << 24) : mr.lkey(), 0, 8);
    }

    @Test
    void outOfBoundsFails()
    {
        expectRemoteAccessError(Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE, true, SoftMr::rkey, 60, 8);
        expectRemoteAccessError(Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE, true, SoftMr::rkey, -8, 8);
    }

    @Test
    void aWriteWithoutRemoteWriteFails()
    {
        expectRemoteAccessError(Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_READ, true, SoftMr::rkey, 0, 8);
    }

    @Test
    void aReadWithoutRemoteReadFails()
    {
        expectRemoteAccessError(Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE, false, SoftMr::rkey, 0, 8);
    }

    @Test
    void aDeregisteredKeyIsDead()
    {
        final VerbsPair p = new VerbsPair();
        final ByteBuffer target = ByteBuffer.allocateDirect(64);
        final SoftMr remote = p.pdB.registerMr(target, Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE);
        assertEquals(0, p.pdB.deregisterMr(remote, VerbsPair.WAIT_NS));
        assertEquals(Ibv.EINVAL, p.pdB.deregisterMr(remote, VerbsPair.WAIT_NS), "twice");
        final SoftMr again = p.pdB.registerMr(target, Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE);
        assertNotEquals(remote.rkey(), again.rkey(), "the slot's next registration has a new key");
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 5), 0);
        assertEquals(0, p.a.postSend(1, Ibv.WR_RDMA_WRITE, src.lkey(), 0, 8, remote.rkey(), 0));
        p.a.process(4);
        assertEquals(Ibv.WC_REM_ACCESS_ERR, VerbsPair.poll(p.cqA).get(0).status());
        assertTrue(VerbsPair.allZero(target));
    }

    @Test
    void aKeyOfAnotherProtectionDomainIsWrong()
    {
        final VerbsPair p = new VerbsPair();
        final SoftPd other = p.deviceB.allocPd(4);
        final ByteBuffer target = ByteBuffer.allocateDirect(64);
        final SoftMr foreign = other.registerMr(target, Ibv.ACCESS_LOCAL_WRITE | Ibv.ACCESS_REMOTE_WRITE);
        final SoftMr src = p.pdA.registerMr(VerbsPair.pattern(64, 5), 0);
        assertEquals(0, p.a.postSend(1, Ibv.WR_RDMA_WRITE, src.lkey(), 0, 8, foreign.rkey(), 0));
        p.a.process(4);
        assertEquals(Ibv.WC_REM_ACCESS_ERR, VerbsPair.poll(p.cqA).get(0).status());
        assertTrue(VerbsPair.allZero(target));
        assertEquals(Ibv.QPS_ERR, p.a.state());
    }

    @Test
    void verbsRefusesRemoteWriteWithoutLocalWrite()
    {
        final VerbsPair p = new VerbsPair();
        assertNull(p.pdB.registerMr(ByteBuffer.allocateDirect(8), Ibv.ACCESS_REMOTE_WRITE));
        assertNull(p.pdB.registerMr(ByteBuffer.allocateDirect(8).asReadOnlyBuffer(), Ibv.ACCESS_LOCAL_WRITE));
    }

    private static void expectRemoteAccessError(
        final int targetAccess, final boolean write, final java.util.function.ToIntFunction<SoftMr> key,
        final long remoteOffset, final int length)
    {
        final VerbsPair p = new VerbsPair();
        final ByteBuffer target = ByteBuffer.allocateDirect(64);
        final SoftMr remote = p.pdB.registerMr(target, targetAccess);
        final SoftMr local = p.pdA.registerMr(write ? VerbsPair.pattern(64, 5) : ByteBuffer.allocateDirect(64),
            Ibv.ACCESS_LOCAL_WRITE);
        final SoftMr queued = p.pdA.registerMr(ByteBuffer.allocateDirect(8), Ibv.ACCESS_LOCAL_WRITE);
        assertEquals(0, p.a.postSend(1, write ? Ibv.WR_RDMA_WRITE : Ibv.WR_RDMA_READ, local.lkey(), 0, length,
            key.applyAsInt(remote), remoteOffset));
        assertEquals(0, p.a.postSend(2, Ibv.WR_RDMA_WRITE, local.lkey(), 0, 8, remote.rkey(), 0));
        assertEquals(0, p.a.postRecv(3, queued.lkey(), 0, 8));
        p.a.process(16);

        final List<Wc> wcs = VerbsPair.poll(p.cqA);
        assertEquals(new Wc(1, Ibv.WC_REM_ACCESS_ERR, write ? Ibv.WC_RDMA_WRITE : Ibv.WC_RDMA_READ, 0, p.a.qpNum()),
            wcs.get(0));
        assertEquals(2, wcs.get(1).wrId());
        assertEquals(Ibv.WC_WR_FLUSH_ERR, wcs.get(1).status(), "what was queued behind it is flushed");
        assertEquals(3, wcs.get(2).wrId());
        assertEquals(Ibv.WC_WR_FLUSH_ERR, wcs.get(2).status());
        assertEquals(Ibv.QPS_ERR, p.a.state(), "the requester's QP is in ERR");
        assertTrue(VerbsPair.allZero(target), "nothing was written");
        if (!write)
        {
            assertTrue(VerbsPair.allZero(local.buffer()), "nothing was read");
        }
    }
}
