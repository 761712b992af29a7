package io.sanref.bench;

import org.openjdk.jmh.infra.Control;

/**
 * The wait every ping-pong spin loop uses, the same for sanref and every baseline: check JMH's {@link Control} on
 * each turn, and after 1024 idle turns yield the core once. On an idle machine a reply arrives long before that;
 * on an oversubscribed one it lets a descheduled peer run instead of burning the rest of a time slice, which would
 * otherwise turn a sub-microsecond round trip into milliseconds for whichever benchmark happens to be unlucky.
 * <p>
 * Threading: one per thread (it lives in a {@code Scope.Thread} state). Allocates nothing.
 */
final class Spinner
{
    private static final int YIELD_MASK = 1023;

    private int spins;

    /** @return true when JMH asks the iteration to stop; call once per idle turn of a wait loop. */
    boolean idle(final Control control)
    {
        if (0 == (++spins & YIELD_MASK))
        {
            Thread.yield();
        }
        return control.stopMeasurement;
    }
}
