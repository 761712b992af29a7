package io.sanref.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

import java.util.concurrent.TimeUnit;

/**
 * P6: the steady-state data path's throughput with the journal off and on; with it on, every record goes through
 * the many-to-one ring into Chronicle Queue (a full ring holds the writers back, so the rate is the sustained one).
 * {@code journalRecords} reports the journal's records per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JournalThroughput extends SteadyState
{
    @Benchmark
    public void sendRecv(final Records records)
    {
        op();
        records.journalRecords += recordsPerOp;
    }
}
