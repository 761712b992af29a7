package io.sanref.hal.wsd;

import io.sanref.spi.MemoryAccess;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalMemoryRegion;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Foreign peers: raw {@link Socket}s that send garbage, stop half-way through the handshake, speak a wrong version,
 * break the framing, ask for RDMA with a bad key, or complete the handshake and reset with {@code SO_LINGER 0}.
 * Each is dropped (or reset) without disturbing a healthy wsd connection on the same node, which keeps echoing
 * throughout, and every socket and endpoint is released afterwards.
 */
class WsdForeignPeerTest
{
    private static final int SOCKET_TIMEOUT_MS = 10_000;

    private Driver server;
    private Driver client;
    private HalListener listener;
    private SanAddress address;
    private HalEndpoint healthyServer;
    private HalEndpoint healthyClient;
    private long nextId = 1000;

    @BeforeEach
    void setUp()
    {
        server = new Driver("server", Map.of(WsdOptions.HANDSHAKE_TIMEOUT_MS, "300"));
        client = new Driver("client", Map.of());
        listener = server.listen();
        address = listener.localAddress();
        healthyClient = client.fabric.createEndpoint(1);
        assertEquals(HalStatus.SUCCESS, healthyClient.connect(address, 1));
        healthyServer = server.awaitAccept(listener, 2);
        assertEquals(HalStatus.SUCCESS, client.awaitCompletion(1, HalOpcode.CONNECT).status());
        assertEquals(healthyClient.connectionId(), healthyServer.connectionId(), "both ends share the connection id");
    }

    @AfterEach
    void tearDown()
    {
        try
        {
            echoStillWorks();
            healthyClient.abort();
            healthyServer.abort();
            listener.close();
            Driver.await(() -> 0 == server.fabric.counters().get("channels_open") &&
                0 == server.fabric.counters().get("endpoints_live"), () -> "server counters back to zero: " +
                server.fabric.counters());
        }
        finally
        {
            client.close();
            server.close();
        }
    }

    private void echoStillWorks()
    {
        final long recvId = nextId++;
        final long sendId = nextId++;
        final ByteBuffer in = ByteBuffer.allocate(64);
        assertEquals(HalStatus.SUCCESS, healthyServer.postRecv(recvId, in, 0, 64));
        final ByteBuffer out = ByteBuffer.wrap("still here".getBytes(StandardCharsets.US_ASCII));
        assertEquals(HalStatus.SUCCESS, healthyClient.postSend(sendId, out, 0, out.capacity()));
        final Driver.Completion r = server.awaitCompletion(recvId, HalOpcode.RECV);
        assertEquals(HalStatus.SUCCESS, r.status(), "the healthy connection was disturbed");
        assertEquals("still here", new String(in.array(), 0, r.bytes(), StandardCharsets.US_ASCII));
        assertEquals(HalStatus.SUCCESS, client.awaitCompletion(sendId, HalOpcode.SEND).status());
    }

    private Socket raw() throws IOException
    {
        final Socket s = new Socket(address.host(), address.port());
        s.setSoTimeout(SOCKET_TIMEOUT_MS);
        s.setTcpNoDelay(true);
        return s;
    }

    /** @return true once the server closed or reset the socket (read sees EOF or a reset). */
    private static boolean closedByServer(final Socket s) throws IOException
    {
        final InputStream in = s.getInputStream();
        try
        {
            while (true)
            {
                if (in.read() < 0)
                {
                    return true;
                }
            }
        }
        catch (final SocketException ex)
        {
            return String.valueOf(ex.getMessage()).toLowerCase().contains("reset");
        }
    }

    private static void hello(final DataOutputStream out, final short version, final long id) throws IOException
    {
        out.writeInt(Wire.HELLO_BODY);
        out.writeByte(Wire.HELLO);
        out.writeInt(Wire.MAGIC);
        out.writeShort(version);
        out.writeShort(0);
        out.writeLong(id);
        out.writeInt(32 * 1024);
        out.writeInt(64 * 1024);
        out.flush();
    }

    /** Handshake as a foreign client and have the server's switch accept; @return the accepted endpoint. */
    private HalEndpoint handshake(final Socket s, final long id) throws IOException
    {
        final DataOutputStream out = new DataOutputStream(s.getOutputStream());
        final DataInputStream in = new DataInputStream(s.getInputStream());
        hello(out, Wire.VERSION, id);
        assertEquals(Wire.QUEUED_BODY, in.readInt());
        assertEquals(Wire.QUEUED, in.readByte());
        in.readFully(new byte[Wire.QUEUED_BODY]);
        final HalEndpoint accepted = server.awaitAccept(listener, 77);
        assertEquals(Wire.ACCEPT_BODY, in.readInt());
        assertEquals(Wire.ACCEPT, in.readByte());
        assertEquals(id, in.readLong());
        in.readFully(new byte[8]);
        assertEquals(id, accepted.connectionId());
        return accepted;
    }

    @Test
    void garbageInsteadOfAHandshakeIsDropped() throws IOException
    {
        try (Socket s = raw())
        {
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertTrue(closedByServer(s), "the server dropped the garbage connection");
        }
        assertEquals(null, listener.accept(9), "nothing was queued for the switch");
    }

    @Test
    void aHalfFinishedHandshakeTimesOut() throws IOException
    {
        try (Socket s = raw())
        {
            final DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(Wire.HELLO_BODY);
            out.writeByte(Wire.HELLO);
            out.writeInt(Wire.MAGIC);
            out.flush();
            assertTrue(closedByServer(s), "the server dropped the half-finished handshake after wsd.handshakeTimeoutMs");
        }
    }

    @Test
    void aWrongVersionIsRejectedWithAReason() throws IOException
    {
        try (Socket s = raw())
        {
            hello(new DataOutputStream(s.getOutputStream()), (short)99, 5);
            final DataInputStream in = new DataInputStream(s.getInputStream());
            assertEquals(Wire.REJECT_BODY, in.readInt());
            assertEquals(Wire.REJECT, in.readByte());
            assertEquals(Wire.MAGIC, in.readInt());
            assertEquals(Wire.VERSION, in.readShort());
            assertEquals(Wire.REJECT_VERSION, in.readShort());
            assertTrue(closedByServer(s));
        }
    }

    @Test
    void aWrongMagicIsDropped() throws IOException
    {
        try (Socket s = raw())
        {
            final DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(Wire.HELLO_BODY);
            out.writeByte(Wire.HELLO);
            out.write(new byte[Wire.HELLO_BODY]);
            out.flush();
            assertTrue(closedByServer(s));
        }
    }

    @Test
    void anOversizedFrameAbortsOnlyThatConnection() throws IOException
    {
        try (Socket s = raw())
        {
            final HalEndpoint accepted = handshake(s, 11);
            assertEquals(HalStatus.SUCCESS, accepted.postRecv(501, ByteBuffer.allocate(16), 0, 16));
            final DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(Integer.MAX_VALUE);
            out.writeByte(Wire.DATA);
            out.flush();
            assertEquals(HalStatus.TRANSPORT_ERROR, server.awaitCompletion(77, HalOpcode.EVENT_TRANSPORT_ERROR).status());
            assertEquals(HalStatus.TRANSPORT_ERROR, server.awaitCompletion(501, HalOpcode.RECV).status(),
                "the pending receive fails with a transport error (10053)");
            assertTrue(closedByServer(s));
            accepted.abort();
        }
    }

    @Test
    void anUnknownFrameTypeAbortsOnlyThatConnection() throws IOException
    {
        try (Socket s = raw())
        {
            final HalEndpoint accepted = handshake(s, 12);
            final DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(0);
            out.writeByte(99);
            out.flush();
            assertEquals(HalStatus.TRANSPORT_ERROR, server.awaitCompletion(77, HalOpcode.EVENT_TRANSPORT_ERROR).status());
            assertTrue(closedByServer(s));
            accepted.abort();
        }
    }

    @Test
    void rdmaWithABadKeyOrRangeWritesNothingAndIsRefused() throws IOException
    {
        try (Socket s = raw())
        {
            final HalEndpoint accepted = handshake(s, 13);
            final ByteBuffer target = ByteBuffer.allocate(256);
            final HalMemoryRegion region = accepted.registerMemory(target, MemoryAccess.REMOTE_WRITE);
            assertNotNull(region);
            final DataOutputStream out = new DataOutputStream(s.getOutputStream());
            final DataInputStream in = new DataInputStream(s.getInputStream());
            // In range but a wrong key, then the right key out of range: both refused, nothing written.
            rdmaWrite(out, 1, region.remoteKey() ^ (1L << 40), 0, 16);
            rdmaWrite(out, 2, region.remoteKey(), 250, 16);
            assertEquals(Wire.RDMA_NAK_BODY, in.readInt());
            assertEquals(Wire.RDMA_NAK, in.readByte());
            assertEquals(1, in.readLong());
            assertEquals(HalStatus.REMOTE_ACCESS_ERROR, in.readInt());
            for (int i = 0; i < target.capacity(); i++)
            {
                assertEquals(0, target.get(i), "byte " + i + " was written by a refused RDMA write");
            }
            accepted.abort();
        }
    }

    private static void rdmaWrite(final DataOutputStream out, final long reqId, final long key, final long offset,
        final int length) throws IOException
    {
        out.writeInt(Wire.RDMA_WRITE_FIXED + length);
        out.writeByte(Wire.RDMA_WRITE);
        out.writeLong(reqId);
        out.writeLong(key);
        out.writeLong(offset);
        out.writeInt(length);
        out.writeInt(0);
        for (int i = 0; i < length; i++)
        {
            out.writeByte(0x5A);
        }
        out.flush();
    }

    @Test
    void aPeerThatResetsWithLingerZeroCompletesPendingReceivesWithReset() throws IOException
    {
        final HalEndpoint accepted;
        try (Socket s = raw())
        {
            accepted = handshake(s, 14);
            assertEquals(HalStatus.SUCCESS, accepted.postRecv(601, ByteBuffer.allocate(16), 0, 16));
            assertEquals(HalStatus.SUCCESS, accepted.postRecv(602, ByteBuffer.allocate(16), 0, 16));
            s.setSoLinger(true, 0);
        }
        final Driver.Completion event = server.awaitCompletion(77, HalOpcode.EVENT_PEER_RESET);
        assertEquals(HalStatus.REMOTE_RESET, event.status());
        assertEquals(HalStatus.REMOTE_RESET, server.awaitCompletion(601, HalOpcode.RECV).status(), "10054 (R6)");
        assertEquals(HalStatus.REMOTE_RESET, server.awaitCompletion(602, HalOpcode.RECV).status(), "10054 (R6)");
        assertTrue(server.completions.indexOf(event) < server.completions.indexOf(
            server.awaitCompletion(601, HalOpcode.RECV)), "the event comes before the flushes it causes");
        assertEquals(HalEndpoint.RESET, accepted.state());
        assertEquals(HalStatus.REMOTE_RESET, accepted.postRecv(603, ByteBuffer.allocate(16), 0, 16),
            "new receives fail at once with the reset");
        accepted.abort();
    }

    @Test
    void aConnectToNothingIsRefusedAtOnce() throws IOException
    {
        final int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1")))
        {
            port = ss.getLocalPort();
        }
        final HalEndpoint e = client.fabric.createEndpoint(3);
        assertEquals(HalStatus.REFUSED, e.connect(new SanAddress("127.0.0.1", port), 3));
        e.abort();
    }
}
