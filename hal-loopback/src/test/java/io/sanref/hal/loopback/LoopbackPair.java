package io.sanref.hal.loopback;

import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalConfig;
import io.sanref.spi.hal.HalEndpoint;
import io.sanref.spi.hal.HalListener;
import io.sanref.spi.hal.HalOpcode;
import io.sanref.spi.hal.HalStatus;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two loopback nodes in this JVM (a client and a server), driven by the test thread, which acts as both nodes'
 * progress thread. Every wait is a bounded loop of progress + poll, never a sleep.
 */
final class LoopbackPair implements AutoCloseable
{
    static final long CLIENT_CONTEXT = 1001;
    static final long SERVER_CONTEXT = 2002;
    static final long CONNECT_ID = 777;
    private static final long HANG_GUARD_NS = 20_000_000_000L;

    final LoopbackFabric client;
    final LoopbackFabric server;
    final Recorder clientCompletions = new Recorder();
    final Recorder serverCompletions = new Recorder();
    HalListener listener;
    HalEndpoint clientEndpoint;
    HalEndpoint serverEndpoint;

    LoopbackPair(final HalConfig clientConfig, final HalConfig serverConfig)
    {
        client = new LoopbackFabric(clientConfig);
        server = new LoopbackFabric(serverConfig);
    }

    static LoopbackPair open()
    {
        return new LoopbackPair(config("client"), config("server"));
    }

    static HalConfig config(final String name)
    {
        return HalConfig.defaults(name);
    }

    static HalConfig config(final String name, final int sendDepth, final int recvDepth, final String... options)
    {
        return config(name, sendDepth, recvDepth, HalConfig.DEFAULT_CONNECT_TIMEOUT_MS, options);
    }

    static HalConfig config(
        final String name, final int sendDepth, final int recvDepth, final long connectTimeoutMs,
        final String... options)
    {
        final Map<String, String> map = new HashMap<>();
        for (int i = 0; i < options.length; i += 2)
        {
            map.put(options[i], options[i + 1]);
        }
        map.putIfAbsent(LoopbackOptions.WAIT_TIMEOUT_MS, "200");
        return new HalConfig(name, sendDepth, recvDepth, connectTimeoutMs, map);
    }

    /** Listen on the server, connect from the client, accept, and wait for the CONNECT completion. */
    LoopbackPair connect()
    {
        listener = server.createListener();
        assertEquals(HalStatus.SUCCESS, listener.listen(new SanAddress("127.0.0.1", 0), 8));
        clientEndpoint = client.createEndpoint(CLIENT_CONTEXT);
        assertEquals(HalStatus.SUCCESS, clientEndpoint.connect(listener.localAddress(), CONNECT_ID));
        serverEndpoint = listener.accept(SERVER_CONTEXT);
        assertNotNull(serverEndpoint, "accept");
        pumpUntil("CONNECT completion", () -> clientCompletions.has(CONNECT_ID));
        final Completion connect = clientCompletions.only(CONNECT_ID);
        assertEquals(HalOpcode.CONNECT, connect.opcode());
        assertEquals(HalStatus.SUCCESS, connect.status());
        clientCompletions.all.clear();
        return this;
    }

    /** One duty cycle of both nodes. @return work done plus completions polled. */
    int pump()
    {
        int work = client.progress() + server.progress();
        work += client.poll(clientCompletions, 1024);
        work += server.poll(serverCompletions, 1024);
        return work;
    }

    /** Pump until nothing moves for a while (bounded). */
    void settle()
    {
        int idle = 0;
        for (int i = 0; i < 100_000 && idle < 50; i++)
        {
            idle = 0 == pump() ? idle + 1 : 0;
        }
    }

    void pumpUntil(final String what, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + HANG_GUARD_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("never happened: " + what + "; client saw " + clientCompletions.all +
                    "; server saw " + serverCompletions.all);
            }
            pump();
        }
    }

    public void close()
    {
        if (null != clientEndpoint)
        {
            clientEndpoint.abort();
        }
        if (null != serverEndpoint)
        {
            serverEndpoint.abort();
        }
        if (null != listener)
        {
            listener.close();
        }
        settle();
        client.close();
        server.close();
    }
}
