package io.sanref.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

import java.util.concurrent.TimeUnit;

/**
 * P7: bytes allocated per steady-state operation (send, receive, completions, upcalls, journal on). Run with
 * {@code -prof gc}; the figure is {@code gc.alloc.rate.norm}, which counts every thread of the JVM, the journal's
 * Chronicle agent included.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SteadyStateAllocation extends SteadyState
{
    @Benchmark
    public void sendRecv()
    {
        op();
    }
}
