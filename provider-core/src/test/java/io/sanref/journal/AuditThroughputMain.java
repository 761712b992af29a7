package io.sanref.journal;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures audit throughput (not a test: no timing is asserted anywhere). Writes a journal of clean socket
 * lifecycles through the real {@link Journal}, then audits it a few times and prints records per second.
 * Args: [records (default 10,000,000)] [directory].
 */
public final class AuditThroughputMain
{
    private AuditThroughputMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final long target = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        final Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("sanref-audit-bench");
        final long t0 = System.nanoTime();
        long written;
        try (Journal journal = Journal.open(dir))
        {
            final JournalWriter w = journal.writer(1);
            w.write(JournalEvent.STARTUP, 0, 0, 0, 0, 0, 0, 0, 0);
            long op = 1;
            long d = 1 << 24;
            long records = 1;
            while (records < target)
            {
                d++;
                final long h = d;
                final long c = d;
                w.write(JournalEvent.SOCKET_CREATED, d, h, 0, 0, 0, 0, 0, 0);
                w.write(JournalEvent.CONNECTED, d, h, c, 0, 0, 0, 0, 0);
                records += 2;
                for (int i = 0; i < 8; i++, op++)
                {
                    w.write(JournalEvent.OP_POSTED, d, h, c, op, OpKind.SEND, 0, 100, 0);
                    w.write(JournalEvent.OP_RELEASED, d, h, c, op, OpKind.SEND, 0, 0, 0);
                    w.write(JournalEvent.OP_COMPLETED, d, h, c, op, OpKind.SEND, 0, 100, JournalEvent.FLAG_UPCALL);
                    records += 3;
                }
                w.write(JournalEvent.CLOSE_CALLED, d, h, c, 0, 0, 0, 0, 0);
                w.write(JournalEvent.CLOSE_HANDLE_UPCALL, d, h, c, 0, 0, 0, 0, 0);
                w.write(JournalEvent.SOCKET_FREED, d, h, c, 0, 0, 0, 0, 0);
                records += 3;
            }
            w.write(JournalEvent.CLEANUP, 0, 0, 0, 0, 0, 0, 0, 0);
            written = records + 1;
        }
        final long t1 = System.nanoTime();
        System.out.printf("journaled %,d records in %.2f s (%,.0f records/s through ring and Chronicle)%n",
            written, (t1 - t0) / 1e9, written / ((t1 - t0) / 1e9));

        for (int run = 0; run < 5; run++)
        {
            final long s = System.nanoTime();
            final long[] n = new long[1];
            JournalReader.read(dir, (r) -> n[0]++);
            final long m = System.nanoTime();
            final AuditReport report = Auditor.audit(dir);
            final long e = System.nanoTime();
            System.out.printf("run %d: read only %,.0f records/s; audit %,.0f records/s (%s, %d violations)%n",
                run, n[0] / ((m - s) / 1e9), report.events() / ((e - m) / 1e9), report.verdict(),
                report.violationCount());
        }
    }
}
