package io.sanref.it;

import io.sanref.journal.Journal;
import io.sanref.refswitch.SwitchSocket;
import io.sanref.spi.Overlapped;
import io.sanref.spi.SanAddress;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client end of {@link WsdNetnsIT}, run in its own network namespace: two connections to a serve, echo
 * traffic on one, receives pending on the other; prints READY once traffic flows, then waits (boundedly) for every
 * operation to end after the test takes the link down, prints each outcome, closes, and exits 0.
 * <p>
 * Arguments: {@code HOST PORT JOURNAL_DIR BOUND_MS}.
 */
public final class NetnsClient
{
    private NetnsClient()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final SanAddress address = new SanAddress(args[0], Integer.parseInt(args[1]));
        final long boundMs = Long.parseLong(args[3]);
        final Journal journal = Journal.open(Path.of(args[2]));
        final WsdCrossProcessIT.Client client = new WsdCrossProcessIT.Client(journal);
        final SwitchSocket traffic = client.connect(address);
        final SwitchSocket quiet = client.connect(address);
        final Overlapped[] pending = {client.postRecv(quiet), client.postRecv(quiet)};
        final AtomicInteger echoes = new AtomicInteger();
        final AtomicReference<String> end = new AtomicReference<>();
        final Thread t = new Thread(() -> end.set(client.echoUntilError(traffic, echoes)), "traffic");
        t.setDaemon(true);
        t.start();
        while (echoes.get() < 100 && t.isAlive())
        {
            TimeUnit.MILLISECONDS.sleep(1);
        }
        System.out.println("READY " + echoes.get());
        System.out.flush();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(boundMs);
        for (final Overlapped ov : pending)
        {
            while (client.sw.isOutstanding(ov) && System.nanoTime() < deadline)
            {
                TimeUnit.MILLISECONDS.sleep(1);
            }
            System.out.println("RECV " + (client.sw.isOutstanding(ov) ? "PENDING" : Integer.toString(ov.offsetHigh())));
        }
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        System.out.println("TRAFFIC " + (t.isAlive() ? "STILL RUNNING" : end.get()) + " after " + echoes.get() + " echoes");
        client.sw.closeSocket(traffic);
        client.sw.closeSocket(quiet);
        client.close();
        journal.close();
        System.out.println("OUTSTANDING " + client.sw.outstanding());
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }
}
