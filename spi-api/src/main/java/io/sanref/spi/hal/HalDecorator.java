package io.sanref.spi.hal;

/**
 * Wraps any HAL to add behaviour without touching it, like libfabric's hook providers: fault injection,
 * tracing. Found through {@link java.util.ServiceLoader}; users name it as a prefix,
 * {@code --hal faulty:loopback}.
 */
public interface HalDecorator
{
    /** @return the prefix users write before the colon. */
    String name();

    /**
     * @param inner the HAL to wrap.
     * @return a HAL named {@code name() + ":" + inner.name()} with inner's capabilities.
     */
    HalProvider wrap(HalProvider inner);
}
