package io.sanref.cli;

import io.sanref.journal.Journal;
import io.sanref.journal.JournalWriter;
import io.sanref.scenario.PeerService;
import io.sanref.spi.SanAddress;
import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code sanref serve}: the far end of a cross-process run, until interrupted. */
@Command(
    name = "serve",
    description = "Serve connections for 'sanref run --connect' from another process or host, until interrupted " +
        "(SIGINT/SIGTERM): then close everything cleanly, finish the journal and exit 0.",
    footer = {"", "Per connection: send a greeting naming a registered RDMA region (key, length), echo every byte,",
        "  close (reset) the connection when the client RDMA-writes the reset command at region offset 0,",
        "  close when the client closes. Listens on 127.0.0.1 unless told otherwise.",
        "Example: sanref serve --hal wsd --listen 127.0.0.1:7010 --journal /tmp/js"})
final class ServeCommand implements Callable<Integer>
{
    private static final long SHUTDOWN_BOUND_MS = 15_000;

    @Option(names = "--hal", defaultValue = "wsd", description = "HAL to serve on (default: ${DEFAULT-VALUE}).")
    String hal;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Address to listen on.")
    String listen;

    @Option(names = "--journal", paramLabel = "DIR", description = "Journal every completion here (node 2).")
    Path journal;

    @Option(names = "--max-sockets", defaultValue = "256", description = "Most connections at once (default: ${DEFAULT-VALUE}).")
    int maxSockets;

    public Integer call() throws InterruptedException
    {
        final SanAddress address = Addresses.parse(listen, "--listen");
        final HalProvider h = Hals.find(hal);
        if (!h.capabilities().contains(HalCapability.CROSS_PROCESS))
        {
            throw new IllegalArgumentException("HAL '" + h.name() + "' cannot serve other processes (no CROSS_PROCESS)");
        }
        final Journal j = null == journal ? null : Journal.open(RunCommand.journalDirectory(journal));
        final PeerService service = new PeerService(h, address, maxSockets, null == j ? JournalWriter.OFF : j.writer(2));
        final SanAddress bound;
        try
        {
            bound = service.start();
        }
        catch (final RuntimeException ex)
        {
            if (null != j)
            {
                j.close();
            }
            throw ex;
        }
        System.out.println("sanref serve: listening on " + bound.host() + ":" + bound.port() + " (hal " + h.name() +
            (null == j ? ", no journal" : ", journal " + journal) + ")");
        System.out.flush();

        final CountDownLatch done = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            service.stop();
            try
            {
                final boolean clean = done.await(SHUTDOWN_BOUND_MS, TimeUnit.MILLISECONDS);
                if (!clean)
                {
                    System.err.println("sanref serve: shutdown did not finish within " + SHUTDOWN_BOUND_MS + " ms");
                }
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(clean ? Sanref.EXIT_PASS : Sanref.EXIT_FAIL);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "sanref-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        service.run();
        if (null != j)
        {
            j.close();
        }
        System.out.println("sanref serve: stopped; " + service.summary() +
            (null == j ? "" : "; journal " + journal + " (" + j.recordsWritten() + " records)"));
        System.out.flush();
        done.countDown();
        return Sanref.EXIT_PASS;
    }
}
