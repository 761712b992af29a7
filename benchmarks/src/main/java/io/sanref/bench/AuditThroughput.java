package io.sanref.bench;

import io.sanref.journal.AuditReport;
import io.sanref.journal.Auditor;
import io.sanref.journal.Journal;
import io.sanref.journal.JournalEvent;
import io.sanref.journal.JournalUnreadableException;
import io.sanref.journal.JournalWriter;
import io.sanref.journal.OpKind;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * P8: auditing a journal on one thread. Set-up writes a journal of clean socket lifecycles (create, connect, eight
 * sends each posted, released and completed, close, final upcall, free) through the real {@link Journal}; each
 * operation is one full {@link Auditor#audit} of it (read from Chronicle Queue and checked against A1-A9). Events
 * per second = {@link #records} / time per audit; the benchmark checks the auditor saw exactly that many.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
public class AuditThroughput
{
    @Param({"2000000"})
    public long records;

    Path dir;
    long written;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        dir = Files.createTempDirectory("sanref-bench-audit");
        try (Journal journal = Journal.open(dir))
        {
            written = writeCleanLifecycles(journal.writer(1), records);
        }
    }

    /** @return the records written: at least {@code target}. */
    static long writeCleanLifecycles(final JournalWriter w, final long target)
    {
        w.write(JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0);
        long op = 1;
        long d = 1 << 24;
        long n = 1;
        while (n < target - 1)
        {
            d++;
            w.write(JournalEvent.SOCKET_CREATED, d, d, 0, 0, 0, 0, 0, 0);
            w.write(JournalEvent.CONNECTED, d, d, d, 0, 0, 0, 0, 0);
            n += 2;
            for (int i = 0; i < 8; i++, op++)
            {
                w.write(JournalEvent.OP_POSTED, d, d, d, op, OpKind.SEND, 0, 100, 0);
                w.write(JournalEvent.OP_RELEASED, d, d, d, op, OpKind.SEND, 0, 0, 0);
                w.write(JournalEvent.OP_COMPLETED, d, d, d, op, OpKind.SEND, 0, 100, JournalEvent.FLAG_UPCALL);
                n += 3;
            }
            w.write(JournalEvent.CLOSE_CALLED, d, d, d, 0, 0, 0, 0, 0);
            w.write(JournalEvent.CLOSE_HANDLE_UPCALL, d, d, d, 0, 0, 0, 0, 0);
            w.write(JournalEvent.SOCKET_FREED, d, d, d, 0, 0, 0, 0, 0);
            n += 3;
        }
        w.write(JournalEvent.CLEANUP, 0, 0, 0, 0, 0, 0, 0, 0);
        return n + 1;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        ProviderPair.deleteQuietly(dir);
    }

    @Benchmark
    public AuditReport audit() throws JournalUnreadableException
    {
        final AuditReport report = Auditor.audit(dir);
        if (!report.passed() || report.events() != written)
        {
            throw new IllegalStateException("audit of a clean journal of " + written + " records: " + report.summary());
        }
        return report;
    }
}
