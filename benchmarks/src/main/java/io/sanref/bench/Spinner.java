package io.sanref.bench;

import org.openjdk.jmh.infra.Control;

/**
 * The wait every ping-pong spin loop uses, the same for sanref and every baseline: a pure busy spin that checks JMH's
 * {@link Control} on each idle turn. (Yielding the core after some idle turns was tried: on a machine shared with
 * other builds the core went to them, not to the peer, and medians grew from about 1 µs to tens of µs for sanref
 * and baselines alike.)
 * <p>
 * Threading: one per thread (it lives in a {@code Scope.Thread} state). Allocates nothing.
 */
final class Spinner
{
    /** @return true when JMH asks the iteration to stop; call once per idle turn of a wait loop. */
    boolean idle(final Control control)
    {
        return control.stopMeasurement;
    }
}
