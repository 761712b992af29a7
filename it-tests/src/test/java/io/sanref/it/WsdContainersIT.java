package io.sanref.it;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.MountableFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * wsd between two hosts: {@code sanref serve} and {@code sanref run --connect} in two containers on one Docker
 * network; then the server is paused and killed under a running client. Needs a Docker engine: without one the
 * whole class is skipped ({@code disabledWithoutDocker}), and so it is on the CI machine this was written on, where
 * it has never run. It needs {@code sanref-cli/target/sanref.jar} (built by {@code mvn package}).
 */
@Testcontainers(disabledWithoutDocker = true)
class WsdContainersIT
{
    private static final String IMAGE = System.getProperty("sanref.containers.image", "eclipse-temurin:17-jre");
    private static final Path JAR = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."),
        "sanref-cli", "target", "sanref.jar").toAbsolutePath().normalize();
    private static final String JAVA = "java -Dchronicle.analytics.disable=true -Dsanref.wsd.peerTimeoutMs=3000 " +
        "-Dsanref.wsd.heartbeatMs=300 -jar /sanref.jar";

    private static GenericContainer<?> server(final Network network)
    {
        return new GenericContainer<>(IMAGE)
            .withNetwork(network)
            .withNetworkAliases("server")
            .withCopyFileToContainer(MountableFile.forHostPath(JAR), "/sanref.jar")
            .withCommand("sh", "-c", JAVA + " serve --hal wsd --listen 0.0.0.0:7010 --journal /js")
            .waitingFor(Wait.forLogMessage(".*listening on.*", 1).withStartupTimeout(Duration.ofMinutes(2)));
    }

    private static GenericContainer<?> client(final Network network, final int connections)
    {
        return new GenericContainer<>(IMAGE)
            .withNetwork(network)
            .withCopyFileToContainer(MountableFile.forHostPath(JAR), "/sanref.jar")
            .withCommand("sh", "-c", JAVA + " run --hal wsd --connect server:7010 --scenario mixed --connections " +
                connections + " --seed 3 --journal /jc; echo RUN_EXIT=$?; " + JAVA + " audit /jc; echo AUDIT_EXIT=$?; " +
                "sleep 3600");
    }

    @Test
    void mixedRunsAcrossTwoContainers() throws Exception
    {
        assumeTrue(Files.isRegularFile(JAR), "needs " + JAR + " (run mvn package first)");
        try (Network network = Network.newNetwork();
             GenericContainer<?> server = server(network);
             GenericContainer<?> client = client(network, 50))
        {
            server.start();
            client.waitingFor(Wait.forLogMessage(".*AUDIT_EXIT=.*", 1).withStartupTimeout(Duration.ofMinutes(5)));
            client.start();
            final String logs = client.getLogs();
            assertTrue(logs.contains("RUN_EXIT=0"), logs);
            assertTrue(logs.contains("AUDIT_EXIT=0"), logs);
        }
    }

    @Test
    void pausingThenKillingTheServerEndsTheClientsOperationsAndItsJournalAuditsClean() throws Exception
    {
        assumeTrue(Files.isRegularFile(JAR), "needs " + JAR + " (run mvn package first)");
        try (Network network = Network.newNetwork();
             GenericContainer<?> server = server(network);
             GenericContainer<?> client = client(network, 100_000))
        {
            server.start();
            client.withStartupTimeout(Duration.ofMinutes(2));
            client.start();
            TimeUnit.SECONDS.sleep(5);
            server.getDockerClient().pauseContainerCmd(server.getContainerId()).exec();
            TimeUnit.SECONDS.sleep(5); // past wsd.peerTimeoutMs: the client's connection fails with 10053
            server.getDockerClient().unpauseContainerCmd(server.getContainerId()).exec();
            server.getDockerClient().killContainerCmd(server.getContainerId()).exec();
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!client.getLogs().contains("AUDIT_EXIT=") && System.nanoTime() < deadline)
            {
                TimeUnit.MILLISECONDS.sleep(200);
            }
            final String logs = client.getLogs();
            assertTrue(logs.contains("RUN_EXIT="), "the client run ended after the server died: " + logs);
            assertTrue(logs.contains("AUDIT_EXIT=0"), "the client's journal audits clean: " + logs);
            assertEquals(-1, logs.indexOf("RUN_EXIT=0"), "a run whose server died does not pass: " + logs);
        }
    }
}
