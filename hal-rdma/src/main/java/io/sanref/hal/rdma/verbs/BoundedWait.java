package io.sanref.hal.rdma.verbs;

/**
 * Spin, then yield, until a condition holds or a deadline passes: every wait in the rdma HAL goes through here,
 * so every wait has a bound.
 * <p>
 * Threading: stateless; callable from any thread.
 */
public final class BoundedWait
{
    private static final int SPINS = 200;

    private BoundedWait()
    {
    }

    /** @return true if the condition held within {@code timeoutNs}. */
    public static boolean until(final long timeoutNs, final Condition condition)
    {
        for (int i = 0; i < SPINS; i++)
        {
            if (condition.holds())
            {
                return true;
            }
            Thread.onSpinWait();
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
