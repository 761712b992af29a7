package io.sanref.hal.support;

/**
 * Spin, then yield, until a condition holds or a deadline passes. Used by the few places that must wait for
 * another thread to leave a short critical section (a copy in progress, a request executing): every HAL's waits go
 * through here, so every wait has a bound.
 * <p>
 * Threading: stateless; callable from any thread.
 */
public final class BoundedWait
{
    private static final int SPINS = 200;

    private BoundedWait()
    {
    }

    /**
     * @param timeoutNs how long to wait at most.
     * @param condition checked repeatedly.
     * @return true if the condition held within the bound.
     */
    public static boolean until(final long timeoutNs, final Condition condition)
    {
        if (condition.holds())
        {
            return true;
        }

        for (int i = 0; i < SPINS; i++)
        {
            Thread.onSpinWait();
            if (condition.holds())
            {
                return true;
            }
        }

        final long deadline = System.nanoTime() + timeoutNs;
        while (!condition.holds())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return condition.holds();
            }
            Thread.yield();
        }

        return true;
    }

    /** A condition checked without allocating. */
    @FunctionalInterface
    public interface Condition
    {
        boolean holds();
    }
}
