package io.sanref.hal.rdma.verbs;

/** Receives one async event: {@code element} is the QP number for QP events, 0 otherwise. */
@FunctionalInterface
public interface AsyncEventHandler
{
    void onEvent(int eventType, int element);
}
